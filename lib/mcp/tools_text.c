/* tools_text: the compact text of each answer, for clients that show text only — one item a
 * line as "kind path file:line", then a note when the list was cut. */
#include "tools_int.h"

#include <string.h>

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static long long num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* "kind path file:line", the path falling back to the name and then the id. */
static int put_item(cg_buf *b, json_t *e)
{
	const char *path = str(e, "path") ? str(e, "path") : str(e, "name") ? str(e, "name") : str(e, "id");
	const char *file = str(e, "file");
	if (cg_buf_printf(b, "%s %s ", str(e, "kind"), path ? path : "?") < 0)
		return -1;
	return file && *file ? cg_buf_printf(b, "%s:%lld", file, num(e, "line")) : cg_buf_puts(b, "-");
}

static int put_entry(cg_buf *b, json_t *e)
{
	if (put_item(b, e) < 0)
		return -1;
	if (json_object_get(e, "direction") && cg_buf_printf(b, " (%s %s)", str(e, "direction"), str(e, "via")) < 0)
		return -1;
	if (!json_object_get(e, "direction") && json_object_get(e, "depth") &&
	    cg_buf_printf(b, " (depth %lld via %s%s%s)", num(e, "depth"), str(e, "via") ? str(e, "via") : "-",
			  str(e, "through") ? " through " : "", str(e, "through") ? str(e, "through") : "") < 0)
		return -1;
	return cg_buf_putc(b, '\n');
}

/* "N more" after a cut list; nothing when all were shown. */
static int put_more(cg_buf *b, json_t *s, const char *what)
{
	if (!num(s, "total"))
		return cg_buf_printf(b, "no %s\n", what);
	if (!num(s, "more"))
		return 0;
	return cg_buf_printf(b, "%s%lld more %s (%lld shown; raise \"limit\" to see more)\n",
			     json_is_true(json_object_get(s, "truncated")) ? "at least " : "", num(s, "more"), what,
			     num(s, "shown"));
}

int t_text_list(cg_buf *b, json_t *s)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(s, "items"), i, e)
		if (put_entry(b, e) < 0)
			return -1;
	return put_more(b, s, "items");
}

static int put_counts(cg_buf *b, const char *title, json_t *counts)
{
	const char *key;
	json_t *v;
	int first = 1;
	if (cg_buf_printf(b, "  %s:", title) < 0)
		return -1;
	json_object_foreach(counts, key, v) {
		if (cg_buf_printf(b, "%s %s %lld", first ? "" : ",", key, (long long)json_integer_value(v)) < 0)
			return -1;
		first = 0;
	}
	return cg_buf_puts(b, first ? " none\n" : "\n");
}

/* The first line of the docs, at most 200 bytes of it. */
static int put_docs(cg_buf *b, const char *docs)
{
	if (!docs || !*docs)
		return 0;
	size_t n = strcspn(docs, "\n");
	return cg_buf_printf(b, "  docs: %.*s%s\n", (int)(n > 200 ? 200 : n), docs, n > 200 || docs[n] ? " ..." : "");
}

int t_text_item(cg_buf *b, json_t *s)
{
	size_t i, j;
	json_t *e, *alias;
	json_array_foreach(json_object_get(s, "items"), i, e) {
		if (put_item(b, e) < 0 || (num(e, "end_line") && cg_buf_printf(b, "-%lld", num(e, "end_line")) < 0) ||
		    cg_buf_printf(b, "\n  %s, crate %s%s%s%s%s%s\n", str(e, "vis"), str(e, "crate") ? str(e, "crate") : "-",
				  str(e, "version") ? " " : "", str(e, "version") ? str(e, "version") : "",
				  json_is_true(json_object_get(e, "stub")) ? " (stub: crate not ingested)" : "",
				  str(e, "match") ? ", name matched as " : "", str(e, "match") ? str(e, "match") : "") < 0)
			return -1;
		json_array_foreach(json_object_get(e, "aliases"), j, alias)
			if (cg_buf_printf(b, "  alias %s\n", json_string_value(alias)) < 0)
				return -1;
		json_t *edges = json_object_get(e, "edges");
		if (put_docs(b, str(e, "docs")) < 0 || put_counts(b, "edges out", json_object_get(edges, "out")) < 0 ||
		    put_counts(b, "edges in", json_object_get(edges, "in")) < 0)
			return -1;
	}
	return put_more(b, s, "items");
}

int t_text_path(cg_buf *b, json_t *s)
{
	size_t i;
	json_t *e;
	if (!json_is_true(json_object_get(s, "found")))
		return cg_buf_puts(b, "no path\n");
	json_array_foreach(json_object_get(s, "steps"), i, e)
		if (cg_buf_printf(b, "%lld %s ", num(e, "step"), str(e, "via") ? str(e, "via") : "-") < 0 ||
		    put_item(b, e) < 0 || cg_buf_putc(b, '\n') < 0)
			return -1;
	return 0;
}

int t_text_impact(cg_buf *b, json_t *s)
{
	size_t i;
	json_t *c;
	json_t *item = json_object_get(s, "item");
	if (!json_is_object(item))
		return cg_buf_puts(b, "no such item\n");
	if (cg_buf_printf(b, "%lld%s items reach ", num(s, "total"),
			  json_is_true(json_object_get(s, "truncated")) ? "+" : "") < 0 ||
	    put_item(b, item) < 0 || cg_buf_puts(b, "\nby crate:") < 0)
		return -1;
	json_array_foreach(json_object_get(s, "by_crate"), i, c)
		if (cg_buf_printf(b, "%s %s %lld", i ? "," : "", str(c, "crate") ? str(c, "crate") : "(stubs)",
				  num(c, "count")) < 0)
			return -1;
	return cg_buf_putc(b, '\n') < 0 ? -1 : t_text_list(b, s);
}

int t_text_stats(cg_buf *b, json_t *s)
{
	size_t i;
	json_t *c;
	if (cg_buf_printf(b, "%lld vertices (%lld stubs), %lld edges\n", num(s, "vertices"), num(s, "stubs"),
			  num(s, "edges")) < 0 ||
	    put_counts(b, "kinds", json_object_get(s, "kinds")) < 0 ||
	    put_counts(b, "edge types", json_object_get(s, "edge_types")) < 0)
		return -1;
	json_array_foreach(json_object_get(s, "workspaces"), i, c)
		if (cg_buf_printf(b, "workspace %s: %lld units, %lld vertices, %lld edges\n", str(c, "name"),
				  num(c, "units"), num(c, "vertices"), num(c, "edges")) < 0)
			return -1;
	json_array_foreach(json_object_get(s, "crates"), i, c)
		if (cg_buf_printf(b, "crate %s: %lld vertices, %lld edges\n", str(c, "unit"), num(c, "vertices"),
				  num(c, "edges")) < 0)
			return -1;
	return put_more(b, s, "crates");
}
