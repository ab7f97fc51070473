/* changeset: collect key operations per shard and apply them as a batch or as SST files.
 * Past a memory budget the operations are sorted and spilled as run files to the store's
 * staging area (on a second thread, while the caller goes on adding; runfile.h writes and
 * reads those files); applying merges the runs and what is still in memory straight into the
 * SST writers. Each shard's keys are kept in two parts by their first byte (edges, then the
 * rest: disjoint key ranges), so that two threads write a shard's two SST files, compression
 * included, at once. */
#include "changeset.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/grow.h"
#include "runfile.h"

#define DELETED UINT32_MAX
#define SST_THRESHOLD 200000 /* operations; below this a WriteBatch is as fast */
#define ENTRY_COST (2 * sizeof(entry)) /* a sorted entry and its radix scratch copy */
/* A generation of logs is spilled at this size even under a larger budget: sorting and
 * writing out a log that fits the caches costs less than a random walk through a large one
 * at the end (measured: a third less CPU time at 100k vertices). */
#define GENERATION ((size_t)32 << 20)
#define HUGE_FROM ((size_t)16 << 20)
#define PARTS 2
#define PART_SPLIT 'i' /* keys below this byte (edges, 'e') are part 0, the rest part 1 */
#define SAMPLE_BYTES ((size_t)64 << 10) /* a run's index: the key at about every 64 KiB */
/* SST files per shard (cg_store_ingest_files takes up to 8), a key range each, written by
 * both threads in turn; a range is at least MIN_RANGE bytes of runs */
#define MAX_RANGES 8
/* Log entries read in key order are read at random: fetched this many keys ahead */
#define FETCH_AHEAD 8
#define MIN_RANGE ((size_t)16 << 20)

/* Per slot (shard * PARTS + part): a log of [klen u32][vlen u32][key][value] entries in
 * arrival order. */
typedef struct shard_log {
	cg_buf log;
	size_t n;
} shard_log;

typedef struct entry {
	uint64_t prefix; /* the key's first 8 bytes, big-endian: most comparisons end here */
	size_t off;      /* where the entry starts in its shard's log */
} entry;

/* A spilled run: where its keys are, so that a merge can start in the middle. */
typedef struct run_index {
	entry *at;       /* the prefix and file offset of about one operation per SAMPLE_BYTES */
	size_t n, cap;
	size_t bytes;    /* the file's size */
	int direct;      /* written and read around the page cache */
} run_index;

struct cg_changeset {
	int nshards, nslots;
	shard_log *slot;
	int *nruns;      /* runs spilled per slot, oldest first */
	run_index **index; /* per slot, per run */
	size_t *index_cap;
	size_t budget;   /* log bytes plus sort entries; 0: unbounded */
	size_t held;     /* what the logs cost now, counted as budget counts */
	char *dir;       /* where runs and SST files are staged */
	int spilled;     /* some slot has runs: apply goes through SST files */
	shard_log *out;  /* the logs a spill thread is writing out */
	pthread_t spiller;
	int spilling;
	cg_err err;      /* the first failure of a put or delete (memory, or a spill's I/O) */
	cg_err spill_err;
};

cg_changeset *cg_changeset_new(int nshards)
{
	cg_changeset *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->nshards = nshards;
	c->nslots = nshards * PARTS;
	c->slot = calloc((size_t)c->nslots, sizeof *c->slot);
	c->out = calloc((size_t)c->nslots, sizeof *c->out);
	c->nruns = calloc((size_t)c->nslots, sizeof *c->nruns);
	c->index = calloc((size_t)c->nslots, sizeof *c->index);
	c->index_cap = calloc((size_t)c->nslots, sizeof *c->index_cap);
	if (!c->slot || !c->out || !c->nruns || !c->index || !c->index_cap) {
		cg_changeset_free(c);
		return NULL;
	}
	return c;
}

static void run_path(const cg_changeset *c, int slot, int run, char *out, size_t n)
{
	snprintf(out, n, "%s/run-%03d-%d-%04d", c->dir, slot / PARTS, slot % PARTS, run);
}

static void wait_spill(cg_changeset *c)
{
	if (!c->spilling)
		return;
	pthread_join(c->spiller, NULL);
	c->spilling = 0;
	if (c->spill_err.code && !c->err.code)
		c->err = c->spill_err;
}

static void remove_runs(cg_changeset *c)
{
	char path[4200];
	for (int i = 0; i < c->nslots; i++) {
		for (int r = 0; r < c->nruns[i]; r++) {
			run_path(c, i, r, path, sizeof path);
			unlink(path);
			free(c->index[i][r].at);
		}
		c->nruns[i] = 0;
	}
}

