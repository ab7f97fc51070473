/* tools_def: the tool table — names, descriptions, input and output schemas — and the call
 * entry: argument checks, catching up with writers, the CallToolResult. The schemas are
 * written as JSON with ' for " so that they read as JSON here; quotes are put back at load. */
#include "tools_int.h"

#include <stdlib.h>
#include <string.h>

#define STR "{'type':'string'}"
#define STR_OR_NULL "{'type':['string','null']}"
#define INT_OR_NULL "{'type':['integer','null']}"
#define COUNTS "{'type':'object','additionalProperties':{'type':'integer'}}"
#define LIMIT "'limit':{'type':'integer','minimum':1,'maximum':1000,'default':20," \
	"'description':'Most items to list (the answer says how many more there are)'}"
#define WORKSPACE "'workspace':{'type':'string','description':'Only items of this workspace (cg-ingest --workspace name)'}"
#define NAME "'name':{'type':'string','minLength':1,'description':'An item: a path as written in Rust " \
	"(crate::module::Item, Type::method, a re-export), PATH#KIND, or a 16-hex id'}"
#define DEPTH "'depth':{'type':'integer','minimum':1,'maximum':1000,'description':'Edges to walk at most'}"
#define TYPES "'types':{'type':'array','items':{'enum':['Contains','Calls','Uses','Implements','Depends']}," \
	"'description':'Edge types (default all)'}"
#define DIRECTION(d) "'direction':{'enum':['out','in','both'],'default':'" d "'}"

/* An item in a list: how it was reached (depth, step, via, direction), the trait method a
 * call went through and the form of the name that matched it, when that applies. */
#define ENTRY "{'type':'object','required':['id','kind','path','file','line'],'properties':{" \
	"'id':" STR ",'kind':" STR ",'name':" STR_OR_NULL ",'path':" STR_OR_NULL ",'crate':" STR_OR_NULL \
	",'file':" STR_OR_NULL ",'line':" INT_OR_NULL ",'depth':{'type':'integer'},'step':{'type':'integer'}," \
	"'via':" STR ",'through':" STR ",'match':" STR ",'direction':{'enum':['out','in']}}}"
#define COUNTED "'shown':{'type':'integer'},'total':{'type':'integer'},'more':{'type':'integer'}," \
	"'partial':{'type':'boolean'},'missing_shards':{'type':'array','items':{'type':'integer'}}"
#define LISTING "{'type':'object','required':['items','shown','total','more','truncated'],'properties':{" \
	"'items':{'type':'array','items':" ENTRY "}," COUNTED ",'truncated':{'type':'boolean'}}}"
#define INPUT(props, required) "{'type':'object','additionalProperties':false,'properties':{" props "}," \
	"'required':[" required "]}"

#define ITEM "{'type':'object','required':['id','kind','path','aliases','vis','file','line','docs','edges']," \
	"'properties':{'id':" STR ",'kind':" STR ",'name':" STR_OR_NULL ",'path':" STR_OR_NULL \
	",'aliases':{'type':'array','items':" STR "},'crate':" STR_OR_NULL ",'version':" STR_OR_NULL \
	",'vis':" STR ",'file':" STR_OR_NULL ",'line':" INT_OR_NULL ",'end_line':{'type':'integer'}," \
	"'column':{'type':'integer'},'docs':" STR_OR_NULL ",'stub':{'type':'boolean'},'match':" STR "," \
	"'edges':{'type':'object','required':['out','in'],'properties':{'out':" COUNTS ",'in':" COUNTS "}}}}"

/* The reverse walks share their arguments and answer shape. */
#define WALK(name, title, description, run) \
	{ name, title, description, INPUT(NAME "," DEPTH "," WORKSPACE "," LIMIT, "'name'"), LISTING, run, t_text_list }

