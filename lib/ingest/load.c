/* load: inputs -> graphs (parsed in parallel) -> one atomic ingest. */
#include "load.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "ingest_ndjson.h"
#include "ingest_ws.h"
#include "input/cargolock.h"
#include "input/input.h"
#include "input/rustdoc.h"
#include "base/clock.h"
#include "base/grow.h"

#define MAX_THREADS 8

/* A parse holds the file and its jdoc tree, about 3 times the file (on 60 real crates; the
 * jansson trees before were 9 to 14 times), while it builds the graph: the parses in flight
 * are kept within TREE_BUDGET times the largest file, and the biggest files are parsed first,
 * while few finished graphs are held. One file always runs, so a file bigger than the budget
 * is parsed alone. */
enum { TREE_PER_BYTE = 5, TREE_BUDGET = 16 };

typedef struct job {
	const cg_load_opts *o;
	cg_store *store;
	cg_lockfile *lock;
	char *features; /* sorted, comma-separated */
	char **sources;
	size_t n;
	cg_graph **graphs;
	cg_load_item *items;
	atomic_size_t done;
	size_t *order;            /* inputs by size, largest first */
	size_t *size;             /* per input: bytes on disk (0 for stdin) */
	unsigned char *taken;
	pthread_mutex_t mu;       /* guards taken, in_flight, nflight */
	pthread_cond_t freed;
	size_t in_flight, nflight, budget;
	char ws_name[256];        /* the workspace record's name, "" for none */
	char lock_digest[17];
	uint64_t seed;            /* input_seed */
	char *lock_path, *root, *doc_dir; /* real paths, for the record */
	json_t *known;            /* input digest -> {unit, name, version} of the stored crates */
	unsigned char *unparsed;  /* per input: unchanged by its digest, not parsed */
} job;

static int feature_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "b, a,b" -> "a,b": the cache key must not depend on how features were spelled. */
static char *canonical_features(const char *list)
{
	char *copy = strdup(list ? list : ""), *words[256], *save = NULL;
	size_t n = 0, len = 0;
	if (!copy)
		return NULL;
	for (char *w = strtok_r(copy, ", ", &save); w && n < 256; w = strtok_r(NULL, ", ", &save))
		words[n++] = w;
	qsort(words, n, sizeof *words, feature_cmp);
	char *out = malloc(strlen(list ? list : "") + 1);
	if (out) {
		out[0] = '\0';
		for (size_t i = 0; i < n; i++) {
			if (i && strcmp(words[i], words[i - 1]) == 0)
				continue;
			len += (size_t)sprintf(out + len, "%s%s", len ? "," : "", words[i]);
		}
	}
	free(copy);
	return out;
}

static int add_source(job *j, const char *path, cg_err *err)
{
	char **p = realloc(j->sources, (j->n + 1) * sizeof *p);
	if (!p || !(p[j->n] = strdup(path)))
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	j->sources = p;
	j->n++;
	return CG_OK;
}

static int add_input(job *j, const char *path, cg_err *err)
{
	struct stat st;
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		char **list;
		size_t n;
		int rc = cg_input_list_dir(path, &list, &n, err);
		for (size_t i = 0; i < n && !rc; i++)
			rc = add_source(j, list[i], err);
		if (!rc && n == 0)
			rc = cg_err_set(err, CG_ENOINPUT, "%s: no *.json files", path);
		if (!rc || n)
			cg_input_free_list(list, n);
		return rc;
	}
	return add_source(j, path, err);
}

/* One read serves both the parse and the digest the workspace record keeps. */
static int read_lockfile(job *j, const char *path, cg_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc = cg_input_read(path, &text, &len, err);
	if (!rc)
		rc = cg_lockfile_parse(path, text, len, &j->lock, err);
	if (!rc) {
		snprintf(j->lock_digest, sizeof j->lock_digest, "%016llx", (unsigned long long)XXH3_64bits(text, len));
		j->lock_path = realpath(path, NULL);
	}
	free(text);
	return rc;
}