void cg_changeset_free(cg_changeset *c)
{
	if (!c)
		return;
	wait_spill(c);
	if (c->nruns && c->index)
		remove_runs(c);
	for (int i = 0; i < c->nslots && c->index; i++)
		free(c->index[i]);
	for (int i = 0; i < c->nslots && c->slot && c->out; i++) {
		cg_buf_free(&c->slot[i].log);
		cg_buf_free(&c->out[i].log);
	}
	if (c->dir)
		rmdir(c->dir);
	free(c->dir);
	free(c->slot);
	free(c->out);
	free(c->nruns);
	free(c->index);
	free(c->index_cap);
	free(c);
}

int cg_changeset_bound(cg_changeset *c, size_t budget, const char *dir)
{
	c->budget = budget;
	if (c->dir) /* a spill thread may be using it; it never changes */
		return 0;
	return (c->dir = strdup(dir)) ? 0 : -1;
}

int cg_changeset_error(const cg_changeset *c, cg_err *err)
{
	if (c->err.code) {
		*err = c->err;
		return c->err.code;
	}
	return cg_err_set(err, CG_EINTERNAL, "out of memory");
}

typedef struct op {
	const uint8_t *key, *val;
	uint32_t klen, vlen;
} op;

static const uint8_t *read_op(const uint8_t *p, op *o)
{
	uint32_t head[2];
	memcpy(head, p, sizeof head);
	o->klen = head[0];
	o->vlen = head[1];
	o->key = p + sizeof head;
	o->val = o->key + o->klen;
	return o->val + (o->vlen == DELETED ? 0 : o->vlen);
}

static uint64_t key_prefix(const uint8_t *key, uint32_t klen)
{
	uint64_t p = 0;
	if (klen >= 8) {
		memcpy(&p, key, 8);
		return __builtin_bswap64(p);
	}
	for (uint32_t i = 0; i < 8; i++)
		p = p << 8 | (i < klen ? key[i] : 0);
	return p;
}

static int key_cmp(const op *x, const op *y)
{
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int r = memcmp(x->key, y->key, n);
	return r ? r : (x->klen > y->klen) - (x->klen < y->klen);
}

/* Sort by key, then by arrival (the offset in the log), so the last operation of a key is
 * the last of its run. */
static int entry_cmp(const void *a, const void *b, void *log)
{
	const entry *x = a, *y = b;
	op ox, oy;
	read_op((const uint8_t *)log + x->off, &ox);
	read_op((const uint8_t *)log + y->off, &oy);
	int r = key_cmp(&ox, &oy);
	return r ? r : (x->off > y->off) - (x->off < y->off);
}

/* The key's bytes 8..15, zero-padded: after the prefix, the next word to order by. */
static uint64_t second_word(const uint8_t *log, size_t off)
{
	op o;
	read_op(log + off, &o);
	return o.klen > 8 ? key_prefix(o.key + 8, o.klen - 8) : 0;
}

static int word_cmp(const void *a, const void *b)
{
	const entry *x = a, *y = b;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return (x->off > y->off) - (x->off < y->off);
}

/* Entries of one prefix (edges of one vertex, index entries of one name), ordered by their
 * keys' next word read once each into tmp, and by whole keys only where that ties too:
 * comparing whole keys reads the log at random O(n log n) times. */
static void sort_group(entry *es, size_t n, entry *tmp, const uint8_t *log)
{
	for (size_t k = 0; k < n; k++) {
		if (k + FETCH_AHEAD < n)
			__builtin_prefetch(log + es[k + FETCH_AHEAD].off);
		tmp[k] = (entry){ second_word(log, es[k].off), es[k].off };
	}
	if (n <= 16) { /* most groups (a vertex's few edges): insertion beats qsort's calls */
		for (size_t k = 1; k < n; k++) {
			entry e = tmp[k];
			size_t j = k;
			for (; j > 0 && word_cmp(&tmp[j - 1], &e) > 0; j--)
				tmp[j] = tmp[j - 1];
			tmp[j] = e;
		}
	} else {
		qsort(tmp, n, sizeof *tmp, word_cmp);
	}
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && tmp[j].prefix == tmp[i].prefix; j++)
			;
		if (j - i > 1)
			qsort_r(tmp + i, j - i, sizeof *tmp, entry_cmp, (void *)log);
	}
	for (size_t k = 0; k < n; k++)
		es[k].off = tmp[k].off;
}

/* LSD radix sort on the 8-byte prefix (stable, so arrival order survives), then each run of
 * equal prefixes by the rest. Bulk loads sort millions of keys; a plain qsort spent most of
 * its time in memcmp. */
static int radix_sort(entry *es, size_t n, const uint8_t *log)
{
	entry *tmp = malloc(n * sizeof *tmp), *from = es, *to = tmp;
	if (!tmp)
		return -1;
	for (int byte = 0; byte < 8; byte++) {
		size_t count[257] = { 0 };
		int shift = 8 * byte;
		for (size_t i = 0; i < n; i++)
			count[((from[i].prefix >> shift) & 0xff) + 1]++;
		if (count[((from[0].prefix >> shift) & 0xff) + 1] == n)
			continue; /* every key has the same byte here */
		for (int d = 0; d < 256; d++)
			count[d + 1] += count[d];
		for (size_t i = 0; i < n; i++)
			to[count[(from[i].prefix >> shift) & 0xff]++] = from[i];
		entry *t = from;
		from = to;
		to = t;
	}
	if (from != es)
		memcpy(es, from, n * sizeof *es);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && es[j].prefix == es[i].prefix; j++)
			;
		if (j - i > 1)
			sort_group(es + i, j - i, tmp, log);
	}
	free(tmp);
	return 0;
}

