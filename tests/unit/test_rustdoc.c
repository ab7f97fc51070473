/* test_rustdoc: the rustdoc JSON reader and the Cargo.lock reader over the example workspace
 * (examples/ws, from the repo root) and the devws fixture, unpacked from
 * tests/fixtures/devws.tar.zst at $CG_DEVWS (`make check-unit` does that).
 *
 * Expected real-vertex counts are derived independently of the reader, with jq, as "every
 * index item except `use` items, synthetic or blanket impls and those impls' items":
 *   jq '[.index[] | select(.inner.impl and (.inner.impl.is_synthetic or
 *        .inner.impl.blanket_impl != null)) | (.inner.impl.items[], .id)] as $skip
 *       | [.index[] | select(.inner.use|not) | select(.id as $i | $skip | index($i) | not)]
 *       | length' FILE
 * and, with keep_synthetic, every index item except `use` items:
 *   jq '[.index[] | select(.inner.use|not)] | length' FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/keys.h"
#include "input/rustdoc.h"
#include "codec/ident.h"

#define WS "examples/ws/"

static int failures;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);   \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
			failures++;                                             \
		}                                                               \
	} while (0)

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0;
	*len = 0;
	for (;;) {
		if (*len == cap) {
			char *n = realloc(buf, cap = cap ? cap * 2 : 1 << 16);
			if (!n)
				break;
			buf = n;
		}
		size_t got = fread(buf + *len, 1, cap - *len, f);
		if (!got)
			break;
		*len += got;
	}
	fclose(f);
	return buf;
}

static cg_graph *read_file(const char *path, const cg_lockfile *lock, int keep)
{
	size_t len;
	char *buf = slurp(path, &len);
	if (!buf) {
		CHECK(0, "cannot read %s", path);
		return NULL;
	}
	cg_rustdoc_opts o = { lock, "default", keep };
	cg_graph *g = NULL;
	cg_err err = { 0 };
	int rc = cg_rustdoc_read(path, buf, len, &o, &g, &err);
	CHECK(rc == 0, "%s: rc %d: %s", path, rc, err.msg);
	free(buf);
	return g;
}

static size_t count_real(const cg_graph *g, unsigned flag)
{
	size_t n = 0;
	for (size_t i = 0; i < cg_graph_nvertices(g); i++) {
		uint64_t vid;
		const cg_vertex *v = cg_graph_vertex_at(g, i, &vid);
		n += !(v->flags & CG_VFLAG_STUB) && (!flag || (v->flags & flag));
	}
	return n;
}

static int has_edge(const cg_graph *g, uint64_t src, int type, uint64_t dst)
{
	for (size_t i = 0; i < cg_graph_nedges(g); i++) {
		const cg_gedge *e = cg_graph_edge_at(g, i);
		if (e->src == src && e->type == type && e->dst == dst)
			return 1;
	}
	return 0;
}

static int has_alias(const cg_vertex *v, const char *path)
{
	const char *a = v ? v->str[CG_VF_ALIASES] : NULL;
	size_t n = strlen(path);
	while (a && *a) {
		size_t k = strcspn(a, "\n");
		if (k == n && memcmp(a, path, n) == 0)
			return 1;
		a += k + (a[k] == '\n');
	}
	return 0;
}

static uint64_t vid(const char *crate, const char *version, const char *path, int kind)
{
	return cg_item_vid(crate, version, path, kind);
}

/* Reads text as a document named t.json and expects CG_EDATA with want in the message. */
static void expect_error(const char *text, size_t len, const char *want)
{
	cg_graph *g = NULL;
	cg_err err = { 0 };
	int rc = cg_rustdoc_read("t.json", text, len, NULL, &g, &err);
	CHECK(rc == CG_EDATA && g == NULL, "want CG_EDATA for '%s', got %d", want, rc);
	CHECK(strstr(err.msg, want) != NULL, "message '%s' lacks '%s'", err.msg, want);
}