/* --name, else the workspace directory's name; none without either. */
static int workspace_name(job *j, const cg_load_opts *o, cg_err *err)
{
	if (o->workspace && !(j->root = realpath(o->workspace, NULL)))
		return cg_err_sys(err, CG_ENOINPUT, errno, "%s", o->workspace);
	if (o->name) {
		snprintf(j->ws_name, sizeof j->ws_name, "%s", o->name);
		return cg_ws_check_name(j->ws_name, err);
	}
	return o->workspace ? cg_ws_default_name(o->workspace, j->ws_name, sizeof j->ws_name, err) : CG_OK;
}

static int collect_inputs(job *j, const cg_load_opts *o, cg_err *err)
{
	int rc = CG_OK;
	char path[4096];
	if (o->workspace || o->lockfile) {
		if (o->lockfile)
			snprintf(path, sizeof path, "%s", o->lockfile);
		else
			snprintf(path, sizeof path, "%s/Cargo.lock", o->workspace);
		if ((rc = read_lockfile(j, path, err)))
			return rc;
	}
	if (o->workspace || o->doc_dir) {
		if (o->doc_dir)
			snprintf(path, sizeof path, "%s", o->doc_dir);
		else
			snprintf(path, sizeof path, "%s/target/doc", o->workspace);
		rc = add_input(j, path, err);
		j->doc_dir = rc ? NULL : realpath(path, NULL);
	}
	for (size_t i = 0; i < o->ninputs && !rc; i++)
		rc = add_input(j, o->inputs[i], err);
	if (!rc && j->n == 0)
		rc = cg_err_set(err, CG_EUSAGE, "no input: give files, a directory, '-', or --workspace");
	return rc;
}

/* ---- unchanged before parsing: the input's bytes and the cache key's other inputs ---- */

static int add_known(void *ctx, const char *unit, const char *json)
{
	job *j = ctx;
	json_t *o = json_loads(json, 0, NULL);
	const char *input = json_string_value(json_object_get(o, "input"));
	if (input)
		json_object_set_new(j->known, input, json_pack("{s:s, s:O?, s:O?}", "unit", unit,
				    "name", json_object_get(o, "name"), "version", json_object_get(o, "version")));
	json_decref(o);
	return CG_OK;
}

/* The digest's seed: the cache key's inputs other than the file's bytes. */
static uint64_t input_seed(const job *j)
{
	char key[512];
	int n = snprintf(key, sizeof key, "%s\n%d\n%s", j->features, j->o->keep_synthetic, j->lock_digest);
	uint64_t seed = XXH3_64bits(key, n < (int)sizeof key ? (size_t)n : sizeof key);
	if (n >= (int)sizeof key) /* a long feature list: all of it counts */
		seed ^= XXH3_64bits(j->features, strlen(j->features));
	return seed;
}

