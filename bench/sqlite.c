/* bench-sqlite: the SQLite peer — loads the same NDJSON as cg-ingest into a tuned SQLite
 * database and answers the benchmark queries with prepared statements.
 *
 *   bench-sqlite load [-c CACHE_MB] DB GRAPH.ndjson
 *   bench-sqlite query [-c CACHE_MB] [-m MMAP_MB] [-r REPEAT] [-S SCALE] DB QUERIES.tsv
 *
 * Load: every line parsed with jansson (as cg does), records sorted by primary key so the
 * B-trees are filled in order, one transaction of prepared inserts into WITHOUT ROWID tables,
 * then the reverse-edge and name indexes, then a WAL checkpoint (the durable point). */
#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

static const char *const kinds[] = {
	"unknown", "crate", "module", "struct", "enum", "variant", "field", "union", "trait",
	"trait_alias", "function", "method", "impl", "const", "static", "type_alias", "macro",
	"proc_macro", "assoc_type", "assoc_const", "primitive", "foreign_type", "extern_crate",
};
static const char *const visibilities[] = { "unknown", "public", "crate", "restricted", "default" };

static void die(const char *what, sqlite3 *db)
{
	fprintf(stderr, "bench-sqlite: %s: %s\n", what, db ? sqlite3_errmsg(db) : "failed");
	exit(1);
}

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return 0;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "bench-sqlite: %s: %s\n", sql, msg);
		exit(1);
	}
}

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		die(sql, db);
	return st;
}

static void open_db(const char *path, int cache_mb, int mmap_mb, sqlite3 **db)
{
	char sql[256];
	if (sqlite3_open(path, db) != SQLITE_OK)
		die(path, *db);
	exec(*db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY");
	snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d; PRAGMA mmap_size=%lld", cache_mb * 1024,
		 (long long)mmap_mb << 20);
	exec(*db, sql);
}

/* ---- load ---- */

typedef struct vrow {
	sqlite3_int64 id;
	int kind, vis, line;
	char *s[7]; /* name path crate version file docs aliases */
} vrow;

typedef struct erow {
	sqlite3_int64 src, dst;
	int type, line;
	char *file;
} erow;

static int cmp_v(const void *a, const void *b)
{
	sqlite3_int64 x = ((const vrow *)a)->id, y = ((const vrow *)b)->id;
	return x < y ? -1 : x > y;
}

static int cmp_e(const void *a, const void *b)
{
	const erow *x = a, *y = b;
	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	if (x->type != y->type)
		return x->type - y->type;
	return x->dst < y->dst ? -1 : x->dst > y->dst;
}

static char *dup_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? strdup(s) : NULL;
}

static char *join_aliases(json_t *a)
{
	size_t n = json_array_size(a), len = 0;
	if (!n)
		return NULL;
	for (size_t i = 0; i < n; i++)
		len += strlen(json_string_value(json_array_get(a, i)) ?: "") + 1;
	char *s = malloc(len), *p = s;
	for (size_t i = 0; s && i < n; i++)
		p = stpcpy(p, json_string_value(json_array_get(a, i)) ?: ""), *p++ = '\n';
	if (s)
		p[-1] = '\0';
	return s;
}