static void test_lockfile(void)
{
	static const char text[] =
		"# comment\nversion = 3\n\n[[package]]\nname = \"regex-syntax\"\nversion = \"0.6.29\"\n"
		"source = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
		"checksum = \"Could not get crate checksum\"\n\n[[package]]\nname = \"regex-syntax\"\n"
		"version = \"0.8.2\"\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\n"
		" \"regex-syntax 0.8.2\",\n \"serde 1.0.1 (registry+https://x)\",\n \"log\",\n]\n";
	cg_lockfile *l = NULL;
	cg_err err = { 0 };
	CHECK(cg_lockfile_parse("Cargo.lock", text, sizeof text - 1, &l, &err) == 0, "lock: %s", err.msg);
	if (!l)
		return;
	CHECK(cg_lockfile_count(l) == 3, "3 packages");
	const cg_lock_pkg *p = cg_lockfile_find(l, "regex_syntax", NULL);
	CHECK(p && strcmp(p->version, "0.6.29") == 0, "first of several versions, '_' == '-'");
	CHECK(p && strcmp(p->checksum, "Could not get crate checksum") == 0, "placeholder checksum kept");
	p = cg_lockfile_find(l, "regex-syntax", "0.8.2");
	CHECK(p && !p->source && !p->checksum, "version picks; no source");
	p = cg_lockfile_find(l, "app", NULL);
	CHECK(p && p->ndeps == 3, "app has 3 deps");
	if (p && p->ndeps == 3) {
		CHECK(strcmp(p->deps[0].name, "regex-syntax") == 0 && strcmp(p->deps[0].version, "0.8.2") == 0, "dep 0");
		CHECK(strcmp(p->deps[1].name, "serde") == 0 && strcmp(p->deps[1].version, "1.0.1") == 0, "dep 1");
		CHECK(strcmp(p->deps[2].name, "log") == 0 && !p->deps[2].version, "dep 2");
		const cg_lock_pkg *d = cg_lockfile_dep(l, &p->deps[0]);
		CHECK(d && strcmp(d->version, "0.8.2") == 0, "dep resolves");
	}
	CHECK(!cg_lockfile_find(l, "nope", NULL), "unknown package");
	cg_lockfile_free(l);

	static const char bad[] = "[[package]]\nname = \"x\"\nversion = \"1\nsource = \"y\"\n";
	CHECK(cg_lockfile_parse("Cargo.lock", bad, sizeof bad - 1, &l, &err) == CG_EDATA, "bad lock refused");
	CHECK(strstr(err.msg, "Cargo.lock: line 3: unterminated string") != NULL, "lock message: %s", err.msg);
	static const char noname[] = "[[package]]\nversion = \"1\"\n";
	CHECK(cg_lockfile_parse("Cargo.lock", noname, sizeof noname - 1, &l, &err) == CG_EDATA &&
		      strstr(err.msg, "line 1: package without name"), "package without name: %s", err.msg);
	CHECK(cg_lockfile_load("/nonexistent/Cargo.lock", &l, &err) == CG_ENOINPUT, "missing lockfile");
}

static void test_errors(void)
{
	size_t len;
	char *buf = slurp(WS "target/doc/shapes_core.json", &len);
	if (!buf) {
		CHECK(0, "cannot read shapes_core.json");
		return;
	}
	expect_error(buf, len / 2, "t.json: line ");
	expect_error(buf, len / 2, "invalid JSON");
	char *fv = strstr(buf, "\"format_version\":57");
	CHECK(fv != NULL, "format_version in fixture");
	if (fv) {
		fv[17] = '5'; fv[18] = '3'; /* 53: older than the known window */
		expect_error(buf, len, "t.json: format_version 53 is not supported (supported: 54 to 57)");
	}
	free(buf);
	static const char missing[] =
		"{\"format_version\":57,\"root\":0,\"crate_version\":\"1.0.0\",\"includes_private\":false,"
		"\"paths\":{},\"external_crates\":{},\"index\":{"
		"\"0\":{\"id\":0,\"crate_id\":0,\"name\":\"x\",\"span\":null,\"visibility\":\"public\",\"docs\":null,"
		"\"inner\":{\"module\":{\"is_crate\":true,\"items\":[42],\"is_stripped\":false}}},"
		"\"42\":{\"id\":42,\"crate_id\":0,\"name\":\"S\",\"span\":null,\"visibility\":\"public\",\"docs\":null,"
		"\"inner\":{\"struct\":{\"generics\":{\"params\":[],\"where_predicates\":[]},\"impls\":[]}}}}}";
	expect_error(missing, sizeof missing - 1, "t.json: index.42.inner.struct: missing field 'kind'");
	char *nofmt = strdup(missing);
	memcpy(strstr(nofmt, "format_version"), "format_versioX", 14);
	expect_error(nofmt, strlen(nofmt), "t.json: missing field 'format_version'");
	free(nofmt);
	static const char *const bad_ids[] = { "4294967296", "4x", "-1", "" }; /* past 32 bits, not digits */
	for (size_t i = 0; i < sizeof bad_ids / sizeof *bad_ids; i++) {
		char text[sizeof missing + 16], want[64];
		const char *at = strstr(missing, "\"42\":{");
		snprintf(text, sizeof text, "%.*s\"%s\"%s", (int)(at - missing), missing, bad_ids[i], at + 4);
		snprintf(want, sizeof want, "t.json: index.%s: key is not an item id", bad_ids[i]);
		expect_error(text, strlen(text), want);
	}
	expect_error("[1,2]", 5, "t.json: not a rustdoc JSON object");
}

