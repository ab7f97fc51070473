/* calls: find a workspace's Rust sources (by Cargo package), parse and resolve them on
 * several threads, and hand the call sites to the caller in a stable order. */
#include "calls.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calls_int.h"
#include "base/grow.h"

#define MAX_THREADS 64
#define MAX_WALK_DEPTH 64

typedef struct files {
	calls_file *f;
	size_t n, cap;
	char **crates;
	size_t ncrates, capcrates;
	const char *root; /* realpath of the workspace */
	cg_err *err;
} files;

static char *underscored(const char *s, size_t n)
{
	char *d = strndup(s, n);
	for (char *p = d; p && *p; p++)
		if (*p == '-')
			*p = '_';
	return d;
}

/* The [package] name of DIR/Cargo.toml, underscored; NULL when there is none. */
static char *package_name(const char *dir)
{
	char path[PATH_MAX], line[1024];
	if (snprintf(path, sizeof path, "%s/Cargo.toml", dir) >= (int)sizeof path)
		return NULL;
	FILE *fp = fopen(path, "r");
	if (!fp)
		return NULL;
	int in_package = 0;
	char *name = NULL;
	while (!name && fgets(line, sizeof line, fp)) {
		char *p = line + strspn(line, " \t");
		if (*p == '[')
			in_package = !strncmp(p, "[package]", 9);
		else if (in_package && !strncmp(p, "name", 4) && strchr(" \t=", p[4])) {
			char *q = strchr(p, '"'), *e = q ? strchr(q + 1, '"') : NULL;
			if (e)
				name = underscored(q + 1, (size_t)(e - q - 1));
		}
	}
	fclose(fp);
	return name;
}

static int add_crate(files *fs, const char *name)
{
	for (size_t i = 0; i < fs->ncrates; i++)
		if (!strcmp(fs->crates[i], name))
			return 0;
	char *d = strdup(name);
	if (!d || CG_GROW(fs->crates, fs->capcrates, fs->ncrates + 1, 32)) {
		free(d);
		return -1;
	}
	fs->crates[fs->ncrates++] = d;
	return 0;
}

/* Crate and module of a file at rel (inside its package): src/lib.rs and src/main.rs are the
 * crate root, src/a/b.rs and src/a/b/mod.rs module a::b, src/bin/x.rs crate x. 0 when the
 * file belongs to no library or binary target (tests, examples, build script). */
static int module_of(const char *pkg, const char *rel, char **crate, char **module)
{
	if (strncmp(rel, "src/", 4))
		return 0;
	rel += 4;
	size_t n = strlen(rel) - 3; /* without .rs */
	const char *c = pkg;
	char *m;
	if (!strncmp(rel, "bin/", 4)) {
		const char *b = rel + 4, *slash = strchr(b, '/');
		size_t bl = slash ? (size_t)(slash - b) : n - 4;
		if (slash && strcmp(slash, "/main.rs"))
			return 0; /* a module of a binary under src/bin/x/: not resolved */
		*crate = underscored(b, bl);
		*module = *crate ? strdup(*crate) : NULL;
		return *crate && *module ? 1 : -1;
	}
	if (!strcmp(rel, "lib.rs") || !strcmp(rel, "main.rs"))
		n = 0;
	else if (n >= 4 && !strcmp(rel + n - 4, "/mod.rs"))
		n -= 4;
	size_t cl = strlen(c);
	m = malloc(cl + 2 * n + 3);
	if (!m)
		return -1;
	memcpy(m, c, cl + 1);
	char *o = m + cl;
	if (n) {
		*o++ = ':';
		*o++ = ':';
		for (size_t i = 0; i < n; i++) {
			if (rel[i] == '/') {
				*o++ = ':';
				*o++ = ':';
			} else {
				*o++ = rel[i] == '-' ? '_' : rel[i];
			}
		}
		*o = 0;
	}
	*crate = strdup(c);
	*module = m;
	return *crate ? 1 : -1;
}