static void parse_line(const char *line, size_t len, vrow **vs, size_t *nv, size_t *cv, erow **es,
		       size_t *ne, size_t *ce)
{
	json_error_t je;
	json_t *o = json_loadb(line, len, 0, &je);
	if (!o) {
		fprintf(stderr, "bench-sqlite: bad JSON: %s\n", je.text);
		exit(1);
	}
	const char *type = json_string_value(json_object_get(o, "type"));
	if (type && !strcmp(type, "vertex")) {
		if (*nv == *cv && !(*vs = realloc(*vs, sizeof **vs * (*cv = *cv ? *cv * 2 : 4096))))
			die("out of memory", NULL);
		vrow *v = &(*vs)[(*nv)++];
		v->id = (sqlite3_int64)bench_hex(json_string_value(json_object_get(o, "id")) ?: "");
		v->kind = lookup(kinds, 23, json_string_value(json_object_get(o, "kind")));
		v->vis = lookup(visibilities, 5, json_string_value(json_object_get(o, "vis")));
		v->line = (int)json_integer_value(json_object_get(o, "line"));
		static const char *const keys[6] = { "name", "path", "crate", "version", "file", "docs" };
		for (int i = 0; i < 6; i++)
			v->s[i] = dup_str(o, keys[i]);
		v->s[6] = join_aliases(json_object_get(o, "aliases"));
	} else if (type && !strcmp(type, "edge")) {
		if (*ne == *ce && !(*es = realloc(*es, sizeof **es * (*ce = *ce ? *ce * 2 : 4096))))
			die("out of memory", NULL);
		erow *e = &(*es)[(*ne)++];
		e->src = (sqlite3_int64)bench_hex(json_string_value(json_object_get(o, "src")) ?: "");
		e->dst = (sqlite3_int64)bench_hex(json_string_value(json_object_get(o, "dst")) ?: "");
		e->type = bench_edge_type(json_string_value(json_object_get(o, "label")) ?: "");
		e->line = (int)json_integer_value(json_object_get(o, "line"));
		e->file = dup_str(o, "file");
	}
	json_decref(o);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void step_done(sqlite3 *db, sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die("insert", db);
	sqlite3_reset(st);
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static int do_load(const char *path, const char *input, int cache_mb)
{
	double t0 = bench_now();
	FILE *f = fopen(input, "r");
	if (!f)
		die(input, NULL);
	vrow *vs = NULL;
	erow *es = NULL;
	size_t nv = 0, cv = 0, ne = 0, ce = 0, lcap = 0;
	char *line = NULL;
	ssize_t len;
	while ((len = getline(&line, &lcap, f)) > 0)
		parse_line(line, (size_t)len, &vs, &nv, &cv, &es, &ne, &ce);
	free(line);
	fclose(f);
	double t_parse = bench_now() - t0;
	qsort(vs, nv, sizeof *vs, cmp_v);
	qsort(es, ne, sizeof *es, cmp_e);

	sqlite3 *db;
	unlink(path);
	open_db(path, cache_mb, 0, &db);
	exec(db, "CREATE TABLE vertices(id INTEGER PRIMARY KEY, kind INTEGER, vis INTEGER, "
		 "line INTEGER, name TEXT, path TEXT, crate TEXT, version TEXT, file TEXT, docs TEXT, "
		 "aliases TEXT) WITHOUT ROWID;"
		 "CREATE TABLE edges(src INTEGER, type INTEGER, dst INTEGER, line INTEGER, file TEXT, "
		 "PRIMARY KEY(src, type, dst)) WITHOUT ROWID;");
	exec(db, "BEGIN");
	sqlite3_stmt *iv = prep(db, "INSERT OR IGNORE INTO vertices VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)");
	sqlite3_stmt *ie = prep(db, "INSERT OR IGNORE INTO edges VALUES(?1,?2,?3,?4,?5)");
	for (size_t i = 0; i < nv; i++) {
		vrow *v = &vs[i];
		sqlite3_bind_int64(iv, 1, v->id);
		sqlite3_bind_int(iv, 2, v->kind);
		sqlite3_bind_int(iv, 3, v->vis);
		sqlite3_bind_int(iv, 4, v->line);
		for (int k = 0; k < 7; k++)
			bind_text(iv, 5 + k, v->s[k]);
		step_done(db, iv);
	}
	for (size_t i = 0; i < ne; i++) {
		erow *e = &es[i];
		sqlite3_bind_int64(ie, 1, e->src);
		sqlite3_bind_int(ie, 2, e->type);
		sqlite3_bind_int64(ie, 3, e->dst);
		sqlite3_bind_int(ie, 4, e->line);
		bind_text(ie, 5, e->file);
		step_done(db, ie);
	}
	sqlite3_finalize(iv);
	sqlite3_finalize(ie);
	exec(db, "CREATE INDEX edges_in ON edges(dst, type, src); CREATE INDEX vertices_name ON vertices(name);");
	/* no ANALYZE: with statistics, 3.40 puts a Bloom filter on edges into the recursive step
	 * of the traversal CTE, building it from a full scan of the table at every step */
	exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE);");
	sqlite3_close(db);
	double secs = bench_now() - t0;

	char wal[4096];
	snprintf(wal, sizeof wal, "%s-wal", path);
	long long bytes = file_size(path) + file_size(wal);
	printf("{\"system\":\"sqlite\",\"op\":\"ingest\",\"seconds\":%.3f,\"parse_seconds\":%.3f,"
	       "\"vertices\":%zu,\"edges\":%zu,\"records_per_s\":%.0f,\"bytes\":%lld,"
	       "\"bytes_per_edge\":%.1f,\"peak_rss_kb\":%ld}\n",
	       secs, t_parse, nv, ne, (double)(nv + ne) / secs, bytes, ne ? (double)bytes / (double)ne : 0,
	       bench_peak_rss_kb());
	for (size_t i = 0; i < nv; i++)
		for (int k = 0; k < 7; k++)
			free(vs[i].s[k]);
	for (size_t i = 0; i < ne; i++)
		free(es[i].file);
	free(vs);
	free(es);
	return 0;
}

/* ---- queries ---- */

typedef struct peer {
	sqlite3 *db;
	sqlite3_stmt *get, *find, *out, *in, *out_ids, *in_ids, *edge, *hop3;
	int use_cte;
	bench_vec list, path;
} peer;

/* Reads every column of the current row, as a client printing it would. */
static void touch_row(sqlite3_stmt *st)
{
	for (int i = 0, n = sqlite3_column_count(st); i < n; i++)
		(void)sqlite3_column_text(st, i);
}

static long rows(peer *p, sqlite3_stmt *st)
{
	long n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		touch_row(st);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		die("query", p->db);
	return n;
}

static long get_vertex(peer *p, uint64_t vid)
{
	sqlite3_bind_int64(p->get, 1, (sqlite3_int64)vid);
	return rows(p, p->get);
}

static int nbr(void *ctx, uint64_t v, int type, int reverse, bench_vec *out)
{
	peer *p = ctx;
	sqlite3_stmt *st = reverse ? p->in_ids : p->out_ids;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)v);
	sqlite3_bind_int(st, 2, type);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		bench_vec_push(out, (uint64_t)sqlite3_column_int64(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static long hop3(peer *p, const bench_query *q)
{
	if (p->use_cte) {
		sqlite3_bind_int64(p->hop3, 1, (sqlite3_int64)q->a);
		sqlite3_bind_int(p->hop3, 2, q->type);
		return rows(p, p->hop3);
	}
	long n = bench_khop(p, nbr, q->a, q->type, 3, &p->list);
	for (size_t i = 0; n > 0 && i < p->list.n; i++)
		get_vertex(p, p->list.a[i]);
	return n;
}

/* The path's vertices and the edges between them. */
static long path(peer *p, const bench_query *q)
{
	long n = bench_path(p, nbr, q->a, q->b, q->type, &p->path);
	for (size_t i = 0; n > 0 && i < p->path.n; i++) {
		get_vertex(p, p->path.a[i]);
		if (i == 0)
			continue;
		sqlite3_bind_int64(p->edge, 1, (sqlite3_int64)p->path.a[i - 1]);
		sqlite3_bind_int(p->edge, 2, q->type);
		sqlite3_bind_int64(p->edge, 3, (sqlite3_int64)p->path.a[i]);
		rows(p, p->edge);
	}
	return n;
}

static long answer(void *ctx, const bench_query *q)
{
	peer *p = ctx;
	switch (q->op) {
	case OP_GET:
		return get_vertex(p, q->a);
	case OP_FIND:
		sqlite3_bind_text(p->find, 1, q->name, -1, SQLITE_STATIC);
		return rows(p, p->find);
	case OP_OUT:
	case OP_IN: {
		sqlite3_stmt *st = q->op == OP_OUT ? p->out : p->in;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)q->a);
		sqlite3_bind_int(st, 2, q->type);
		return rows(p, st);
	}
	case OP_HOP3:
		return hop3(p, q);
	case OP_PATH:
		return path(p, q);
	}
	return -1;
}

