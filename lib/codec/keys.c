/* keys: encoding, decoding and printing of the four key families. */
#include "keys.h"

#include <stdio.h>
#include <string.h>
#include <xxhash.h>

static const char *const edge_names[CG_EDGE_NTYPES] = {
	NULL, "Contains", "Calls", "Uses", "Implements", "Depends",
};
static const char *const index_names[CG_IDX_NTYPES] = {
	NULL, "name", "path", "kind", "crate", "file",
};
static const char *const meta_names[CG_META_NTYPES] = {
	NULL, "store", "crate", NULL, "workspace", /* 3 held multi-shard intents; they are files now */
};

void cg_be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

uint64_t cg_be64_get(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

uint64_t cg_vid(const char *identity, size_t len)
{
	uint64_t h = XXH3_64bits(identity, len);
	return h ? h : 1; /* 0 means "no vertex" throughout the library */
}

void cg_vid_hex(uint64_t vid, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--, vid >>= 4)
		out[i] = hex[vid & 15];
	out[16] = '\0';
}

int cg_vid_parse(const char *s, uint64_t *vid)
{
	uint64_t v = 0;
	for (int i = 0; i < 16; i++) {
		/* without a branch per digit class: ids are random, so such branches mispredict
		 * (bulk NDJSON ingest parses two ids per edge) */
		unsigned c = (unsigned char)s[i];
		if ((unsigned)(c - '0') >= 10 && (unsigned)((c | 0x20) - 'a') >= 6)
			return -1;
		v = v << 4 | ((c & 0xf) + 9 * (c >> 6));
	}
	if (s[16] != '\0')
		return -1;
	*vid = v;
	return 0;
}

void cg_key_vertex(uint8_t out[CG_VERTEX_KEY_LEN], uint64_t vid)
{
	out[0] = CG_FAM_VERTEX;
	cg_be64_put(out + 1, vid);
}

void cg_key_edge(uint8_t out[CG_EDGE_KEY_LEN], uint64_t src, int type, uint64_t dst, int reverse)
{
	out[0] = CG_FAM_EDGE;
	cg_be64_put(out + 1, reverse ? dst : src);
	out[9] = (uint8_t)(type | (reverse ? CG_EDGE_REVERSE : 0));
	cg_be64_put(out + 10, reverse ? src : dst);
}

size_t cg_key_edge_prefix(uint8_t out[CG_EDGE_TYPE_PREFIX_LEN], uint64_t owner, int type, int reverse)
{
	out[0] = CG_FAM_EDGE;
	cg_be64_put(out + 1, owner);
	if (!type)
		return CG_EDGE_PREFIX_LEN;
	out[9] = (uint8_t)(type | (reverse ? CG_EDGE_REVERSE : 0));
	return CG_EDGE_TYPE_PREFIX_LEN;
}

int cg_key_edge_decode(const uint8_t *k, size_t len, cg_edge_key *out)
{
	if (len != CG_EDGE_KEY_LEN || k[0] != CG_FAM_EDGE)
		return -1;
	int type = k[9] & ~CG_EDGE_REVERSE;
	if (type <= 0 || type >= CG_EDGE_NTYPES)
		return -1;
	out->owner = cg_be64_get(k + 1);
	out->type = type;
	out->reverse = (k[9] & CG_EDGE_REVERSE) != 0;
	out->other = cg_be64_get(k + 10);
	return 0;
}

int cg_key_index_prefix(cg_buf *out, int itype, const char *value, size_t vlen, int exact)
{
	cg_buf_reset(out);
	uint8_t head[2] = { CG_FAM_INDEX, (uint8_t)itype };
	if (cg_buf_append(out, head, 2) < 0 || cg_buf_append(out, value, vlen) < 0)
		return -1;
	return exact ? cg_buf_putc(out, 0) : 0;
}

int cg_key_index(cg_buf *out, int itype, const char *value, size_t vlen, uint64_t vid)
{
	uint8_t v[8];
	cg_be64_put(v, vid);
	if (cg_key_index_prefix(out, itype, value, vlen, 1) < 0)
		return -1;
	return cg_buf_append(out, v, 8);
}