static const struct {
	const char *name, *title, *description, *input, *output;
	t_run_fn run;
	t_text_fn text;
} defs[] = {
	{ "cg_find", "Find items",
	  "Items by name, kind (struct, trait, function, method, ...), crate, source file or "
	  "workspace, in any combination. A name matches exactly, or (match) case-insensitively "
	  "as a prefix, a substring or fuzzily, best matches first; each item says how it matched.",
	  INPUT("'name':{'type':'string','minLength':1},"
		"'match':{'enum':['exact','prefix','substring','fuzzy'],'default':'exact'},"
		"'kind':" STR ",'crate':{'type':'string','description':'crate or crate@version'},"
		"'file':{'type':'string','description':'source file as recorded in the span'}," WORKSPACE "," LIMIT, ""),
	  LISTING, t_run_find, t_text_list },
	{ "cg_item", "Describe an item",
	  "One item by any name form cg-query resolves: kind, path, public aliases, location span, "
	  "docs, visibility, and its edge counts by type and direction. A name several items share "
	  "answers each of them.",
	  INPUT(NAME "," LIMIT, "'name'"),
	  "{'type':'object','required':['items','shown','total','more'],'properties':{'items':{'type':'array',"
	  "'items':" ITEM "}," COUNTED ",'truncated':{'type':'boolean'}}}",
	  t_run_item, t_text_item },
	{ "cg_neighbors", "Edges of an item",
	  "The edges of an item by direction (out: what it contains, calls, uses, implements, depends "
	  "on; in: the reverse) and type, with the item at the other end.",
	  INPUT(NAME "," DIRECTION("out") "," TYPES "," WORKSPACE "," LIMIT, "'name'"), LISTING, t_run_neighbors,
	  t_text_list },
	WALK("cg_callers", "Who calls this",
	     "Everything that calls the item, directly or through other callers, with its depth; for "
	     "an impl method also the calls made through the trait method (marked through).", t_run_callers),
	WALK("cg_implementors", "Who implements this",
	     "Every impl of a trait: the implementing type when it is a path type, else the impl "
	     "itself (primitives, references, tuples, blanket impls), with its depth.", t_run_implementors),
	WALK("cg_dependents", "Which crates depend on this",
	     "The crates that depend on a crate (named by crate name), directly or transitively.", t_run_dependents),
	WALK("cg_users", "Who uses this type",
	     "Everything that uses a type in a signature, field or bound, directly or transitively.", t_run_users),
	{ "cg_path", "How two items connect",
	  "A shortest path of edges from one item to another, one step per item.",
	  INPUT("'from':{'type':'string','minLength':1},'to':{'type':'string','minLength':1}," DIRECTION("out")
		"," TYPES "," WORKSPACE, "'from','to'"),
	  "{'type':'object','required':['found','length','steps'],'properties':{'found':{'type':'boolean'},"
	  "'length':{'type':'integer'},'steps':{'type':'array','items':" ENTRY "}}}",
	  t_run_path, t_text_path },
	{ "cg_at", "The item at a place in a file",
	  "The innermost item whose span holds FILE:LINE (and COLUMN when given): go to "
	  "definition. The file may be given as the store records it, as ./path, an absolute path "
	  "or a basename.",
	  INPUT("'file':{'type':'string','minLength':1},'line':{'type':'integer','minimum':1,'maximum':2147483647},"
		"'column':{'type':'integer','minimum':0,'maximum':2147483647}," WORKSPACE "," LIMIT, "'file','line'"),
	  LISTING, t_run_at, t_text_list },
	{ "cg_impact", "What a change can reach",
	  "The items a change to this one can affect: everything that reaches it by Calls, Uses and "
	  "Implements edges, up to a depth (default 3), counted by crate and by depth.",
	  INPUT(NAME "," DEPTH "," WORKSPACE "," LIMIT, "'name'"),
	  "{'type':'object','required':['item','by_crate','by_depth','items','shown','total','more','truncated'],"
	  "'properties':{'item':{'anyOf':[" ENTRY ",{'type':'null'}]},'by_crate':{'type':'array','items':{"
	  "'type':'object','required':['crate','count'],'properties':{'crate':" STR_OR_NULL ",'count':{'type':'integer'}}}},"
	  "'by_depth':{'type':'array','items':{'type':'object','required':['depth','count'],'properties':{"
	  "'depth':{'type':'integer'},'count':{'type':'integer'}}}},'items':{'type':'array','items':" ENTRY "},"
	  COUNTED ",'truncated':{'type':'boolean'}}}",
	  t_run_impact, t_text_impact },
	{ "cg_stats", "What the store holds",
	  "Counts of items by kind and edges by type, the crates (unit, vertices, edges) and the "
	  "workspaces of the store, or of one workspace.",
	  INPUT(WORKSPACE "," LIMIT, ""),
	  "{'type':'object','required':['vertices','edges','crates','shown','total','more'],'properties':{"
	  "'workspace':" STR_OR_NULL ",'vertices':{'type':'integer'},'stubs':{'type':'integer'},"
	  "'edges':{'type':'integer'},'kinds':" COUNTS ",'edge_types':" COUNTS ",'crates':{'type':'array',"
	  "'items':{'type':'object','properties':{'unit':" STR ",'name':" STR_OR_NULL ",'version':" STR_OR_NULL
	  ",'vertices':{'type':'integer'},'edges':{'type':'integer'}}}},'workspaces':{'type':'array'}," COUNTED "}}",
	  t_run_stats, t_text_stats },
};

#define NTOOLS (sizeof defs / sizeof *defs)

/* Parses a schema written with ' for ". */
static json_t *schema(const char *text)
{
	char *s = strdup(text);
	if (!s)
		return NULL;
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	json_t *o = json_loads(s, 0, NULL);
	free(s);
	return o;
}

