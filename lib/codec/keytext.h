/* keytext: the readable key form back to bytes ("v:…", "e:…:Calls:…", "i:name:Circle",
 * "m:crate"), whole keys or prefixes, so tools can take key ranges on the command line. */
#ifndef CG_KEYTEXT_H
#define CG_KEYTEXT_H

#include "base/buf.h"
#include "base/err.h"

/* Parses s into out. Accepted: a family letter alone (v e i m); v:VID; e:VID[:[~]Type[:VID]];
 * i:TYPE[:VALUE[:VID]]; m:TYPE[:KEY]. VIDs are 16 hex digits; \xNN stands for one byte.
 * CG_EUSAGE with a reason when s is none of these. */
int cg_keytext_parse(const char *s, cg_buf *out, cg_err *err);

#endif