int cg_key_index_vid(const uint8_t *k, size_t len, uint64_t *vid)
{
	if (len < 2 + 1 + 8 || k[0] != CG_FAM_INDEX || k[len - 9] != 0)
		return -1;
	*vid = cg_be64_get(k + len - 8);
	return 0;
}

int cg_key_meta(cg_buf *out, int mtype, const char *key, size_t klen)
{
	cg_buf_reset(out);
	uint8_t head[2] = { CG_FAM_META, (uint8_t)mtype };
	if (cg_buf_append(out, head, 2) < 0)
		return -1;
	return cg_buf_append(out, key, klen);
}

size_t cg_key_successor(uint8_t *out, const uint8_t *prefix, size_t plen)
{
	memcpy(out, prefix, plen);
	while (plen && out[plen - 1] == 0xff)
		plen--;
	if (plen)
		out[plen - 1]++;
	return plen;
}

static const char *name_of(const char *const *names, int n, int i)
{
	return i > 0 && i < n ? names[i] : NULL;
}

static int parse_name(const char *const *names, int n, const char *s)
{
	for (int i = 1; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return 0;
}

const char *cg_edge_type_name(int type) { return name_of(edge_names, CG_EDGE_NTYPES, type); }
int cg_edge_type_parse(const char *name) { return parse_name(edge_names, CG_EDGE_NTYPES, name); }
const char *cg_index_type_name(int itype) { return name_of(index_names, CG_IDX_NTYPES, itype); }
int cg_index_type_parse(const char *name) { return parse_name(index_names, CG_IDX_NTYPES, name); }
const char *cg_meta_type_name(int mtype) { return name_of(meta_names, CG_META_NTYPES, mtype); }

/* Printable bytes as they are, others (and '\\') as \xNN, so the form stays one line. A ':' in
 * a value needs no escape: the fields around it have fixed forms. */
static int put_text(cg_buf *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int ok = p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\';
		if (ok ? cg_buf_putc(out, p[i]) : cg_buf_printf(out, "\\x%02x", p[i]))
			return -1;
	}
	return 0;
}

static int put_vid(cg_buf *out, const uint8_t *p)
{
	return cg_buf_printf(out, "%016llx", (unsigned long long)cg_be64_get(p));
}

static int format_edge(cg_buf *out, const uint8_t *k, size_t len)
{
	cg_edge_key e;
	if (cg_key_edge_decode(k, len, &e) < 0)
		return 1;
	return cg_buf_printf(out, "e:%016llx:%s%s:%016llx", (unsigned long long)e.owner,
			     e.reverse ? "~" : "", cg_edge_type_name(e.type),
			     (unsigned long long)e.other);
}

static int format_index(cg_buf *out, const uint8_t *k, size_t len)
{
	uint64_t vid;
	const char *name = len > 1 ? cg_index_type_name(k[1]) : NULL;
	if (!name || cg_key_index_vid(k, len, &vid) < 0)
		return 1;
	if (cg_buf_printf(out, "i:%s:", name) || put_text(out, k + 2, len - 11))
		return -1;
	return cg_buf_printf(out, ":%016llx", (unsigned long long)vid);
}

static int format_meta(cg_buf *out, const uint8_t *k, size_t len)
{
	const char *name = len > 1 ? cg_meta_type_name(k[1]) : NULL;
	if (!name)
		return 1;
	if (cg_buf_printf(out, "m:%s:", name))
		return -1;
	return put_text(out, k + 2, len - 2);
}

int cg_key_format(cg_buf *out, const uint8_t *k, size_t len)
{
	int r = 1;
	if (len == CG_VERTEX_KEY_LEN && k[0] == CG_FAM_VERTEX)
		r = cg_buf_printf(out, "v:") || put_vid(out, k + 1) ? -1 : 0;
	else if (len && k[0] == CG_FAM_EDGE)
		r = format_edge(out, k, len);
	else if (len && k[0] == CG_FAM_INDEX)
		r = format_index(out, k, len);
	else if (len && k[0] == CG_FAM_META)
		r = format_meta(out, k, len);
	if (r <= 0)
		return r;
	/* not a well-formed key of any family: show every byte */
	if (cg_buf_printf(out, "?:"))
		return -1;
	for (size_t i = 0; i < len; i++)
		if (cg_buf_printf(out, "%02x", k[i]))
			return -1;
	return 0;
}