static void digest_text(uint64_t h, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* ---- digests kept between runs ---- */

typedef struct digest_entry {
	char *path;
	struct stat st;  /* as it was when the file was read */
	uint64_t seed;
	char digest[17];
} digest_entry;

/* Entries found by path through an open-addressing index of entry numbers + 1 (0: empty),
 * kept under half full: a watched monorepo has thousands of files, each looked up per update. */
struct cg_digest_cache {
	pthread_mutex_t mu;
	digest_entry *e;
	size_t n, cap;
	size_t *index, nindex;
};

cg_digest_cache *cg_digest_cache_new(void)
{
	cg_digest_cache *c = calloc(1, sizeof *c);
	if (c)
		pthread_mutex_init(&c->mu, NULL);
	return c;
}

void cg_digest_cache_free(cg_digest_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->e[i].path);
	free(c->e);
	free(c->index);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* The index slot of path: the one holding its entry, or the empty one where it would go. */
static size_t *digest_slot(const cg_digest_cache *c, const char *path)
{
	size_t j = (size_t)XXH3_64bits(path, strlen(path)) & (c->nindex - 1);
	while (c->index[j] && strcmp(c->e[c->index[j] - 1].path, path))
		j = (j + 1) & (c->nindex - 1);
	return &c->index[j];
}

static digest_entry *digest_find(cg_digest_cache *c, const char *path)
{
	size_t *slot = c->nindex ? digest_slot(c, path) : NULL;
	return slot && *slot ? &c->e[*slot - 1] : NULL;
}

/* A new entry for path, indexed; NULL when memory runs out. */
static digest_entry *digest_add(cg_digest_cache *c, const char *path)
{
	if ((c->n + 1) * 2 > c->nindex) {
		size_t n = c->nindex ? c->nindex * 2 : 128, *index = calloc(n, sizeof *index);
		if (!index)
			return NULL;
		free(c->index);
		c->index = index;
		c->nindex = n;
		for (size_t i = 0; i < c->n; i++)
			*digest_slot(c, c->e[i].path) = i + 1;
	}
	if (CG_GROW(c->e, c->cap, c->n + 1, 64) || !(c->e[c->n].path = strdup(path)))
		return NULL;
	*digest_slot(c, path) = c->n + 1;
	return &c->e[c->n++];
}

enum { DIGEST_UNSEEN, DIGEST_STALE, DIGEST_HIT };

/* DIGEST_HIT with the digest kept for path when the file is as it was then; DIGEST_STALE when
 * the cache saw path but the file (or the seed) changed since; DIGEST_UNSEEN otherwise. */
static int digest_lookup(cg_digest_cache *c, const char *path, uint64_t seed, const struct stat *st, char out[17])
{
	pthread_mutex_lock(&c->mu);
	digest_entry *e = digest_find(c, path);
	int found = !e ? DIGEST_UNSEEN : e->seed == seed && same_file(&e->st, st) ? DIGEST_HIT : DIGEST_STALE;
	if (found == DIGEST_HIT)
		memcpy(out, e->digest, 17);
	pthread_mutex_unlock(&c->mu);
	return found;
}

/* Keeps a digest only for a file last changed a while before it was read: timestamps are
 * coarser than writes, and a write in the same tick as the read would not show. */
static void digest_keep(cg_digest_cache *c, const char *path, uint64_t seed, const struct stat *st,
			const char digest[17], time_t read_at)
{
	if (st->st_mtim.tv_sec + 1 >= read_at || st->st_ctim.tv_sec + 1 >= read_at)
		return;
	pthread_mutex_lock(&c->mu);
	digest_entry *e = digest_find(c, path);
	if (!e)
		e = digest_add(c, path);
	if (e) { /* out of memory: just not kept */
		e->st = *st;
		e->seed = seed;
		memcpy(e->digest, digest, 17);
	}
	pthread_mutex_unlock(&c->mu);
}

/* A graph with no items standing for a stored crate the input still describes. */
static int placeholder(job *j, size_t i, json_t *known, const char *source, size_t len, const char *input)
{
	cg_unit_info in = { .name = json_string_value(json_object_get(known, "name")),
			    .version = json_string_value(json_object_get(known, "version")),
			    .features = j->features, .source = source, .bytes = len, .input = input };
	j->graphs[i] = cg_graph_new(json_string_value(json_object_get(known, "unit")));
	j->unparsed[i] = 1;
	if (!j->graphs[i] || cg_graph_set_info(j->graphs[i], &in) < 0)
		return cg_err_set(&j->items[i].err, CG_EINTERNAL, "out of memory");
	return CG_OK;
}

/* Reads the input and its digest unless the store holds that digest: then *data stays NULL,
 * *len is the content's size and *known its crate. A file the digest cache knows as it was is
 * not read at all; a file the store may hold is hashed in pieces first and read whole only
 * when it is not (a re-ingest where nothing changed holds no file, and copies each into a
 * small buffer that stays in the caches), unless the digest cache saw it before it was
 * written again: then it is most likely new, and read whole at once. */
static int read_input(job *j, const char *src, char **data, size_t *len, char input[17], json_t **known,
		      cg_err *err)
{
	cg_digest_cache *c = j->o->digests;
	struct stat st;
	int named = strcmp(src, "-") != 0, stated = c && named && stat(src, &st) == 0, rc = CG_OK;
	int seen = stated ? digest_lookup(c, src, j->seed, &st, input) : DIGEST_UNSEEN;
	if (seen == DIGEST_HIT && (*known = json_object_get(j->known, input))) {
		*len = (size_t)st.st_size;
		return CG_OK;
	}
	time_t read_at = time(NULL);
	uint64_t h;
	int may_be_stored = named && json_object_size(j->known) && seen == DIGEST_UNSEEN;
	if (may_be_stored && !(rc = cg_input_hash(src, j->seed, &h, len, err))) {
		digest_text(h, input);
		*known = json_object_get(j->known, input);
	}
	if (!rc && !*known && !(rc = cg_input_read(src, data, len, err))) {
		digest_text(XXH3_64bits_withSeed(*data, *len, j->seed), input);
		*known = json_object_get(j->known, input);
	}
	if (!rc && stated)
		digest_keep(c, src, j->seed, &st, input, read_at);
	return rc;
}

static void parse_one(job *j, size_t i)
{
	cg_load_item *it = &j->items[i];
	const char *src = j->sources[i];
	const char *name = strcmp(src, "-") == 0 ? "stdin" : src;
	char *data = NULL, input[17];
	size_t len = 0;
	double t0 = cg_clock_us() / 1e3;
	json_t *known = NULL;
	int rc = read_input(j, src, &data, &len, input, &known, &it->err);
	if (!rc && known) {
		rc = placeholder(j, i, known, name, len, input);
	} else if (!rc) {
		cg_rustdoc_opts ro = { .lock = j->lock, .features = j->features,
				       .keep_synthetic = j->o->keep_synthetic };
		if ((rc = cg_rustdoc_read(name, data, len, &ro, &j->graphs[i], &it->err)) &&
		    strncmp(it->err.msg, name, strlen(name)) != 0)
			cg_err_prefix(&it->err, "%s", name);
		if (!rc && cg_graph_set_input(j->graphs[i], input) < 0)
			rc = cg_err_set(&it->err, CG_EINTERNAL, "out of memory");
	}
	free(data);
	it->format_version = rc ? 0 : cg_graph_info(j->graphs[i])->format_version;
	it->failed = rc != CG_OK;
	it->ms = (cg_clock_us() / 1e3) - t0;
}

static size_t tree_estimate(const job *j, size_t i)
{
	return j->size[i] > SIZE_MAX / TREE_PER_BYTE ? SIZE_MAX : j->size[i] * TREE_PER_BYTE;
}

/* The largest input not yet taken whose tree fits the budget beside those in flight;
 * waits while none does. Returns j->n when every input is taken. */
static size_t take_input(job *j)
{
	pthread_mutex_lock(&j->mu);
	for (;;) {
		size_t left = 0;
		for (size_t k = 0; k < j->n; k++) {
			size_t i = j->order[k], est = tree_estimate(j, i);
			if (j->taken[i])
				continue;
			left++;
			if (j->nflight == 0 || (est <= j->budget && j->in_flight <= j->budget - est)) {
				j->taken[i] = 1;
				j->in_flight += est;
				j->nflight++;
				pthread_mutex_unlock(&j->mu);
				return i;
			}
		}
		if (!left)
			break;
		pthread_cond_wait(&j->freed, &j->mu);
	}
	pthread_mutex_unlock(&j->mu);
	return j->n;
}

static void release_input(job *j, size_t i)
{
	pthread_mutex_lock(&j->mu);
	j->in_flight -= tree_estimate(j, i);
	j->nflight--;
	pthread_cond_broadcast(&j->freed);
	pthread_mutex_unlock(&j->mu);
}

static void *worker(void *arg)
{
	job *j = arg;
	for (size_t i; (i = take_input(j)) < j->n;) {
		parse_one(j, i);
		release_input(j, i);
		size_t done = atomic_fetch_add(&j->done, 1) + 1;
		if (j->o->progress)
			j->o->progress(j->o->progress_ctx, done, j->n);
	}
	return NULL;
}

static const job *sort_job; /* for size_desc: qsort has no context argument */

static int size_desc(const void *a, const void *b)
{
	size_t x = sort_job->size[*(const size_t *)a], y = sort_job->size[*(const size_t *)b];
	return x < y ? 1 : x > y ? -1 : 0;
}

/* Sizes, the largest-first order and the budget; 0 or CG_EINTERNAL. */
static int plan_parses(job *j)
{
	if (!(j->order = malloc(j->n * sizeof *j->order)) || !(j->size = calloc(j->n, sizeof *j->size)) ||
	    !(j->taken = calloc(j->n, 1)))
		return CG_EINTERNAL;
	size_t largest = 0;
	for (size_t i = 0; i < j->n; i++) {
		struct stat st;
		if (strcmp(j->sources[i], "-") != 0 && stat(j->sources[i], &st) == 0 && st.st_size > 0)
			j->size[i] = (size_t)st.st_size;
		largest = j->size[i] > largest ? j->size[i] : largest;
		j->order[i] = i;
	}
	sort_job = j;
	qsort(j->order, j->n, sizeof *j->order, size_desc);
	j->budget = largest > SIZE_MAX / TREE_BUDGET ? SIZE_MAX : largest * TREE_BUDGET;
	return CG_OK;
}

static void parse_all(job *j)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nt = cpus > 1 ? (size_t)cpus : 1;
	pthread_t t[MAX_THREADS];
	if (nt > MAX_THREADS)
		nt = MAX_THREADS;
	if (nt > j->n)
		nt = j->n;
	json_object_seed(0); /* once, before threads: jansson's hash seed is global */
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->freed, NULL);
	size_t started = 0;
	for (; started + 1 < nt; started++)
		if (pthread_create(&t[started], NULL, worker, j) != 0)
			break;
	worker(j);
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	pthread_cond_destroy(&j->freed);
	pthread_mutex_destroy(&j->mu);
}