static entry *sorted_entries(const shard_log *sl)
{
	entry *es = malloc((sl->n ? sl->n : 1) * sizeof *es);
	if (!es)
		return NULL;
	const uint8_t *p = sl->log.data;
	for (size_t i = 0; i < sl->n; i++) {
		op o;
		es[i].off = (size_t)(p - sl->log.data);
		p = read_op(p, &o);
		es[i].prefix = key_prefix(o.key, o.klen);
	}
	if (sl->n && radix_sort(es, sl->n, sl->log.data) < 0) {
		free(es);
		return NULL;
	}
	return es;
}

/* ---- spilling: one sorted run per slot, the last operation of each key only ---- */

static size_t run_bytes(const cg_changeset *c, int i)
{
	size_t bytes = 0;
	for (int r = 0; r < c->nruns[i]; r++)
		bytes += c->index[i][r].bytes;
	return bytes;
}

/* Writes the sorted log's last operation of each key, and samples the index. */
static int write_run(cg_run_writer *w, const shard_log *sl, const entry *es, run_index *ri, int *oom)
{
	for (size_t k = 0, sample = 0; k < sl->n; k++) {
		op o, next;
		if (k + FETCH_AHEAD < sl->n)
			__builtin_prefetch(sl->log.data + es[k + FETCH_AHEAD].off);
		read_op(sl->log.data + es[k].off, &o);
		if (k + 1 < sl->n && es[k + 1].prefix == es[k].prefix &&
		    (read_op(sl->log.data + es[k + 1].off, &next), key_cmp(&o, &next) == 0))
			continue; /* a later operation on this key follows */
		if (w->bytes >= sample) {
			if ((*oom = CG_GROW(ri->at, ri->cap, ri->n + 1, 64) != 0))
				return -1;
			ri->at[ri->n++] = (entry){ es[k].prefix, w->bytes };
			sample = w->bytes + SAMPLE_BYTES;
		}
		size_t vbytes = o.vlen == DELETED ? 0 : o.vlen;
		if (cg_run_put(w, o.key - 8, 8 + o.klen + vbytes) < 0)
			return -1;
	}
	return cg_run_finish(w);
}

/* Writes a run and its index; on a failure, the run is still counted (for removal). */
static int spill_slot(cg_changeset *c, int i, shard_log *sl, cg_err *err)
{
	char path[4200];
	run_path(c, i, c->nruns[i], path, sizeof path);
	entry *es = sorted_entries(sl);
	if (!es || CG_GROW(c->index[i], c->index_cap[i], (size_t)c->nruns[i] + 1, 16)) {
		free(es);
		return cg_err_set(err, CG_EINTERNAL, "out of memory sorting %zu keys", sl->n);
	}
	run_index *ri = &c->index[i][c->nruns[i]];
	*ri = (run_index){ 0 };
	/* a log's runs go through the page cache until they add up to twice the change's budget
	 * (the memory bound less the readers' tables), the rest around it (runfile.h) */
	ri->direct = run_bytes(c, i) >= 2 * c->budget;
	cg_run_writer w;
	int ok = cg_run_create(&w, path, ri->direct) == 0, oom = !ok && errno == ENOMEM;
	if (ok)
		c->nruns[i]++; /* removed with the others from here on, whatever happens */
	ok = ok && write_run(&w, sl, es, ri, &oom) == 0;
	ri->bytes = w.bytes;
	int e = errno;
	if (cg_run_close(&w) != 0 && ok) {
		ok = 0;
		e = errno;
	}
	free(es);
	if (oom)
		return cg_err_set(err, CG_EINTERNAL, "out of memory spilling to %s", path);
	return ok ? CG_OK : cg_err_sys(err, CG_EIO, e, "spill to %s", path);
}

static void *spill_all(void *arg)
{
	cg_changeset *c = arg;
	for (int i = 0; i < c->nslots; i++) {
		if (c->out[i].n && !c->spill_err.code)
			spill_slot(c, i, &c->out[i], &c->spill_err);
		c->out[i].log.len = 0; /* kept for the generation after next: no new page faults */
		c->out[i].n = 0;
	}
	return NULL;
}

/* Hands the logs to a spill thread (after the previous one is done) and starts new ones;
 * each half of the budget is one generation of logs. */