static json_t *tool_list(void)
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < NTOOLS; i++) {
		json_t *in = schema(defs[i].input), *out = schema(defs[i].output);
		json_t *tool = in && out ? json_pack("{s:s,s:s,s:s,s:o,s:o,s:{s:b,s:b,s:b}}", "name", defs[i].name, "title",
						     defs[i].title, "description", defs[i].description, "inputSchema",
						     in, "outputSchema", out, "annotations", "readOnlyHint", 1,
						     "idempotentHint", 1, "openWorldHint", 0)
				     : (json_decref(in), json_decref(out), NULL);
		if (json_array_append_new(list, tool) < 0)
			json_decref(list), list = NULL;
	}
	return list;
}

int cg_mcp_tools_open(cg_store *s, size_t cache_vertices, cg_mcp_tools **out, cg_err *err)
{
	cg_mcp_tools *t = calloc(1, sizeof *t);
	if (!t || !(t->a.lines = json_array()) || !(t->list = tool_list())) {
		cg_mcp_tools_close(t);
		return cg_err_set(err, CG_EINTERNAL, "out of memory (or a tool schema does not parse)");
	}
	cg_query_opts o = { .cache_vertices = cache_vertices, .emit = t_take_line, .emit_ctx = &t->a, .closing = 1 };
	int rc = cg_query_open(s, &o, &t->q, err);
	if (rc) {
		cg_mcp_tools_close(t);
		return rc;
	}
	*out = t;
	return CG_OK;
}

void cg_mcp_tools_close(cg_mcp_tools *t)
{
	if (!t)
		return;
	cg_query_close(t->q);
	json_decref(t->a.lines);
	json_decref(t->a.closing);
	json_decref(t->list);
	free(t);
}

json_t *cg_mcp_tools_list(cg_mcp_tools *t)
{
	return t->list;
}

static json_t *text_result(const char *text, int is_error)
{
	return json_pack("{s:[{s:s,s:s}],s:b}", "content", "type", "text", "text", text, "isError", is_error);
}

/* A store with a shard that did not open answers from the others: say so, as cg-query does. */
static int mark_partial(const t_answer *a, json_t *structured, cg_buf *text)
{
	json_t *shards = json_object_get(a->closing, "missing_shards");
	if (!json_is_true(json_object_get(a->closing, "partial")))
		return 0;
	if (json_object_set_new(structured, "partial", json_true()) < 0 ||
	    json_object_set(structured, "missing_shards", shards) < 0)
		return -1;
	return cg_buf_printf(text, "partial answer: %zu shard(s) of the store could not be read\n",
			     json_array_size(shards));
}

/* The result of a call that ran: structuredContent and its text. */
static int answer(cg_mcp_tools *t, size_t i, json_t *structured, json_t **result, cg_err *err)
{
	cg_buf text = { 0 };
	int rc = defs[i].text(&text, structured) < 0 || mark_partial(&t->a, structured, &text) < 0 ||
			 cg_buf_putc(&text, 0) < 0 ? -1 : 0;
	*result = rc ? NULL : text_result((const char *)text.data, 0);
	if (*result && json_object_set_new(*result, "structuredContent", structured) < 0)
		json_decref(*result), *result = NULL;
	else if (!*result)
		json_decref(structured);
	cg_buf_free(&text);
	return *result ? CG_OK : cg_err_set(err, CG_EINTERNAL, "out of memory");
}

int cg_mcp_tools_call(cg_mcp_tools *t, const char *name, json_t *args, json_t **result, cg_err *err)
{
	size_t i = 0;
	while (i < NTOOLS && strcmp(defs[i].name, name))
		i++;
	if (i == NTOOLS)
		return cg_err_set(err, CG_EUSAGE, "Unknown tool: %s", name);
	char why[512];
	json_t *empty = args ? NULL : json_object(), *structured = NULL;
	if (!args)
		args = empty;
	int rc = t_check_args(json_object_get(json_array_get(t->list, i), "inputSchema"), args, why, sizeof why);
	if (rc) {
		json_decref(empty);
		*result = text_result(why, 1);
		return *result ? CG_OK : cg_err_set(err, CG_EINTERNAL, "out of memory");
	}
	/* each call answers from one state of the store, the newest one at its start */
	rc = t->called ? cg_query_refresh(t->q, err) : CG_OK;
	t->called = 1;
	if (!rc)
		rc = defs[i].run(t, args, &structured, err);
	json_decref(empty);
	if (rc == CG_EINTERNAL)
		return rc;
	if (!rc)
		return answer(t, i, structured, result, err);
	*result = text_result(err->msg, 1);
	return *result ? CG_OK : cg_err_set(err, CG_EINTERNAL, "out of memory");
}
