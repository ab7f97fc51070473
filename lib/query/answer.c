/* answer: the query engine's output core — answer lines ({"id":..,BODY}), result lines,
 * the collected vertex set of an export's inner query, and explain plan steps. Every op
 * writes through these; nothing here calls back into the ops. */
#include "query_int.h"
#include "base/grow.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int q_oom(cg_err *err)
{
	return cg_err_set(err, CG_EINTERNAL, "out of memory");
}

static int put_head(cg_query_engine *q, cg_buf *b)
{
	cg_buf_reset(b);
	if (cg_buf_putc(b, '{') < 0)
		return -1;
	return q->reqid ? (cg_buf_puts(b, "\"id\":") < 0 ? -1 : cg_buf_puts(b, q->reqid)) : 0;
}

/* A comma unless the object was just opened. */
static int sep(cg_buf *b)
{
	return b->len && b->data[b->len - 1] != '{' ? cg_buf_putc(b, ',') : 0;
}

static int put_partial(cg_query_engine *q, cg_buf *b)
{
	if (!q->partial)
		return 0;
	if (sep(b) < 0 || cg_buf_puts(b, "\"partial\":true,\"missing_shards\":[") < 0 ||
	    cg_buf_append(b, q->partial_json.data, q->partial_json.len) < 0)
		return -1;
	return cg_buf_putc(b, ']');
}

static int send(cg_query_engine *q, cg_buf *b, cg_err *err)
{
	if (!q->o.emit(q->o.emit_ctx, (const char *)b->data, b->len))
		return CG_OK;
	return cg_err_set(err, CG_EIO, "cannot write the answer");
}

int q_emit_line(cg_query_engine *q, cg_buf *body, cg_err *err)
{
	cg_buf *b = &q->line;
	if (put_head(q, b) < 0 || (body->len && sep(b) < 0) ||
	    cg_buf_append(b, body->data, body->len) < 0 || put_partial(q, b) < 0 || cg_buf_putc(b, '}') < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	return send(q, b, err);
}

static int collect(q_run *run, uint64_t vid, cg_err *err)
{
	if (!vid || cg_vmap_get(run->set, vid))
		return CG_OK;
	if (CG_GROW(run->order, run->cap_order, run->norder + 1, 64))
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	run->order[run->norder++] = vid;
	return cg_vmap_put(run->set, vid, 1) < 0 ? cg_err_set(err, CG_EINTERNAL, "out of memory") : CG_OK;
}

int q_emit(q_run *run, const q_result *res, cg_err *err)
{
	if (run->qq->limit > 0 && run->count >= (size_t)run->qq->limit) {
		run->truncated = Q_TRUNC_LIMIT;
		return Q_STOP;
	}
	run->count++;
	if (run->mode == Q_COUNT)
		return CG_OK;
	if (run->mode == Q_COLLECT) {
		int rc = collect(run, res->vid, err);
		if (!rc && res->edge)
			rc = collect(run, res->edge->src, err);
		if (!rc && res->edge)
			rc = collect(run, res->edge->dst, err);
		return rc;
	}
	cg_query_engine *q = run->q;
	cg_buf *b = &q->line;
	char hex[17];
	int rc = put_head(q, b) < 0 ? -1 : 0;
	if (!rc && res->depth >= 0)
		rc = sep(b) < 0 || cg_buf_puts(b, "\"depth\":") < 0 || cg_buf_put_u64(b, (uint64_t)res->depth) < 0 ? -1 : 0;
	if (!rc && res->step >= 0)
		rc = sep(b) < 0 || cg_buf_puts(b, "\"step\":") < 0 || cg_buf_put_u64(b, (uint64_t)res->step) < 0 ? -1 : 0;
	if (!rc && res->edge) {
		if (sep(b) < 0 || cg_buf_puts(b, "\"edge\":") < 0)
			rc = -1;
		else if ((rc = cg_read_json_edge(b, q->r, res->edge, err)))
			return rc;
	}
	if (!rc && (sep(b) < 0 || cg_buf_puts(b, "\"vertex\":") < 0))
		rc = -1;
	if (!rc && res->v)
		rc = cg_read_json_vertex(b, res->vid, res->v);
	else if (!rc) { /* an edge to a vertex with no record: say so, invent nothing */
		cg_vid_hex(res->vid, hex);
		rc = cg_buf_printf(b, "{\"id\":\"%s\",\"missing\":true}", hex);
	}
	if (!rc && res->match)
		rc = cg_buf_puts(b, ",\"match\":\"") < 0 || cg_buf_puts(b, res->match) < 0 || cg_buf_putc(b, '"') < 0 ? -1 : 0;
	if (!rc && res->through)
		rc = cg_buf_puts(b, ",\"through\":") < 0 || cg_read_json_str(b, res->through) < 0 ? -1 : 0;
	if (rc || put_partial(q, b) < 0 || cg_buf_putc(b, '}') < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	return send(q, b, err);
}

int q_plan(q_run *run, const char *fmt, ...)
{
	if (!run->plan)
		return 0;
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	return json_array_append_new(run->plan, json_string(text));
}

