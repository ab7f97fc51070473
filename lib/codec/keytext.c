/* keytext: parse the readable key form written by cg_key_format. */
#include "keytext.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"

static int put_vid(cg_buf *out, const char *s, size_t n)
{
	char hex[17];
	uint64_t vid;
	uint8_t b[8];
	if (n != 16)
		return -1;
	memcpy(hex, s, 16);
	hex[16] = '\0';
	if (cg_vid_parse(hex, &vid) < 0)
		return -1;
	cg_be64_put(b, vid);
	return cg_buf_append(out, b, 8);
}

/* Text with \xNN escapes. */
static int put_text(cg_buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned b;
		if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' && sscanf(s + i + 2, "%2x", &b) == 1) {
			if (cg_buf_putc(out, (uint8_t)b) < 0)
				return -1;
			i += 3;
		} else if (cg_buf_putc(out, (uint8_t)s[i]) < 0) {
			return -1;
		}
	}
	return 0;
}

/* The part of s up to the next ':' (or its end). */
static size_t field(const char *s)
{
	return strcspn(s, ":");
}

static int parse_edge(const char *s, cg_buf *out)
{
	size_t n = field(s);
	if (put_vid(out, s, n) < 0)
		return -1;
	if (!s[n])
		return 0;
	s += n + 1;
	int rev = *s == '~';
	s += rev;
	n = field(s);
	char name[32];
	snprintf(name, sizeof name, "%.*s", (int)(n < 31 ? n : 31), s);
	int type = cg_edge_type_parse(name);
	if (!type || cg_buf_putc(out, (uint8_t)(type | (rev ? CG_EDGE_REVERSE : 0))) < 0)
		return -1;
	return s[n] ? put_vid(out, s + n + 1, strlen(s + n + 1)) : 0;
}

static int parse_typed(const char *s, cg_buf *out, int fam)
{
	size_t n = field(s);
	char name[32];
	snprintf(name, sizeof name, "%.*s", (int)(n < 31 ? n : 31), s);
	int t = 0;
	if (fam == CG_FAM_INDEX)
		t = cg_index_type_parse(name);
	else
		for (int i = 1; i < CG_META_NTYPES && !t; i++)
			t = cg_meta_type_name(i) && strcmp(cg_meta_type_name(i), name) == 0 ? i : 0;
	if (!t || cg_buf_putc(out, (uint8_t)t) < 0)
		return -1;
	if (!s[n])
		return 0;
	s += n + 1;
	size_t len = strlen(s);
	/* an index key ends in ":VID"; values themselves may hold ':' (paths do) */
	if (fam == CG_FAM_INDEX && len > 17 && s[len - 17] == ':') {
		if (put_text(out, s, len - 17) < 0 || cg_buf_putc(out, 0) < 0)
			return -1;
		return put_vid(out, s + len - 16, 16);
	}
	return put_text(out, s, len);
}

int cg_keytext_parse(const char *s, cg_buf *out, cg_err *err)
{
	cg_buf_reset(out);
	int fam = s[0], rc = -1;
	if ((fam == 'v' || fam == 'e' || fam == 'i' || fam == 'm') && (s[1] == '\0' || s[1] == ':')) {
		rc = cg_buf_putc(out, (uint8_t)fam);
		if (!rc && s[1] == ':') {
			const char *rest = s + 2;
			rc = fam == 'v' ? put_vid(out, rest, strlen(rest))
			     : fam == 'e' ? parse_edge(rest, out)
			     : parse_typed(rest, out, fam);
		}
	}
	if (rc < 0)
		return cg_err_set(err, CG_EUSAGE,
				  "'%s' is not a readable key (v:VID, e:VID:Type:VID, i:TYPE:VALUE, m:TYPE:KEY or a prefix)", s);
	return CG_OK;
}