/* Without keep_going the first failed input (in input order) fails the run. */
static int first_failure(const job *j, cg_load_report *rep, cg_err *err)
{
	int rc = CG_OK;
	for (size_t i = 0; i < j->n; i++) {
		if (!j->items[i].failed)
			continue;
		rep->failed++;
		if (!rc) {
			*err = j->items[i].err;
			rc = err->code ? err->code : CG_EDATA;
		}
	}
	return rc;
}

static int write_graphs(job *j, const cg_load_opts *o, cg_load_report *rep, cg_err *err)
{
	cg_graph **ok = calloc(j->n, sizeof *ok);
	cg_unit_result *res = calloc(j->n, sizeof *res);
	size_t n = 0;
	int rc = ok && res ? CG_OK : cg_err_set(err, CG_EINTERNAL, "out of memory");
	for (size_t i = 0; i < j->n && !rc; i++)
		if (!j->items[i].failed)
			ok[n++] = j->graphs[i];
	double t0 = cg_clock_us() / 1e3;
	cg_ingest_opts io = { .bulk = o->bulk, .memory = o->memory };
	cg_err werr = { 0 }; /* err may already hold an input's failure (keep_going) */
	cg_ws_spec ws = { .name = j->ws_name, .root = j->root, .lockfile = j->lock_path,
			  .lock_digest = j->lock_path ? j->lock_digest : NULL, .doc_dir = j->doc_dir,
			  .features = j->features, .lock = j->lock, .complete = n == j->n,
			  .move = o->move_workspace };
	if (!rc && n && *j->ws_name) {
		if ((rc = cg_ws_ingest(j->store, &ws, ok, n, &io, res, &rep->ws, &werr)))
			*err = werr;
		rep->has_ws = !rc;
	} else if (!rc && n && (rc = cg_ingest_graphs(j->store, ok, n, &io, res, &werr))) {
		*err = werr;
	}
	double write_ms = (cg_clock_us() / 1e3) - t0;
	for (size_t i = 0, k = 0; i < j->n && !rc; i++) {
		if (j->items[i].failed)
			continue;
		j->items[i].res = res[k++];
		j->items[i].res.unparsed = j->unparsed[i];
		j->items[i].ms += write_ms;
	}
	free(ok);
	free(res);
	return rc;
}