static void test_shapes(const cg_lockfile *lock)
{
	cg_graph *core = read_file(WS "target/doc/shapes_core.json", lock, 0);
	cg_graph *render = read_file(WS "target/doc/shapes_render.json", lock, 0);
	cg_graph *all = read_file(WS "target/doc/shapes_core.json", lock, 1);
	if (!core || !render || !all)
		goto out;
	const char *C = "shapes_core", *V = "0.1.0";
	CHECK(strcmp(cg_graph_unit(core), "shapes_core@0.1.0") == 0, "unit %s", cg_graph_unit(core));
	CHECK(count_real(core, 0) == 122, "shapes_core real vertices %zu, jq says 122", count_real(core, 0));
	CHECK(count_real(render, 0) == 28, "shapes_render real vertices %zu, jq says 28", count_real(render, 0));
	CHECK(count_real(all, 0) == 233, "keep_synthetic: %zu, jq says 233", count_real(all, 0));
	/* jq '[.index[] | select(.inner.impl and (.inner.impl.is_synthetic or
	 *      .inner.impl.blanket_impl != null))] | length' */
	CHECK(count_real(all, CG_VFLAG_SYNTHETIC) == 97, "synthetic-flagged impls %zu, jq says 97",
	      count_real(all, CG_VFLAG_SYNTHETIC));

	uint64_t shape = vid(C, V, "shapes_core::Shape", CG_KIND_TRAIT);
	uint64_t circle = vid(C, V, "shapes_core::geometry::shapes::Circle", CG_KIND_STRUCT);
	uint64_t rect = vid(C, V, "shapes_core::geometry::shapes::Rectangle", CG_KIND_STRUCT);
	uint64_t shapes_mod = vid(C, V, "shapes_core::geometry::shapes", CG_KIND_MODULE);
	uint64_t point = vid(C, V, "shapes_core::geometry::util::Point", CG_KIND_STRUCT);
	uint64_t crate = vid(C, V, "shapes_core", CG_KIND_CRATE);
	uint64_t impl = vid(C, V, "shapes_core::geometry::shapes::<impl Shape for Circle>", CG_KIND_IMPL);
	uint64_t area = vid(C, V, "shapes_core::geometry::shapes::<impl Shape for Circle>::area", CG_KIND_METHOD);
	CHECK(has_edge(core, circle, CG_EDGE_IMPLEMENTS, shape), "Circle Implements Shape");
	CHECK(has_edge(core, rect, CG_EDGE_IMPLEMENTS, shape), "Rectangle Implements Shape");
	CHECK(has_edge(core, shapes_mod, CG_EDGE_CONTAINS, circle), "module shapes Contains Circle");
	CHECK(has_edge(core, crate, CG_EDGE_CONTAINS, vid(C, V, "shapes_core::geometry", CG_KIND_MODULE)),
	      "crate Contains geometry");
	CHECK(has_edge(core, circle, CG_EDGE_CONTAINS, impl) && has_edge(core, impl, CG_EDGE_CONTAINS, area),
	      "Circle Contains its impl, the impl its method");
	CHECK(has_edge(core, circle, CG_EDGE_CONTAINS, vid(C, V, "shapes_core::geometry::shapes::Circle::center", CG_KIND_FIELD)),
	      "Circle Contains field center");
	CHECK(has_edge(core, vid(C, V, "shapes_core::geometry::shapes::Circle::center", CG_KIND_FIELD), CG_EDGE_USES, point),
	      "field center Uses Point");
	CHECK(has_edge(core, crate, CG_EDGE_USES, point), "crate root's `pub use` Uses Point");
	const cg_vertex *pv = cg_graph_find(core, point);
	CHECK(pv && has_alias(pv, "shapes_core::Point"), "Point has alias shapes_core::Point");
	CHECK(has_alias(cg_graph_find(core, circle), "shapes_core::Circle"), "Circle has alias shapes_core::Circle");
	const cg_vertex *cv = cg_graph_find(core, circle);
	CHECK(cv && strcmp(cv->str[CG_VF_FILE], "shapes-core/src/geometry/shapes.rs") == 0 && cv->line == 8 &&
		      cv->vis == CG_VIS_PUBLIC && strcmp(cv->str[CG_VF_DOCS], "A circle given by its center and radius.") == 0,
	      "Circle's span, vis and docs");
	const cg_unit_info *info = cg_graph_info(core);
	CHECK(strcmp(info->name, "shapes_core") == 0 && strcmp(info->version, "0.1.0") == 0, "info name/version");
	CHECK(strncmp(info->checksum, "xxh3:", 5) == 0 && strlen(info->checksum) == 21, "content checksum %s", info->checksum);
	CHECK(strcmp(info->features, "default") == 0 && info->bytes > 0, "info features/bytes");

	/* the stub shapes_render makes for Circle is the vertex shapes_core makes */
	uint64_t rcrate = vid("shapes_render", V, "shapes_render", CG_KIND_CRATE);
	int uses_circle = 0;
	for (size_t i = 0; i < cg_graph_nedges(render); i++) {
		const cg_gedge *e = cg_graph_edge_at(render, i);
		uses_circle |= e->type == CG_EDGE_USES && e->dst == circle;
	}
	const cg_vertex *stub = cg_graph_find(render, circle);
	CHECK(uses_circle && stub && (stub->flags & CG_VFLAG_STUB), "shapes_render Uses the Circle stub with shapes_core's vid");
	CHECK(has_edge(render, rcrate, CG_EDGE_DEPENDS, crate), "shapes_render Depends on shapes_core's crate vertex");
	info = cg_graph_info(render);
	CHECK(info->depends[0] && strcmp(info->depends[0], "shapes_core@0.1.0") == 0 && !info->depends[1], "render depends");
	for (size_t i = 0; i < cg_graph_nvertices(core); i++) { /* ids never leak into paths */
		uint64_t id;
		const cg_vertex *v = cg_graph_vertex_at(core, i, &id);
		CHECK(id == vid(v->str[CG_VF_CRATE], v->str[CG_VF_VERSION], v->str[CG_VF_PATH], v->kind), "vid of %s",
		      v->str[CG_VF_PATH]);
	}
out:
	cg_graph_free(core);
	cg_graph_free(render);
	cg_graph_free(all);
}