static int add_file(files *fs, const char *abs, const char *rel, const char *pkgdir, const char *pkg)
{
	const char *in = rel + strlen(pkgdir);
	in += *in == '/';
	char *crate = NULL, *module = NULL;
	int k = module_of(pkg, in, &crate, &module);
	if (k <= 0) {
		free(crate);
		free(module);
		return k;
	}
	if (add_crate(fs, crate) || CG_GROW(fs->f, fs->cap, fs->n + 1, 32)) {
		free(crate);
		free(module);
		return -1;
	}
	calls_file *f = &fs->f[fs->n];
	*f = (calls_file){ .rel = strdup(rel), .abs = strdup(abs), .crate = crate, .module = module };
	if (!f->rel || !f->abs) {
		calls_file_free(f);
		return -1;
	}
	fs->n++;
	return 0;
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

/* A symlink is followed only to a file that stays inside the workspace. */
static int inside_root(const files *fs, const char *abs, struct stat *st)
{
	char real[PATH_MAX];
	size_t rl = strlen(fs->root);
	if (!realpath(abs, real) || strncmp(real, fs->root, rl) || (real[rl] != '/' && real[rl]))
		return 0;
	return stat(real, st) == 0 && S_ISREG(st->st_mode);
}

static int walk_dir(files *fs, const char *abs, const char *rel, const char *pkgdir, const char *pkg, int depth)
{
	if (depth > MAX_WALK_DEPTH)
		return 0;
	char *mine = package_name(abs);
	if (mine) {
		pkgdir = rel;
		pkg = mine;
	}
	DIR *d = opendir(abs);
	if (!d) {
		free(mine);
		return cg_err_sys(fs->err, CG_EIO, errno, "%s", abs);
	}
	int rc = 0;
	struct dirent *e;
	char a[PATH_MAX], r[PATH_MAX];
	while (!rc && (e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "target"))
			continue;
		if (snprintf(a, sizeof a, "%s/%s", abs, e->d_name) >= (int)sizeof a ||
		    snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", e->d_name) >= (int)sizeof r ||
		    lstat(a, &st))
			continue;
		if (S_ISLNK(st.st_mode) && !inside_root(fs, a, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			rc = walk_dir(fs, a, r, pkgdir, pkg, depth + 1);
		else if (S_ISREG(st.st_mode) && pkg && ends_with(e->d_name, ".rs"))
			rc = add_file(fs, a, r, pkgdir, pkg) ? cg_err_set(fs->err, CG_EINTERNAL, "out of memory") : 0;
	}
	closedir(d);
	free(mine);
	return rc;
}

static int by_rel(const void *a, const void *b)
{
	return strcmp(((const calls_file *)a)->rel, ((const calls_file *)b)->rel);
}

/* ---- workers ---- */

typedef struct pool {
	files *fs;
	cg_store *s;
	pthread_mutex_t mu;
	size_t next;
	int rc;
	cg_err err;
} pool;

static void *worker(void *arg)
{
	pool *p = arg;
	cg_err err = { 0 };
	void *parser = calls_parser_new();
	calls_resolver *r = calls_resolver_new(p->s, (const char *const *)p->fs->crates, p->fs->ncrates);
	int rc = parser && r ? 0 : cg_err_set(&err, CG_EINTERNAL, "cannot set up a parser (out of memory?)");
	for (;;) {
		pthread_mutex_lock(&p->mu);
		if (rc && !p->rc) {
			p->rc = rc;
			p->err = err;
		}
		size_t i = p->rc ? p->fs->n : p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->fs->n)
			break;
		calls_file *f = &p->fs->f[i];
		rc = calls_parse_file(parser, f, &err);
		if (!rc && (rc = calls_resolve_file(r, f, &err)))
			cg_err_prefix(&err, "%s", f->rel);
	}
	calls_resolver_free(r);
	calls_parser_free(parser);
	return NULL;
}

static int run_pool(files *fs, cg_store *s, int threads, cg_err *err)
{
	pool p = { .fs = fs, .s = s };
	pthread_t t[MAX_THREADS];
	int n = 0;
	if (pthread_mutex_init(&p.mu, NULL))
		return cg_err_set(err, CG_EINTERNAL, "cannot create a mutex");
	for (; n < threads; n++)
		if (pthread_create(&t[n], NULL, worker, &p))
			break;
	if (n == 0)
		worker(&p); /* no thread could start: do the work here */
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_destroy(&p.mu);
	if (p.rc)
		*err = p.err;
	return p.rc;
}

static int thread_count(int asked)
{
	long n = asked > 0 ? asked : sysconf(_SC_NPROCESSORS_ONLN);
	if (asked <= 0 && n < 2)
		n = 2;
	return n > MAX_THREADS ? MAX_THREADS : (int)n;
}

static void count(cg_calls_counts *c, const calls_file *f)
{
	c->files++;
	c->lines += f->lines;
	c->bytes += f->bytes;
	c->parse_errors += f->syntax_error != 0;
	for (size_t i = 0; i < f->nout; i++) {
		c->sites++;
		switch (f->out[i].status) {
		case CG_CALL_RESOLVED: c->resolved++; break;
		case CG_CALL_AMBIGUOUS: c->ambiguous++; break;
		case CG_CALL_UNRESOLVED: c->unresolved++; break;
		default: c->nocaller++; break;
		}
	}
}

int cg_calls_run(cg_store *s, const cg_calls_opts *o, cg_calls_fn fn, void *ctx,
		 cg_calls_counts *counts, cg_err *err)
{
	char root[PATH_MAX];
	struct stat st;
	memset(counts, 0, sizeof *counts);
	if (stat(o->workspace, &st) || !S_ISDIR(st.st_mode) || !realpath(o->workspace, root))
		return cg_err_sys(err, CG_ENOINPUT, errno ? errno : ENOTDIR, "workspace %s", o->workspace);
	files fs = { .root = root, .err = err };
	int rc = walk_dir(&fs, root, "", "", NULL, 0);
	if (!rc && fs.n)
		qsort(fs.f, fs.n, sizeof *fs.f, by_rel);
	if (!rc)
		rc = run_pool(&fs, s, thread_count(o->threads), err);
	for (size_t i = 0; !rc && i < fs.n; i++) {
		count(counts, &fs.f[i]);
		for (size_t j = 0; !rc && j < fs.f[i].nout; j++)
			rc = fn(ctx, &fs.f[i].out[j]);
	}
	for (size_t i = 0; i < fs.n; i++)
		calls_file_free(&fs.f[i]);
	for (size_t i = 0; i < fs.ncrates; i++)
		free(fs.crates[i]);
	free(fs.f);
	free(fs.crates);
	return rc;
}