/* NDJSON streams into the store; with keep_going each input is a change of its own, so that
 * a bad one leaves nothing behind. */
static int load_ndjson(job *j, const cg_load_opts *o, cg_load_report *rep, cg_err *err)
{
	cg_ndjson_opts no = { .unit = o->unit ? o->unit : "ndjson", .lenient = o->lenient,
			      .io = { .bulk = o->bulk, .memory = o->memory } };
	cg_unit_result *res = calloc(j->n, sizeof *res);
	if (!res)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	int rc = CG_OK;
	size_t step = o->keep_going ? 1 : j->n;
	for (size_t i = 0; i < j->n; i += step) {
		double t0 = cg_clock_us() / 1e3;
		cg_err *e = o->keep_going ? &j->items[i].err : err;
		int irc = cg_ingest_ndjson(j->store, &no, (const char *const *)j->sources + i, step, res + i, e);
		for (size_t k = i; k < i + step; k++) {
			j->items[k].res = res[k];
			j->items[k].ms = (cg_clock_us() / 1e3) - t0;
			j->items[k].failed = irc != CG_OK;
		}
		if (irc && o->keep_going)
			rep->failed++;
		if (irc && !rc && o->keep_going)
			*err = *e;
		rc = rc ? rc : irc;
		if (o->progress)
			o->progress(o->progress_ctx, i + step, j->n);
	}
	free(res);
	return rc;
}