static int spill(cg_changeset *c)
{
	wait_spill(c);
	if (c->err.code)
		return c->err.code;
	if (mkdir(c->dir, 0700) < 0 && errno != EEXIST)
		return cg_err_sys(&c->err, CG_EIO, errno, "%s", c->dir);
	for (int i = 0; i < c->nslots; i++) { /* swap generations */
		shard_log t = c->out[i];
		c->out[i] = c->slot[i];
		c->slot[i] = t;
	}
	c->held = 0;
	c->spilled = 1;
	if (pthread_create(&c->spiller, NULL, spill_all, c) == 0)
		c->spilling = 1;
	else
		spill_all(c);
	if (c->spill_err.code && !c->err.code)
		c->err = c->spill_err;
	return c->err.code;
}

static size_t generation(const cg_changeset *c)
{
	return c->budget / 4 < GENERATION ? c->budget / 4 : GENERATION; /* two generations and their sort */
}

static int add(cg_changeset *c, int shard, const void *key, size_t klen, const void *val, uint32_t vlen)
{
	int part = klen && ((const uint8_t *)key)[0] >= PART_SPLIT;
	shard_log *s = &c->slot[shard * PARTS + part];
	size_t vbytes = vlen == DELETED ? 0 : vlen, cost = 8 + klen + vbytes + ENTRY_COST;
	uint32_t head[2] = { (uint32_t)klen, vlen };
	if (c->err.code || klen >= DELETED)
		return -1;
	if (c->budget && c->held + cost > generation(c) && c->held && spill(c))
		return -1;
	uint8_t *before = s->log.data;
	/* a bounded log gets its whole generation at once (pages are touched only as used), so
	 * that growing never copies it */
	size_t want = c->budget && !s->log.cap ? generation(c) : sizeof head + klen + vbytes + 1;
	if (cg_buf_reserve(&s->log, want > sizeof head + klen + vbytes + 1 ? want : sizeof head + klen + vbytes + 1) < 0)
		return -1;
	if (s->log.data != before && s->log.cap >= HUGE_FROM) /* written once front to back */
		cg_advise_huge(s->log.data, s->log.cap);
	cg_buf_append(&s->log, head, sizeof head);
	cg_buf_append(&s->log, key, klen);
	if (vbytes)
		cg_buf_append(&s->log, val, vbytes);
	s->n++;
	c->held += cost;
	return 0;
}

int cg_changeset_put(cg_changeset *c, int shard, const void *key, size_t klen, const void *val, size_t vlen)
{
	return vlen >= DELETED ? -1 : add(c, shard, key, klen, val, (uint32_t)vlen);
}

int cg_changeset_delete(cg_changeset *c, int shard, const void *key, size_t klen)
{
	return add(c, shard, key, klen, NULL, DELETED);
}

size_t cg_changeset_count(const cg_changeset *c)
{
	size_t n = 0;
	for (int i = 0; i < c->nslots; i++)
		n += c->slot[i].n + (size_t)c->nruns[i];
	return n + (size_t)c->spilling;
}

static int apply_batches(cg_changeset *c, cg_store *s, cg_err *err)
{
	rocksdb_writebatch_t *batches[CG_MAX_SHARDS] = { 0 };
	int rc = CG_OK;
	for (int i = 0; i < c->nslots; i++) {
		shard_log *sl = &c->slot[i];
		if (!sl->n)
			continue;
		if (!batches[i / PARTS])
			batches[i / PARTS] = rocksdb_writebatch_create();
		/* in key order, the last operation of each key only: the memtable's skip list
		 * inserts a sorted batch along one path, and repeated keys are not written twice */
		entry *es = sorted_entries(sl);
		if (!es) {
			rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
			break;
		}
		for (size_t k = 0; k < sl->n; k++) {
			op o, next;
			read_op(sl->log.data + es[k].off, &o);
			if (k + 1 < sl->n && (read_op(sl->log.data + es[k + 1].off, &next), key_cmp(&o, &next) == 0))
				continue;
			if (o.vlen == DELETED)
				rocksdb_writebatch_delete(batches[i / PARTS], (const char *)o.key, o.klen);
			else
				rocksdb_writebatch_put(batches[i / PARTS], (const char *)o.key, o.klen,
						       (const char *)o.val, o.vlen);
		}
		free(es);
	}
	if (!rc)
		rc = cg_store_commit(s, batches, err);
	for (int i = 0; i < c->nshards; i++)
		if (batches[i])
			rocksdb_writebatch_destroy(batches[i]);
	return rc;
}

/* ---- merging runs and the in-memory rest into SST files: a slot's key range in parts ---- */

/* A source of sorted operations in a range: a run file, or the sorted log (the newest). */
typedef struct source {
	cg_run_reader run; /* a run's reader; fd -1 for the log */
	int spent;       /* past its range: loses every match */
	const shard_log *sl;
	const entry *es;
	size_t next;
	int age;         /* higher is newer: wins over older sources on an equal key */
	uint64_t hi;     /* the range ends before this 8-byte prefix (0: at the end) */
	op cur;
	uint64_t word[2]; /* cur's first 16 bytes, zero-padded: most comparisons end here */
} source;

