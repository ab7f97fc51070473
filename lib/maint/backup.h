/* backup: incremental backups of a store through RocksDB's BackupEngine, one engine per shard
 * (BACKUPDIR/shard-NNN/, table files shared between backups so each backup copies only new
 * SST files), tied together by BACKUPDIR/catalog.json: cg backup id -> each shard's backup id,
 * plus the store manifest facts needed to restore a normal store.
 *
 * A backup is taken from RocksDB checkpoints (hard links) made while holding the store's writer
 * lock for a moment, so every shard is captured at the same instant and a running writer is
 * held up only for the checkpoint, not for the copy. Readers are never blocked.
 *
 * A directory holds one store's backups (catalog store_id, and each entry's). One that already
 * mixes two is refused with CG_EDATA by create, purge, verify (after its checks) and restore
 * of "the latest". */
#ifndef CG_BACKUP_H
#define CG_BACKUP_H

#include <jansson.h>

#include "base/err.h"

/* Backs up the store in dir; with wait, waits for a writer instead of failing with CG_ELOCKED.
 * *out gets the new backup's catalog entry (id, time, size, files, new_files). */
int cg_backup_create(const char *dir, const char *bdir, int wait, json_t **out, cg_err *err);

/* Every backup in the catalog, oldest first, as objects {id, timestamp, time, size, files, ...}. */
int cg_backup_list(const char *bdir, json_t **out, cg_err *err);

/* Checks that every file of backup id (0: every backup) exists with its recorded size. *out is
 * an array of {id, store_id, ok, error?}; the return is CG_OK even when a backup fails the
 * check (CG_EDATA, with *out filled, when the directory mixes two stores). */
int cg_backup_verify(const char *bdir, unsigned id, json_t **out, cg_err *err);

/* Restores backup id (0: the latest) into newdir (absent or empty) as a normal store; *used
 * gets the id restored. */
int cg_backup_restore(const char *bdir, const char *newdir, unsigned id, unsigned *used, cg_err *err);

/* Deletes all but the newest keep backups; *out gets the ids removed. */
int cg_backup_purge(const char *bdir, unsigned keep, json_t **out, cg_err *err);

#endif
