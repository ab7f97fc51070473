/* watch: keep a workspace's store current. inotify watches the rustdoc JSON directory, the
 * Cargo.lock and (with a rebuild command) the source tree; once changes have been quiet for
 * the debounce time, the workspace is ingested again through cg_load_run — a normal atomic
 * run, in which crates whose cache key did not change are skipped — and each change is
 * reported as one event. A run that fails on its input (a file cargo is still writing) is
 * retried after the next change or a timeout; nothing of it is written. SIGTERM and SIGINT
 * are taken through a signalfd and end the session between updates. */
#ifndef CG_WATCH_H
#define CG_WATCH_H

#include <jansson.h>

#include "load.h"

/* Receives each event object (not stolen); non-zero stops the session with CG_EIO. NULL: no events. */
typedef int (*cg_watch_event_fn)(void *ctx, json_t *event);

typedef struct cg_watch_opts {
	const cg_load_opts *load; /* workspace required; the rest as for one ingest */
	int debounce_ms;          /* quiet time before an update */
	int retry_ms;             /* first retry after a failed update (doubles up to a minute) */
	const char *rebuild_cmd;  /* run with /bin/sh -c in the workspace when a .rs file changes */
	cg_watch_event_fn event;
	void *event_ctx;
} cg_watch_opts;

/* Blocks SIGTERM and SIGINT in the calling thread and so in every thread started after it
 * (and undoes an inherited "ignore", which would discard them).
 * Call it before opening the store: RocksDB's background threads would otherwise take the
 * signal with its default action instead of leaving it to the watch loop. */
void cg_watch_block_signals(void);

/* Runs until SIGTERM or SIGINT (CG_OK) or a store or system failure. The caller holds the
 * store open for writing for the whole session. */
int cg_watch_run(cg_store *s, const cg_watch_opts *o, cg_err *err);

#endif