static void set_words(source *src)
{
	const op *o = &src->cur;
	src->word[0] = key_prefix(o->key, o->klen);
	src->word[1] = o->klen > 8 ? key_prefix(o->key + 8, o->klen - 8) : 0;
}

/* The order of the sources' current keys. */
static int src_cmp(const source *a, const source *b)
{
	for (int i = 0; i < 2; i++)
		if (a->word[i] != b->word[i])
			return a->word[i] < b->word[i] ? -1 : 1;
	return key_cmp(&a->cur, &b->cur);
}

static int source_read(source *src);

/* Advances to the next operation; 0 at the end of the range, -1 on a read error. */
static int source_next(source *src)
{
	int r = source_read(src);
	return r == 1 && src->hi && src->word[0] >= src->hi ? 0 : r;
}

static int source_read(source *src)
{
	if (src->run.fd < 0) { /* the last operation of each key only */
		const uint8_t *log = src->sl->log.data;
		if (src->next == src->sl->n)
			return 0;
		read_op(log + src->es[src->next++].off, &src->cur);
		for (op later; src->next < src->sl->n && src->es[src->next].prefix == src->es[src->next - 1].prefix;
		     src->next++) {
			read_op(log + src->es[src->next].off, &later);
			if (key_cmp(&later, &src->cur) != 0)
				break;
			src->cur = later;
		}
		set_words(src);
		return 1;
	}
	cg_run_reader *r = &src->run;
	uint32_t head[2];
	if (cg_run_fill(r, sizeof head) < 0)
		return -1;
	if (r->len == r->pos)
		return 0;
	if (r->len - r->pos < sizeof head)
		return errno = EIO, -1;
	memcpy(head, r->buf + r->pos, sizeof head);
	size_t size = sizeof head + head[0] + (head[1] == DELETED ? 0 : head[1]);
	if (cg_run_fill(r, size) < 0)
		return -1;
	if (r->len - r->pos < size)
		return errno = EIO, -1;
	read_op(r->buf + r->pos, &src->cur);
	r->pos += size;
	set_words(src);
	return 1;
}

/* A loser tree over the sources (Knuth's tournament): node 0 holds the winner, nodes 1..k-1
 * the loser of the match played there, the sources are the leaves k..2k-1. Replacing the
 * winner replays one path, one comparison a level: a binary heap makes two, and at XL a log
 * has about 200 runs. */
typedef struct tourney {
	source **src;
	size_t *node;
	size_t k;
} tourney;

/* Whether source a's key goes first: the smaller key, the newer source on an equal one; a
 * source at its end goes last. */
static int src_before(const source *a, const source *b)
{
	if (a->spent || b->spent)
		return !a->spent;
	int r = src_cmp(a, b);
	return r ? r < 0 : a->age > b->age;
}

/* Plays the matches under node: returns the winner, keeps the losers. */
static size_t play(tourney *t, size_t node)
{
	if (node >= t->k)
		return node - t->k;
	size_t a = play(t, 2 * node), b = play(t, 2 * node + 1);
	int a_wins = src_before(t->src[a], t->src[b]);
	t->node[node] = a_wins ? b : a;
	return a_wins ? a : b;
}

static source *winner(const tourney *t)
{
	return t->src[t->node[0]];
}

/* Advances the winner and replays its path; -1 on a read error. */
static int advance_winner(tourney *t)
{
	size_t w = t->node[0];
	int r = source_next(t->src[w]);
	if (r < 0)
		return -1;
	t->src[w]->spent = r == 0;
	for (size_t n = (w + t->k) / 2; n >= 1; n /= 2) {
		if (src_before(t->src[t->node[n]], t->src[w])) {
			size_t loser = w;
			w = t->node[n];
			t->node[n] = loser;
		}
	}
	t->node[0] = w;
	return 0;
}

typedef struct sst_job {
	cg_changeset *c;
	cg_store *s;
	int slot;
	uint64_t lo, hi;  /* the keys whose 8-byte prefix is in [lo, hi) (hi 0: no end) */
	size_t bytes;     /* about how much it merges: the largest go first */
	char path[4200];
	cg_err err;
	int rc;
	pthread_t releaser; /* gives back the bytes of the runs only this job read */
	int releasing;
} sst_job;