static void test_devws(void)
{
	const char *devws = getenv("CG_DEVWS");
	if (!devws) {
		printf("test_rustdoc: CG_DEVWS unset, devws part skipped\n");
		return;
	}
	char path[1024];
	cg_lockfile *lock = NULL;
	cg_err err = { 0 };
	snprintf(path, sizeof path, "%s/Cargo.lock", devws);
	CHECK(cg_lockfile_load(path, &lock, &err) == 0, "devws %s: %s", path, err.msg);
	static const struct { const char *file; size_t real; } want[] = {
		{ "bitflags", 2 }, { "cfg_if", 2 }, { "devws_app", 29 }, { "devws_cli", 3 }, { "devws_core", 172 },
		{ "either", 117 }, { "itoa", 25 }, { "log", 188 }, { "memchr", 107 },
	};
	for (size_t i = 0; i < sizeof want / sizeof *want && lock; i++) {
		snprintf(path, sizeof path, "%s/json/%s.json", devws, want[i].file);
		cg_graph *g = read_file(path, lock, 0);
		if (!g)
			continue;
		CHECK(count_real(g, 0) == want[i].real, "%s: %zu real vertices, jq says %zu", want[i].file,
		      count_real(g, 0), want[i].real);
		const cg_unit_info *info = cg_graph_info(g);
		if (strcmp(want[i].file, "devws_core") == 0) {
			size_t n = 0;
			while (info->depends[n])
				n++;
			CHECK(n == 5, "devws_core depends on 5 crates, not std's copies: %zu", n);
			uint64_t core = vid("devws_core", "0.1.0", "devws_core", CG_KIND_CRATE);
			CHECK(has_edge(g, core, CG_EDGE_DEPENDS, vid("either", "1.6.1", "either", CG_KIND_CRATE)),
			      "devws_core Depends either@1.6.1");
			CHECK(has_edge(g, core, CG_EDGE_USES, vid("either", "1.6.1", "either::Either", CG_KIND_ENUM)),
			      "`pub use either::Either` Uses the either@1.6.1 stub");
		}
		if (strcmp(want[i].file, "log") == 0)
			CHECK(strncmp(info->checksum, "xxh3:", 5) == 0, "log: placeholder checksum replaced: %s", info->checksum);
		if (strcmp(want[i].file, "either") == 0)
			CHECK(strcmp(info->checksum, "e78d4f1cc4ae33bbfc157ed5d5a5ef3bc29227303d595861deb238fcec4e9457") == 0,
			      "either: Cargo.lock checksum");
		cg_graph_free(g);
	}
	cg_lockfile_free(lock);
}

int main(void)
{
	cg_lockfile *lock = NULL;
	cg_err err = { 0 };
	test_lockfile();
	test_errors();
	CHECK(cg_lockfile_load(WS "Cargo.lock", &lock, &err) == 0, "examples lock: %s (run from the repo root)", err.msg);
	if (lock)
		test_shapes(lock);
	cg_lockfile_free(lock);
	test_devws();
	if (failures)
		fprintf(stderr, "test_rustdoc: %d failure(s)\n", failures);
	return failures != 0;
}
