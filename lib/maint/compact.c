/* compact: run rocksdb_compact_range_opt shard by shard, under a watchdog for --max-seconds. */
#include "compact.h"
#include "base/clock.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

/* The watchdog cancels the manual compaction of the shard being compacted at the deadline. */
typedef struct watchdog {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct timespec deadline;
	rocksdb_t *current; /* the db being compacted, NULL between shards */
	int stop, fired;
} watchdog;

static void *watch(void *arg)
{
	watchdog *w = arg;
	pthread_mutex_lock(&w->mu);
	while (!w->stop && !w->fired) {
		if (pthread_cond_timedwait(&w->cv, &w->mu, &w->deadline) == ETIMEDOUT) {
			w->fired = 1;
			if (w->current)
				rocksdb_disable_manual_compaction(w->current);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Sets the db the watchdog may cancel; returns 0 when the deadline has already passed. */
static int set_current(watchdog *w, rocksdb_t *db)
{
	if (!w)
		return 1;
	pthread_mutex_lock(&w->mu);
	w->current = db;
	int go_on = !w->fired;
	pthread_mutex_unlock(&w->mu);
	return go_on;
}

static int fired(watchdog *w)
{
	if (!w)
		return 0;
	pthread_mutex_lock(&w->mu);
	int f = w->fired;
	pthread_mutex_unlock(&w->mu);
	return f;
}

/* Files present after but not before were written by the compaction; files gone were read. */
static void diff_files(cg_compact_shard *r)
{
	for (size_t i = 0; i < r->before.n; i++)
		if (!cg_sst_has(&r->after, r->before.files[i].name))
			r->read_bytes += r->before.files[i].size;
	for (size_t i = 0; i < r->after.n; i++)
		if (!cg_sst_has(&r->before, r->after.files[i].name))
			r->written_bytes += r->after.files[i].size;
}

static int compact_shard(cg_store *s, int sh, const cg_compact_opts *o, watchdog *w,
			 cg_compact_shard *r, cg_err *err)
{
	rocksdb_t *db = cg_store_db(s, sh);
	if (!set_current(w, db))
		return CG_OK; /* out of time before this shard: it is left alone and not reported */
	int rc = cg_sst_list(db, &r->before, err);
	if (rc)
		return rc;
	double t0 = cg_clock_us() / 1e6;
	rocksdb_compactoptions_t *co = rocksdb_compactoptions_create();
	/* kForce: rewrite the bottommost files too, so a lone L0 file is not merely moved down */
	rocksdb_compactoptions_set_bottommost_level_compaction(co, 2);
	rocksdb_compactoptions_set_exclusive_manual_compaction(co, 1);
	rocksdb_compact_range_opt(db, co, o->lo, o->lo_len, o->hi, o->hi_len);
	rocksdb_compactoptions_destroy(co);
	set_current(w, NULL);
	r->seconds = (cg_clock_us() / 1e6) - t0;
	r->done = !fired(w);
	if ((rc = cg_sst_list(db, &r->after, err)))
		return rc;
	diff_files(r);
	return CG_OK;
}

static int start_watchdog(watchdog *w, pthread_t *th, double seconds, cg_err *err)
{
	memset(w, 0, sizeof *w);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	clock_gettime(CLOCK_MONOTONIC, &w->deadline);
	double end = (double)w->deadline.tv_sec + (double)w->deadline.tv_nsec / 1e9 + seconds;
	w->deadline.tv_sec = (time_t)end;
	w->deadline.tv_nsec = (long)((end - (double)(time_t)end) * 1e9);
	int e = pthread_create(th, NULL, watch, w);
	return e ? cg_err_sys(err, CG_EINTERNAL, e, "cannot start the --max-seconds watchdog") : CG_OK;
}

static void stop_watchdog(watchdog *w, pthread_t th)
{
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(th, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
}

int cg_compact_run(cg_store *s, const cg_compact_opts *o, cg_compact_result *res, cg_err *err)
{
	watchdog wd, *w = NULL;
	pthread_t th;
	memset(res, 0, sizeof *res);
	res->nshards = cg_store_nshards(s);
	if (o->max_seconds > 0) {
		int rc = start_watchdog(&wd, &th, o->max_seconds, err);
		if (rc)
			return rc;
		w = &wd;
	}
	int rc = CG_OK;
	for (int sh = 0; sh < res->nshards && !rc && !fired(w); sh++)
		rc = compact_shard(s, sh, o, w, &res->shard[sh], err);
	res->timed_out = fired(w);
	if (w)
		stop_watchdog(w, th);
	return rc;
}

void cg_compact_result_free(cg_compact_result *res)
{
	for (int i = 0; i < res->nshards; i++) {
		cg_sst_free(&res->shard[i].before);
		cg_sst_free(&res->shard[i].after);
	}
}