#define VCOLS "v.kind, v.vis, v.line, v.name, v.path, v.crate, v.version, v.file, v.docs, v.aliases"

static void prepare_all(peer *p)
{
	p->get = prep(p->db, "SELECT " VCOLS " FROM vertices v WHERE id = ?1");
	p->find = prep(p->db, "SELECT v.id, " VCOLS " FROM vertices v WHERE name = ?1");
	p->out = prep(p->db, "SELECT e.dst, e.line, e.file, " VCOLS " FROM edges e "
			     "LEFT JOIN vertices v ON v.id = e.dst WHERE e.src = ?1 AND e.type = ?2");
	p->in = prep(p->db, "SELECT e.src, e.line, e.file, " VCOLS " FROM edges e "
			    "LEFT JOIN vertices v ON v.id = e.src WHERE e.dst = ?1 AND e.type = ?2");
	p->out_ids = prep(p->db, "SELECT dst FROM edges WHERE src = ?1 AND type = ?2");
	p->in_ids = prep(p->db, "SELECT src FROM edges WHERE dst = ?1 AND type = ?2");
	p->edge = prep(p->db, "SELECT line, file FROM edges WHERE src = ?1 AND type = ?2 AND dst = ?3");
	p->hop3 = prep(p->db, "WITH RECURSIVE r(id, d) AS (SELECT ?1, 0 UNION SELECT e.dst, r.d + 1 "
			      "FROM r JOIN edges e ON e.src = r.id AND e.type = ?2 WHERE r.d < 3) "
			      "SELECT v.id, " VCOLS " FROM vertices v "
			      "WHERE v.id IN (SELECT id FROM r WHERE id <> ?1)");
}