static int write_merged(sst_job *j, tourney *t, rocksdb_sstfilewriter_t *w)
{
	char *e = NULL;
	cg_buf last = { 0 }; /* the key just written: older operations on it lose */
	int r = 0;
	t->node[0] = t->k > 1 ? play(t, 1) : 0;
	while (t->k && !winner(t)->spent && !e && r == 0) {
		op o = winner(t)->cur;
		if (o.vlen == DELETED)
			rocksdb_sstfilewriter_delete(w, (const char *)o.key, o.klen, &e);
		else
			rocksdb_sstfilewriter_put(w, (const char *)o.key, o.klen, (const char *)o.val, o.vlen, &e);
		last.len = 0;
		if (cg_buf_append(&last, o.key, o.klen) < 0) {
			r = -2;
			break;
		}
		source kept = { .cur = { .key = last.data, .klen = o.klen } };
		memcpy(kept.word, winner(t)->word, sizeof kept.word);
		do
			r = advance_winner(t);
		while (!r && !winner(t)->spent && src_cmp(winner(t), &kept) == 0);
	}
	cg_buf_free(&last);
	if (r)
		return r == -2 ? cg_err_set(&j->err, CG_EINTERNAL, "out of memory")
			: cg_err_sys(&j->err, CG_EIO, errno, "read a spilled run of shard %d", j->slot / PARTS);
	if (!e)
		rocksdb_sstfilewriter_finish(w, &e);
	return e ? cg_err_rocks(&j->err, e, "write %s", j->path) : CG_OK;
}

/* The run's first sample of prefix lo or more (n: none). */
static size_t first_sample(const run_index *ri, uint64_t lo)
{
	size_t a = 0, b = ri->n;
	while (a < b) {
		size_t m = (a + b) / 2;
		if (ri->at[m].prefix < lo)
			a = m + 1;
		else
			b = m;
	}
	return a;
}

/* Where run r of the slot has its first key of prefix lo or more: at or before it (the last
 * sample below lo: every key before it is below too). */
static size_t run_start(const run_index *ri, uint64_t lo)
{
	size_t a = first_sample(ri, lo);
	return a ? ri->at[a - 1].off : 0;
}

/* Opens the runs (and the log) at the range's start: each source's first key in range. The
 * runs' first chunks are all asked for before any is waited for. */
static int open_sources(sst_job *j, source *srcs, source **h, size_t *n, const entry *es, aio_context_t aio)
{
	const shard_log *sl = &j->c->slot[j->slot];
	int nruns = j->c->nruns[j->slot];
	char path[4200] = "";
	*n = 0;
	for (int r = 0; r <= nruns; r++)
		srcs[r] = (source){ .run.fd = -1, .sl = sl, .es = es, .age = r, .hi = j->hi };
	for (int r = 0; r < nruns; r++) {
		const run_index *ri = &j->c->index[j->slot][r];
		run_path(j->c, j->slot, r, path, sizeof path);
		if (cg_run_open(&srcs[r].run, path, ri->direct, ri->bytes, run_start(ri, j->lo), aio) < 0)
			return cg_err_sys(&j->err, CG_EIO, errno, "%s", path);
	}
	for (int r = 0; r <= nruns; r++) {
		source *src = &srcs[r];
		if (r < nruns) {
			run_path(j->c, j->slot, r, path, sizeof path);
			if (cg_run_start(&src->run) < 0)
				return cg_err_sys(&j->err, CG_EIO, errno, "%s", path);
		} else {
			while (src->next < sl->n && es[src->next].prefix < j->lo)
				src->next++;
		}
		int got;
		while ((got = source_next(src)) == 1 && src->word[0] < j->lo)
			;
		if (got < 0)
			return cg_err_sys(&j->err, CG_EIO, errno, "%s", path);
		if (got)
			h[(*n)++] = src;
	}
	return CG_OK;
}

/* Where the range starting at lo is no longer read by the job before it: that job reads up
 * to the first key of prefix lo or more, which ends before the sample after the first such
 * sample. */
static size_t run_past(const run_index *ri, uint64_t lo)
{
	if (!lo)
		return 0;
	size_t a = first_sample(ri, lo);
	return a + 1 < ri->n ? CG_RUN_ALIGN_UP(ri->at[a + 1].off) : ri->bytes;
}

/* Punches out of each run the bytes only this job read (its neighbours read from, and up to,
 * the sampled offsets around its range). On a filesystem mounted with online discard, freeing
 * a run's blocks waits on the device (about 0.35 ms a MiB here): done behind the merge instead
 * of all at once when the runs are removed. Where punching is not supported the removal frees
 * them as before. */
static void *release_runs(void *arg)
{
	sst_job *j = arg;
	char path[4200];
	for (int r = 0; r < j->c->nruns[j->slot]; r++) {
		const run_index *ri = &j->c->index[j->slot][r];
		/* to where the job after this one opens its reader */
		size_t to = j->hi ? CG_RUN_ALIGN_DOWN(run_start(ri, j->hi)) : CG_RUN_ALIGN_UP(ri->bytes);
		run_path(j->c, j->slot, r, path, sizeof path);
		cg_run_release(path, run_past(ri, j->lo), to);
	}
	return NULL;
}