int cg_load_run(cg_store *s, const cg_load_opts *o, cg_load_report *rep, cg_err *err)
{
	job j = { .o = o, .store = s };
	memset(rep, 0, sizeof *rep);
	int rc = workspace_name(&j, o, err);
	if (!rc)
		rc = collect_inputs(&j, o, err);
	if (!rc && !(j.features = canonical_features(o->features)))
		rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
	if (!rc && (!(j.graphs = calloc(j.n, sizeof *j.graphs)) || !(j.items = calloc(j.n, sizeof *j.items))))
		rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
	if (!rc && o->ndjson) {
		rc = load_ndjson(&j, o, rep, err);
	} else if (!rc) {
		rep->no_lockfile = !j.lock;
		if (!(j.known = json_object()) || !(j.unparsed = calloc(j.n, 1)))
			rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
		if (!rc)
			rc = cg_ingest_each_meta(s, CG_META_CRATE, add_known, &j, err);
	}
	j.seed = rc || o->ndjson ? 0 : input_seed(&j);
	if (!rc && !o->ndjson && plan_parses(&j))
		rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
	if (!rc && !o->ndjson) {
		parse_all(&j);
		rc = first_failure(&j, rep, err);
		if (!rc || o->keep_going) {
			int wrc = write_graphs(&j, o, rep, err);
			rc = wrc ? wrc : rc;
		}
	}
	for (size_t i = 0; i < j.n; i++) {
		cg_graph_free(j.graphs ? j.graphs[i] : NULL);
		if (j.items)
			j.items[i].source = j.sources[i];
		else
			free(j.sources[i]);
	}
	rep->items = j.items;
	rep->n = j.items ? j.n : 0;
	free(j.sources);
	free(j.graphs);
	free(j.features);
	json_decref(j.known);
	free(j.unparsed);
	free(j.order);
	free(j.size);
	free(j.taken);
	cg_lockfile_free(j.lock);
	free(j.lock_path);
	free(j.root);
	free(j.doc_dir);
	return rc;
}

void cg_load_report_free(cg_load_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		free(rep->items[i].source);
	free(rep->items);
	cg_ws_outcome_free(&rep->ws);
	memset(rep, 0, sizeof *rep);
}

json_t *cg_load_result_json(const cg_unit_result *r, const char *source, double ms)
{
	json_t *edges = json_object();
	for (int t = 1; t < CG_EDGE_NTYPES; t++)
		json_object_set_new(edges, cg_edge_type_name(t), json_integer((json_int_t)r->edges[t]));
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:o, s:I, s:f, s:s?}", "crate", r->name,
			      "version", r->version, "unit", r->unit, "status", r->status,
			      "vertices", (json_int_t)r->vertices, "stubs", (json_int_t)r->stubs, "edges", edges,
			      "bytes", (json_int_t)r->bytes, "ms", (double)(long long)(ms * 1000 + 0.5) / 1000, "file", source);
	if (o && source && json_object_set_new(o, "parsed", json_boolean(!r->unparsed)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