static int do_query(const char *path, const char *qfile, int cache_mb, int mmap_mb, int repeat,
		    const char *scale)
{
	size_t n;
	bench_query *q = bench_load_queries(qfile, &n);
	peer p = { 0 };
	if (access(path, R_OK) < 0)
		die(path, NULL);
	open_db(path, cache_mb, mmap_mb, &p.db);
	prepare_all(&p);
	int rc = bench_run(stdout, "sqlite", scale, "bfs", q, n, -1, repeat, answer, &p);
	p.use_cte = 1;
	if (!rc)
		rc = bench_run(stdout, "sqlite", scale, "cte", q, n, OP_HOP3, repeat, answer, &p);
	sqlite3_stmt *all[] = { p.get, p.find, p.out, p.in, p.out_ids, p.in_ids, p.edge, p.hop3 };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		sqlite3_finalize(all[i]);
	sqlite3_close(p.db);
	free(p.list.a);
	free(p.path.a);
	bench_free_queries(q, n);
	fprintf(stderr, "bench-sqlite: query peak RSS %ld kB\n", bench_peak_rss_kb());
	return rc ? 1 : 0;
}

static int usage(void)
{
	fputs("usage: bench-sqlite load [-c CACHE_MB] DB GRAPH.ndjson\n"
	      "       bench-sqlite query [-c CACHE_MB] [-m MMAP_MB] [-r REPEAT] [-S SCALE] DB QUERIES.tsv\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	int cache_mb = 64, mmap_mb = 0, repeat = 1;
	const char *scale = "?";
	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	optind = 2;
	for (int opt; (opt = getopt(argc, argv, "c:m:r:S:")) != -1;) {
		switch (opt) {
		case 'c': cache_mb = atoi(optarg); break;
		case 'm': mmap_mb = atoi(optarg); break;
		case 'r': repeat = atoi(optarg); break;
		case 'S': scale = optarg; break;
		default: return usage();
		}
	}
	if (argc - optind != 2 || cache_mb < 1 || repeat < 1)
		return usage();
	if (!strcmp(cmd, "load"))
		return do_load(argv[optind], argv[optind + 1], cache_mb);
	if (!strcmp(cmd, "query"))
		return do_query(argv[optind], argv[optind + 1], cache_mb, mmap_mb, repeat, scale);
	return usage();
}