static void write_sst(sst_job *j)
{
	const shard_log *sl = &j->c->slot[j->slot];
	int nruns = j->c->nruns[j->slot];
	entry *es = sorted_entries(sl);
	source *srcs = calloc((size_t)nruns + 1, sizeof *srcs);
	source **h = calloc((size_t)nruns + 1, sizeof *h);
	size_t *node = calloc((size_t)nruns + 1, sizeof *node);
	size_t n = 0;
	aio_context_t aio = cg_run_aio(nruns); /* without one, each chunk is read when needed */
	int rc = es && srcs && h && node ? CG_OK : cg_err_set(&j->err, CG_EINTERNAL, "out of memory sorting %zu keys", sl->n);
	if (!rc)
		rc = open_sources(j, srcs, h, &n, es, aio);
	tourney t = { h, node, n };
	if (!rc) {
		char *e = NULL;
		rocksdb_envoptions_t *env = rocksdb_envoptions_create();
		/* a bulk file lands at the bottom level but is written with plain LZ4: the same
		 * decoder as the bottom level's LZ4HC, and RocksDB's LZ4HC resets a 256 KiB state
		 * per 4 KiB block (at L, 2.6 s of a 15 s ingest); compactions rewrite it as LZ4HC */
		rocksdb_options_t *opts = rocksdb_options_create_copy(cg_store_options(j->s));
		rocksdb_options_set_bottommost_compression(opts, rocksdb_lz4_compression);
		rocksdb_sstfilewriter_t *w = rocksdb_sstfilewriter_create(env, opts);
		rocksdb_sstfilewriter_open(w, j->path, &e);
		rc = e ? cg_err_rocks(&j->err, e, "write %s", j->path) : write_merged(j, &t, w);
		rocksdb_sstfilewriter_destroy(w);
		rocksdb_options_destroy(opts);
		rocksdb_envoptions_destroy(env);
	}
	cg_run_aio_free(aio); /* waits for the reads a failure left in flight */
	for (int r = 0; srcs && r < nruns; r++)
		cg_run_close_reader(&srcs[r].run);
	free(srcs);
	free(h);
	free(node);
	free(es);
	j->rc = rc;
	if (!rc && nruns)
		j->releasing = pthread_create(&j->releaser, NULL, release_runs, j) == 0;
}

/* Work items taken in turn by two threads. */
typedef struct two_threads {
	void (*fn)(void *ctx, int i);
	void *ctx;
	int n, next;
	pthread_mutex_t mu;
} two_threads;

static void *take_turns(void *arg)
{
	two_threads *t = arg;
	for (;;) {
		pthread_mutex_lock(&t->mu);
		int i = t->next++;
		pthread_mutex_unlock(&t->mu);
		if (i >= t->n)
			return NULL;
		t->fn(t->ctx, i);
	}
}

static void on_two_threads(int n, void (*fn)(void *ctx, int i), void *ctx)
{
	two_threads t = { fn, ctx, n, 0, PTHREAD_MUTEX_INITIALIZER };
	pthread_t other;
	int two = n > 1 && pthread_create(&other, NULL, take_turns, &t) == 0;
	take_turns(&t);
	if (two)
		pthread_join(other, NULL);
	pthread_mutex_destroy(&t.mu);
}

typedef struct final_spill {
	cg_changeset *c;
	cg_err err[]; /* per slot */
} final_spill;

static void spill_rest(void *ctx, int i)
{
	final_spill *f = ctx;
	shard_log *sl = &f->c->slot[i];
	if (sl->n)
		spill_slot(f->c, i, sl, &f->err[i]);
	cg_buf_free(&sl->log);
	sl->n = 0;
}

/* A change that spilled spills the rest too (both threads, a slot each), so that every
 * slot is runs with an index: its merge can then be cut into key ranges. */
