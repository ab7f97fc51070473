/* query_argv: turns `KIND ARGS...` from a command line into the same JSON query object a
 * stdin stream would carry, so both paths run one parser and one engine. */
#include "query_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/cli.h"

enum argk { A_STR, A_INT, A_TYPES, A_DIR };

static const struct {
	const char *opt, *key;
	int kind;
	const char *dir; /* A_DIR: the value it sets */
} opts[] = {
	{ "--name", "name", A_STR, NULL }, { "--prefix", "prefix", A_STR, NULL },
	{ "--kind", "kind", A_STR, NULL }, { "--crate", "crate", A_STR, NULL },
	{ "--file", "file", A_STR, NULL }, { "--id", "id", A_STR, NULL },
	{ "--workspace", "workspace", A_STR, NULL }, { "--match", "match", A_STR, NULL },
	{ "--limit", "limit", A_INT, NULL }, { "--depth", "depth", A_INT, NULL },
	{ "--max-visited", "max_visited", A_INT, NULL }, { "--type", "types", A_TYPES, NULL },
	{ "--out", "dir", A_DIR, "out" }, { "--in", "dir", A_DIR, "in" }, { "--both", "dir", A_DIR, "both" },
};

static int add_types(json_t *req, const char *list, cg_err *err)
{
	json_t *types = json_object_get(req, "types");
	if (!types) {
		types = json_array();
		if (!types || json_object_set_new(req, "types", types) < 0)
			return cg_err_set(err, CG_EINTERNAL, "out of memory");
	}
	char *copy = strdup(list), *save = NULL;
	if (!copy)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	int rc = CG_OK;
	for (char *t = strtok_r(copy, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
		if (!cg_edge_type_parse(t))
			rc = cg_err_set(err, CG_EUSAGE, "--type: unknown edge type '%s' (Contains, Calls, Uses, Implements, Depends)", t);
		else
			json_array_append_new(types, json_string(t));
	}
	free(copy);
	return rc;
}

static int set_opt(json_t *req, int i, const char *val, cg_err *err)
{
	long n;
	switch (opts[i].kind) {
	case A_STR:
		return json_object_set_new(req, opts[i].key, json_string(val)) < 0
			? cg_err_set(err, CG_EUSAGE, "%s: not valid UTF-8", opts[i].opt) : CG_OK;
	case A_INT:
		if (cg_cli_parse_int(val, 0, 1L << 40, &n) < 0)
			return cg_err_set(err, CG_EUSAGE, "%s: '%s' is not a non-negative number", opts[i].opt, val);
		return json_object_set_new(req, opts[i].key, json_integer(n)) < 0
			? cg_err_set(err, CG_EINTERNAL, "out of memory") : CG_OK;
	case A_TYPES:
		return add_types(req, val, err);
	}
	return json_object_set_new(req, "dir", json_string(opts[i].dir)) < 0
		? cg_err_set(err, CG_EINTERNAL, "out of memory") : CG_OK;
}

/* A second value would silently replace the first, so an option is given once (--type
 * adds to a list, and --out --out says the same thing twice); --out, --in and --both
 * exclude each other. */
static int refuse_again(json_t *req, int i, cg_err *err)
{
	json_t *prev = opts[i].kind == A_TYPES ? NULL : json_object_get(req, opts[i].key);
	if (!prev)
		return CG_OK;
	if (opts[i].kind != A_DIR)
		return cg_err_set(err, CG_EUSAGE, "%s given more than once", opts[i].opt);
	const char *dir = json_string_value(prev);
	return strcmp(dir, opts[i].dir) ? cg_err_set(err, CG_EUSAGE, "%s cannot be combined with --%s", opts[i].opt, dir)
					: CG_OK;
}

/* Options (--opt VALUE or --opt=VALUE) go into req; positional words into pos. */
static int parse_words(int argc, char **argv, json_t *req, json_t *pos, cg_err *err)
{
	for (int a = 0; a < argc; a++) {
		const char *w = argv[a];
		if (strncmp(w, "--", 2) != 0 || !w[2]) {
			if (json_array_append_new(pos, json_string(w)) < 0)
				return cg_err_set(err, CG_EUSAGE, "'%s': not valid UTF-8", w);
			continue;
		}
		size_t n = strcspn(w, "=");
		int i = -1;
		for (size_t k = 0; k < sizeof opts / sizeof *opts && i < 0; k++)
			if (strlen(opts[k].opt) == n && !strncmp(opts[k].opt, w, n))
				i = (int)k;
		if (i < 0)
			return cg_err_set(err, CG_EUSAGE, "unknown option '%.*s'", (int)n, w);
		const char *val = NULL;
		if (opts[i].kind == A_DIR && w[n])
			return cg_err_set(err, CG_EUSAGE, "%s takes no value", opts[i].opt);
		if (opts[i].kind != A_DIR) {
			if (w[n] == '=')
				val = w + n + 1;
			else if (a + 1 < argc)
				val = argv[++a];
			else
				return cg_err_set(err, CG_EUSAGE, "%s needs a value", opts[i].opt);
		}
		int rc = refuse_again(req, i, err);
		if (!rc)
			rc = set_opt(req, i, val, err);
		if (rc)
			return rc;
	}
	return CG_OK;
}

/* FILE:LINE[:COLUMN], numbers taken from the right (a file name may hold ':'). */
static int place_at(json_t *req, const char *place, cg_err *err)
{
	long num[2];
	int k = 0;
	const char *end = place + strlen(place);
	while (k < 2) {
		const char *colon = end;
		while (colon > place && colon[-1] != ':')
			colon--;
		char digits[24];
		if (colon == place || end - colon < 1 || end - colon >= (long)sizeof digits)
			break;
		snprintf(digits, sizeof digits, "%.*s", (int)(end - colon), colon);
		if (cg_cli_parse_int(digits, 0, 1L << 31, &num[k]) < 0)
			break;
		k++;
		end = colon - 1;
	}
	if (!k || end == place)
		return cg_err_set(err, CG_EUSAGE, "at: '%s' is not FILE:LINE[:COLUMN]", place);
	json_t *file = json_stringn(place, (size_t)(end - place));
	int bad = !file || json_object_set_new(req, "file", file) < 0 ||
		  json_object_set_new(req, "line", json_integer(num[k - 1])) < 0 ||
		  (k == 2 && json_object_set_new(req, "column", json_integer(num[0])) < 0);
	return bad ? cg_err_set(err, CG_EINTERNAL, "out of memory") : CG_OK;
}

static int place_positionals(json_t *req, const char *kind, json_t *pos, cg_err *err)
{
	size_t n = json_array_size(pos);
	if (!strcmp(kind, "stats") || !strcmp(kind, "dump")) {
		if (n)
			return cg_err_set(err, CG_EUSAGE, "%s takes no arguments, got '%s'", kind,
					  json_string_value(json_array_get(pos, 0)));
		return CG_OK;
	}
	if (!strcmp(kind, "workspaces")) {
		if (n > 1)
			return cg_err_set(err, CG_EUSAGE, "workspaces takes at most one CRATE[@VERSION] or item");
		if (!n)
			return CG_OK;
		const char *w = json_string_value(json_array_get(pos, 0));
		uint64_t vid;
		/* a path with "::", PATH#KIND or an id names an item; a bare word names a crate */
		int item = strstr(w, "::") || strchr(w, '#') || (strlen(w) == 16 && cg_vid_parse(w, &vid) == 0);
		return json_object_set(req, item ? "vertex" : "crate", json_array_get(pos, 0)) < 0
			? cg_err_set(err, CG_EINTERNAL, "out of memory") : CG_OK;
	}
	if (!strcmp(kind, "find")) {
		if (n > 1)
			return cg_err_set(err, CG_EUSAGE, "find takes at most one NAME");
		if (n && json_object_get(req, "name"))
			return cg_err_set(err, CG_EUSAGE, "find takes a NAME or --name, not both");
		return n ? json_object_set(req, "name", json_array_get(pos, 0)) : CG_OK;
	}
	if (!strcmp(kind, "at")) {
		if (n != 1)
			return cg_err_set(err, CG_EUSAGE, "at takes one place, FILE:LINE[:COLUMN]");
		return place_at(req, json_string_value(json_array_get(pos, 0)), err);
	}
	if (!strcmp(kind, "path")) {
		if (n != 2)
			return cg_err_set(err, CG_EUSAGE, "path takes two vertices, FROM and TO");
		json_object_set(req, "from", json_array_get(pos, 0));
		json_object_set(req, "to", json_array_get(pos, 1));
		return CG_OK;
	}
	if (!n)
		return cg_err_set(err, CG_EUSAGE, "%s needs a vertex (an id, a path or PATH#KIND)", kind);
	return json_object_set(req, "vertex", n == 1 ? json_array_get(pos, 0) : pos) < 0
		? cg_err_set(err, CG_EINTERNAL, "out of memory") : CG_OK;
}

static int is_kind(const char *w)
{
	for (int i = 0; cg_query_kinds[i]; i++)
		if (!strcmp(cg_query_kinds[i], w))
			return 1;
	return 0;
}

/* export's own option, --format, may stand anywhere among the inner query's words. */
static int parse_export(int argc, char **argv, json_t *req, cg_err *err)
{
	char **rest = calloc((size_t)argc + 1, sizeof *rest);
	int nrest = 0, rc = CG_OK;
	if (!rest)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	for (int a = 0; a < argc && !rc; a++) {
		int format = !strcmp(argv[a], "--format") || !strncmp(argv[a], "--format=", 9);
		if (format && json_object_get(req, "format"))
			rc = cg_err_set(err, CG_EUSAGE, "--format given more than once");
		else if (!strncmp(argv[a], "--format=", 9))
			json_object_set_new(req, "format", json_string(argv[a] + 9));
		else if (!strcmp(argv[a], "--format") && a + 1 < argc)
			json_object_set_new(req, "format", json_string(argv[++a]));
		else if (!strcmp(argv[a], "--format"))
			rc = cg_err_set(err, CG_EUSAGE, "--format needs a value (ndjson or dot)");
		else
			rest[nrest++] = argv[a];
	}
	json_t *inner = NULL;
	if (!rc && !nrest)
		rc = cg_err_set(err, CG_EUSAGE, "export needs a query, e.g. export traverse PATH --depth 2");
	if (!rc)
		rc = cg_query_from_argv(nrest, rest, &inner, err);
	if (!rc && json_object_set_new(req, "query", inner) < 0)
		rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
	free(rest);
	return rc;
}

int cg_query_from_argv(int argc, char **argv, json_t **out, cg_err *err)
{
	*out = NULL;
	if (argc < 1)
		return cg_err_set(err, CG_EUSAGE, "no query kind given");
	const char *kind = argv[0];
	if (!is_kind(kind))
		return cg_err_set(err, CG_EUSAGE, "unknown query kind '%s'", kind);
	if (!strcmp(kind, "explain")) {
		int rc = cg_query_from_argv(argc - 1, argv + 1, out, err);
		if (!rc && json_object_set_new(*out, "explain", json_true()) < 0)
			rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
		return rc;
	}
	json_t *req = json_pack("{s:s}", "op", kind), *pos = json_array();
	int rc = !req || !pos ? cg_err_set(err, CG_EINTERNAL, "out of memory") : CG_OK;
	if (!rc && !strcmp(kind, "export"))
		rc = parse_export(argc - 1, argv + 1, req, err);
	else if (!rc)
		rc = parse_words(argc - 1, argv + 1, req, pos, err);
	if (!rc && strcmp(kind, "export"))
		rc = place_positionals(req, kind, pos, err);
	json_decref(pos);
	if (rc) {
		json_decref(req);
		return rc;
	}
	*out = req;
	return CG_OK;
}