static int spill_the_rest(cg_changeset *c, cg_err *err)
{
	final_spill *f = calloc(1, sizeof *f + (size_t)c->nslots * sizeof(cg_err));
	if (!f)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	f->c = c;
	for (int i = 0; i < c->nslots; i++)
		cg_buf_free(&c->out[i].log); /* the spilled generation's, kept for the next one */
	on_two_threads(c->nslots, spill_rest, f);
	int rc = CG_OK;
	for (int i = 0; i < c->nslots && !rc; i++)
		if ((rc = f->err[i].code))
			*err = f->err[i];
	free(f);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Cuts a spilled slot into k key ranges of about equal bytes, at quantiles of its runs'
 * sampled prefixes. */
static int plan_ranges(cg_changeset *c, int i, size_t k, sst_job *jobs, int *njobs)
{
	size_t n = 0, bytes = run_bytes(c, i), from = 0;
	for (int r = 0; r < c->nruns[i]; r++)
		n += c->index[i][r].n;
	uint64_t *p = malloc((n ? n : 1) * sizeof *p);
	if (!p)
		return -1;
	n = 0;
	for (int r = 0; r < c->nruns[i]; r++)
		for (size_t q = 0; q < c->index[i][r].n; q++)
			p[n++] = c->index[i][r].at[q].prefix;
	qsort(p, n, sizeof *p, cmp_u64);
	uint64_t lo = 0;
	for (size_t q = 1; q <= k; q++) {
		size_t to = q == k ? n : n * q / k;
		uint64_t hi = q == k ? 0 : p[to];
		if (q < k && hi <= lo)
			continue; /* a prefix too common to cut at */
		jobs[(*njobs)++] = (sst_job){ .c = c, .slot = i, .lo = lo, .hi = hi,
					      .bytes = n ? (to - from) * (bytes / n) : 0 };
		lo = hi;
		from = to;
	}
	free(p);
	return 0;
}

static int by_size(const void *a, const void *b)
{
	const sst_job *x = a, *y = b;
	return (x->bytes < y->bytes) - (x->bytes > y->bytes);
}

static void write_sst_at(void *ctx, int i)
{
	write_sst(&((sst_job *)ctx)[i]);
}

/* The jobs: a shard that spilled in MAX_RANGES key ranges shared by its parts by size (the
 * largest job first), else a slot each. */
static int plan_jobs(cg_changeset *c, sst_job *jobs, int *njobs)
{
	for (int shard = 0; shard < c->nshards; shard++) {
		size_t b[PARTS], all = 0;
		for (int part = 0; part < PARTS; part++)
			all += b[part] = run_bytes(c, shard * PARTS + part);
		for (int part = 0, left = MAX_RANGES; part < PARTS; part++) {
			int i = shard * PARTS + part, last = part == PARTS - 1;
			size_t k = last ? (size_t)left : (size_t)((double)MAX_RANGES * b[part] / (all ? all : 1) + 0.5);
			k = k < 1 ? 1 : k > (size_t)left - (PARTS - 1 - part) ? (size_t)left - (PARTS - 1 - part) : k;
			k = k < b[part] / MIN_RANGE + 1 ? k : b[part] / MIN_RANGE + 1;
			left -= (int)k;
			if (c->nruns[i] && plan_ranges(c, i, k, jobs, njobs) < 0)
				return -1;
			else if (!c->nruns[i] && c->slot[i].n)
				jobs[(*njobs)++] = (sst_job){ .c = c, .slot = i };
		}
	}
	qsort(jobs, (size_t)*njobs, sizeof *jobs, by_size);
	return 0;
}

static int write_ssts(cg_changeset *c, cg_store *s, const char *dir, char **files, cg_err *err)
{
	sst_job *jobs = calloc((size_t)c->nshards * MAX_RANGES, sizeof *jobs);
	int n = 0;
	if (!jobs || plan_jobs(c, jobs, &n) < 0) {
		free(jobs);
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	}
	int used[CG_MAX_SHARDS] = { 0 };
	for (int k = 0; k < n; k++) {
		sst_job *j = &jobs[k];
		j->s = s;
		snprintf(j->path, sizeof j->path, "%s/shard-%03d-%d.sst", dir, j->slot / PARTS, used[j->slot / PARTS]);
		files[j->slot / PARTS * MAX_RANGES + used[j->slot / PARTS]++] = j->path;
	}
	on_two_threads(n, write_sst_at, jobs);
	int rc = CG_OK;
	for (int k = 0; k < n && !rc; k++)
		if ((rc = jobs[k].rc))
			*err = jobs[k].err;
	if (!rc)
		rc = cg_store_ingest_files(s, files, MAX_RANGES, err);
	for (int k = 0; k < n; k++)
		if (jobs[k].releasing)
			pthread_join(jobs[k].releaser, NULL);
	for (int i = 0; i < c->nshards * MAX_RANGES; i++)
		if (files[i])
			unlink(files[i]); /* moved away on success; leftovers on failure */
	free(jobs);
	return rc;
}

static int apply_ssts(cg_changeset *c, cg_store *s, cg_err *err)
{
	char dir[4096];
	if (c->dir)
		snprintf(dir, sizeof dir, "%s", c->dir);
	else
		snprintf(dir, sizeof dir, "%s/ingest.%ld", cg_store_dir(s), (long)getpid());
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return cg_err_sys(err, CG_EIO, errno, "%s", dir);
	char **files = calloc((size_t)c->nshards * MAX_RANGES, sizeof *files);
	int rc = files ? CG_OK : cg_err_set(err, CG_EINTERNAL, "out of memory");
	if (!rc && c->spilled)
		rc = spill_the_rest(c, err);
	if (!rc)
		rc = write_ssts(c, s, dir, files, err);
	remove_runs(c);
	rmdir(dir);
	free(files);
	return rc;
}

int cg_changeset_apply(cg_changeset *c, cg_store *s, int mode, cg_err *err)
{
	wait_spill(c);
	if (c->err.code)
		return cg_changeset_error(c, err);
	/* batches are atomic per shard only: a change across shards goes through SST files */
	if (mode == CG_APPLY_AUTO)
		mode = cg_changeset_count(c) >= SST_THRESHOLD || c->nshards > 1 ? CG_APPLY_SST : CG_APPLY_BATCH;
	if (!cg_changeset_count(c))
		return CG_OK;
	return mode == CG_APPLY_SST || c->spilled ? apply_ssts(c, s, err) : apply_batches(c, s, err);
}
