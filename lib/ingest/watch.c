/* watch: inotify + signalfd event loop, debounce, rebuild command, and re-ingest with retry. */
#include "watch.h"
#include "base/clock.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_RETRY_MS 60000
#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | \
		    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

enum { K_LOCK = 1, K_DOC = 2, K_SRC = 4 };   /* what a watched directory's events mean */
enum { P_LOCK = 1, P_DOC = 2, P_SRC = 4 };   /* what changed since the last update */

typedef struct wdir {
	int wd;
	int kind;
	char *path;
} wdir;

typedef struct watcher {
	const cg_watch_opts *o;
	cg_load_opts load;  /* o->load, with the digests kept between updates */
	cg_store *s;
	int ifd, sfd;
	wdir *dirs;
	size_t n;
	char root[PATH_MAX], doc_dir[PATH_MAX + 16], lock_dir[PATH_MAX], lock_name[NAME_MAX + 1];
	int doc_watched;
	unsigned pending;
	long long deadline, retry_at; /* monotonic ms, 0: none */
	int retry_delay;
	int stop_sig;
	cg_err *err;
} watcher;

static int oom(cg_err *err)
{
	return cg_err_set(err, CG_EINTERNAL, "out of memory");
}

/* Hands an event to the caller and drops it. */
static int emit(watcher *w, json_t *ev)
{
	if (!ev)
		return oom(w->err);
	int r = w->o->event ? w->o->event(w->o->event_ctx, ev) : 0;
	json_decref(ev);
	return r ? cg_err_set(w->err, CG_EIO, "cannot write the event") : CG_OK;
}

/* ---- watched directories ---- */

static wdir *find_wd(watcher *w, int wd)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->dirs[i].wd == wd)
			return &w->dirs[i];
	return NULL;
}

/* One watch per directory (inotify gives the same wd again): kinds accumulate. */
static int add_watch(watcher *w, const char *path, int kind)
{
	int wd = inotify_add_watch(w->ifd, path, WATCH_MASK);
	if (wd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 1 : cg_err_sys(w->err, CG_EIO, errno, "inotify: %s", path);
	wdir *d = find_wd(w, wd);
	if (d) {
		d->kind |= kind;
		return CG_OK;
	}
	wdir *p = realloc(w->dirs, (w->n + 1) * sizeof *p);
	if (!p)
		return oom(w->err);
	w->dirs = p;
	if (!(p[w->n].path = strdup(path)))
		return oom(w->err);
	p[w->n].wd = wd;
	p[w->n].kind = kind;
	w->n++;
	return CG_OK;
}

static void drop_wd(watcher *w, wdir *d)
{
	if (d->kind & K_DOC)
		w->doc_watched = 0;
	free(d->path);
	*d = w->dirs[--w->n];
}

static int skipped_dir(const char *name)
{
	return name[0] == '.' || !strcmp(name, "target");
}

/* The source tree under path, without target/ and hidden directories, not following links. */
static int add_tree(watcher *w, const char *path)
{
	int rc = add_watch(w, path, K_SRC);
	if (rc)
		return rc == 1 ? CG_OK : rc;
	DIR *dir = opendir(path);
	if (!dir)
		return CG_OK; /* gone again already: its parent's events say so */
	struct dirent *e;
	char sub[PATH_MAX];
	while (!rc && (e = readdir(dir))) {
		if (e->d_type != DT_DIR || skipped_dir(e->d_name) || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) < (int)sizeof sub)
			rc = add_tree(w, sub);
	}
	closedir(dir);
	return rc;
}

/* The JSON directory may not exist yet (cargo doc has not run) or may have been removed. */
static int watch_doc_dir(watcher *w)
{
	if (w->doc_watched)
		return CG_OK;
	int rc = add_watch(w, w->doc_dir, K_DOC);
	w->doc_watched = rc == CG_OK;
	return rc == 1 ? CG_OK : rc;
}

/* ---- inotify events ---- */

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

static int on_event(watcher *w, const struct inotify_event *e)
{
	wdir *d = find_wd(w, e->wd);
	if (!d)
		return CG_OK;
	if (e->mask & IN_IGNORED) {
		if (d->kind & K_DOC)
			w->pending |= P_DOC;
		drop_wd(w, d);
		return CG_OK;
	}
	unsigned bits = 0;
	if ((e->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) && (d->kind & K_DOC))
		bits |= P_DOC;
	const char *name = e->len ? e->name : "";
	if ((d->kind & K_LOCK) && !strcmp(name, w->lock_name))
		bits |= P_LOCK;
	if ((d->kind & K_DOC) && (has_suffix(name, ".json") || has_suffix(name, ".json.zst") ||
				    has_suffix(name, ".json.gz")))
		bits |= P_DOC;
	if ((d->kind & K_SRC) && has_suffix(name, ".rs") && !(e->mask & IN_ISDIR))
		bits |= P_SRC;
	int rc = CG_OK;
	if ((d->kind & K_SRC) && (e->mask & IN_ISDIR) && (e->mask & (IN_CREATE | IN_MOVED_TO)) &&
	    !skipped_dir(name)) {
		char sub[PATH_MAX];
		if (snprintf(sub, sizeof sub, "%s/%s", d->path, name) < (int)sizeof sub)
			rc = add_tree(w, sub);
		bits |= P_SRC; /* a moved-in directory may bring sources */
	}
	if (bits) { /* each relevant event restarts the quiet period */
		w->pending |= bits;
		w->deadline = (cg_clock_us() / 1000) + w->o->debounce_ms;
	}
	return rc;
}

static int read_events(watcher *w)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(w->ifd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return CG_OK;
		if (n <= 0)
			return cg_err_sys(w->err, CG_EIO, n < 0 ? errno : EIO, "inotify read");
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;
			int rc = on_event(w, e);
			if (rc)
				return rc;
			p += sizeof *e + e->len;
		}
	}
}

static void take_signal(watcher *w)
{
	struct signalfd_siginfo si;
	while (read(w->sfd, &si, sizeof si) == (ssize_t)sizeof si)
		w->stop_sig = (int)si.ssi_signo;
}

/* ---- rebuild command ---- */

static int wait_child(watcher *w, pid_t pid, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return CG_OK;
		if (r < 0 && errno != EINTR)
			return cg_err_sys(w->err, CG_EIO, errno, "waitpid");
		struct pollfd p = { w->sfd, POLLIN, 0 };
		if (poll(&p, 1, 50) > 0) {
			take_signal(w);
			if (w->stop_sig) { /* stop the build too: its process group */
				kill(-pid, SIGTERM);
				while (waitpid(pid, status, 0) < 0 && errno == EINTR)
					;
				return CG_OK;
			}
		}
	}
}

/* Runs the command in the workspace with its stdout on our stderr (stdout is the events). */
static int rebuild(watcher *w, int *ok)
{
	long long t0 = cg_clock_us() / 1000;
	pid_t pid = fork();
	if (pid < 0)
		return cg_err_sys(w->err, CG_EIO, errno, "fork");
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		setpgid(0, 0);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0 || chdir(w->root) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", w->o->rebuild_cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	int status = 0, rc = wait_child(w, pid, &status);
	if (rc)
		return rc;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -(WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	*ok = code == 0;
	return emit(w, json_pack("{s:s, s:s, s:i, s:I}", "event", "rebuild", "command", w->o->rebuild_cmd,
				 "exit", code, "ms", (json_int_t)((cg_clock_us() / 1000) - t0)));
}

/* ---- updates ---- */

static int retryable(int rc, const cg_load_report *rep)
{
	return rep->failed || rc == CG_EDATA || rc == CG_ENOINPUT;
}

/* {"event":"crate", then cg-ingest's fields}; takes res. */
static json_t *crate_event(json_t *res)
{
	json_t *ev = res ? json_pack("{s:s}", "event", "crate") : NULL;
	if (ev && json_object_update(ev, res) < 0) {
		json_decref(ev);
		ev = NULL;
	}
	json_decref(res);
	return ev;
}

static int report_events(watcher *w, const cg_load_report *rep)
{
	int rc = CG_OK;
	for (size_t i = 0; i < rep->n && !rc; i++) {
		const cg_load_item *it = &rep->items[i];
		if (it->failed || !strcmp(it->res.status, "unchanged"))
			continue;
		rc = emit(w, crate_event(cg_load_result_json(&it->res, it->source, it->ms)));
	}
	for (size_t i = 0; i < rep->ws.nremoved && !rc; i++) {
		rc = emit(w, crate_event(cg_load_result_json(&rep->ws.removed[i], NULL, 0)));
	}
	if (rc || !rep->has_ws || !strcmp(rep->ws.status, "unchanged"))
		return rc;
	json_t *rec = json_loads(rep->ws.record, 0, NULL);
	rc = emit(w, json_pack("{s:s, s:O?, s:s, s:O?, s:I, s:I}", "event", "workspace", "workspace",
			       json_object_get(rec, "name"), "status", rep->ws.status, "lock_digest",
			       json_object_get(rec, "lock_digest"),
			       "members", (json_int_t)json_array_size(json_object_get(rec, "members")),
			       "dependencies", (json_int_t)json_array_size(json_object_get(rec, "dependencies"))));
	json_decref(rec);
	return rc;
}

/* One normal ingest; an input failure (nothing written) schedules a retry. */
static int sync_store(watcher *w)
{
	cg_load_report rep;
	cg_err e = { 0 };
	int rc = watch_doc_dir(w);
	if (rc)
		return rc;
	rc = cg_load_run(w->s, &w->load, &rep, &e);
	if (!rc) {
		w->retry_delay = w->o->retry_ms;
		rc = report_events(w, &rep);
	} else if (retryable(rc, &rep)) {
		w->retry_at = (cg_clock_us() / 1000) + w->retry_delay;
		rc = emit(w, json_pack("{s:s, s:s, s:i}", "event", "retry", "error", e.msg, "in_ms", w->retry_delay));
		w->retry_delay = w->retry_delay * 2 > MAX_RETRY_MS ? MAX_RETRY_MS : w->retry_delay * 2;
	} else {
		*w->err = e;
	}
	cg_load_report_free(&rep);
	return rc;
}

static int update(watcher *w)
{
	unsigned p = w->pending;
	w->pending = 0;
	w->deadline = w->retry_at = 0;
	if ((p & P_SRC) && w->o->rebuild_cmd) {
		int ok = 0, rc = rebuild(w, &ok);
		if (rc || w->stop_sig)
			return rc;
		/* what the build wrote is picked up now, not again after the debounce */
		if ((rc = read_events(w)))
			return rc;
		w->pending &= P_SRC;
		if (!w->pending)
			w->deadline = 0;
		if (!ok)
			return CG_OK;
	} else if (!(p & (P_DOC | P_LOCK)) && p) {
		return CG_OK;
	}
	return sync_store(w);
}

/* ---- session ---- */

static int setup(watcher *w)
{
	const cg_load_opts *lo = w->o->load;
	char path[PATH_MAX];
	if (!realpath(lo->workspace, w->root))
		return cg_err_sys(w->err, CG_ENOINPUT, errno, "%s", lo->workspace);
	snprintf(path, sizeof path, "%s", lo->doc_dir ? lo->doc_dir : "");
	if (!lo->doc_dir)
		snprintf(w->doc_dir, sizeof w->doc_dir, "%s/target/doc", w->root);
	else if (!realpath(path, w->doc_dir))
		snprintf(w->doc_dir, sizeof w->doc_dir, "%s", path); /* may appear later */
	if (lo->lockfile) {
		const char *slash = strrchr(lo->lockfile, '/');
		snprintf(w->lock_name, sizeof w->lock_name, "%s", slash ? slash + 1 : lo->lockfile);
		snprintf(path, sizeof path, "%.*s", slash ? (int)(slash - lo->lockfile) : 1, slash ? lo->lockfile : ".");
		if (!realpath(*path ? path : "/", w->lock_dir))
			return cg_err_sys(w->err, CG_ENOINPUT, errno, "%s", path);
	} else {
		snprintf(w->lock_name, sizeof w->lock_name, "Cargo.lock");
		snprintf(w->lock_dir, sizeof w->lock_dir, "%s", w->root);
	}
	int rc = add_watch(w, w->lock_dir, K_LOCK);
	if (rc == 1)
		rc = cg_err_set(w->err, CG_ENOINPUT, "%s: no such directory", w->lock_dir);
	if (!rc && w->o->rebuild_cmd)
		rc = add_tree(w, w->root);
	return rc ? rc : watch_doc_dir(w);
}

static int ready_event(watcher *w)
{
	size_t src = 0;
	for (size_t i = 0; i < w->n; i++)
		src += (w->dirs[i].kind & K_SRC) != 0;
	return emit(w, json_pack("{s:s, s:s, s:s, s:s, s:I, s:i}", "event", "ready", "doc_dir", w->doc_dir,
				 "lockfile_dir", w->lock_dir, "lockfile", w->lock_name, "source_dirs", (json_int_t)src,
				 "debounce_ms", w->o->debounce_ms));
}

static int loop(watcher *w)
{
	int rc = CG_OK;
	while (!rc && !w->stop_sig) {
		long long now = (cg_clock_us() / 1000), next = 0;
		if (w->pending && w->deadline)
			next = w->deadline;
		if (w->retry_at && (!next || w->retry_at < next))
			next = w->retry_at;
		int timeout = next ? (int)(next > now ? next - now : 0) : -1;
		struct pollfd p[2] = { { w->ifd, POLLIN, 0 }, { w->sfd, POLLIN, 0 } };
		int r = poll(p, 2, timeout);
		if (r < 0 && errno != EINTR)
			return cg_err_sys(w->err, CG_EIO, errno, "poll");
		if (r > 0 && p[1].revents) {
			take_signal(w);
			break;
		}
		if (r > 0 && p[0].revents) {
			rc = read_events(w);
			continue;
		}
		now = cg_clock_us() / 1000;
		if ((w->pending && w->deadline && now >= w->deadline) || (w->retry_at && now >= w->retry_at))
			rc = update(w);
	}
	return rc;
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}

void cg_watch_block_signals(void)
{
	sigset_t stop;
	stop_signals(&stop);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	/* a shell starts background jobs with SIGINT ignored, which would discard it */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
}

int cg_watch_run(cg_store *s, const cg_watch_opts *o, cg_err *err)
{
	watcher w = { .o = o, .s = s, .ifd = -1, .sfd = -1, .retry_delay = o->retry_ms, .err = err };
	sigset_t stop, old;
	stop_signals(&stop);
	if (!o->load || !o->load->workspace)
		return cg_err_set(err, CG_EUSAGE, "watch mode needs a workspace");
	/* blocked in every thread (ingest workers inherit it): read through the signalfd only */
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	int rc = CG_OK;
	w.load = *o->load;
	if (!(w.load.digests = cg_digest_cache_new()))
		rc = oom(err);
	else if ((w.sfd = signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
		 (w.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		rc = cg_err_sys(err, CG_EIO, errno, "%s", w.sfd < 0 ? "signalfd" : "inotify_init1");
	if (!rc)
		rc = setup(&w);
	if (!rc)
		rc = sync_store(&w);
	if (!rc && !w.stop_sig)
		rc = ready_event(&w);
	if (!rc)
		rc = loop(&w);
	if (!rc && w.stop_sig)
		rc = emit(&w, json_pack("{s:s, s:s}", "event", "stop", "signal", w.stop_sig == SIGINT ? "SIGINT" : "SIGTERM"));
	if (w.sfd >= 0) {
		take_signal(&w); /* consumed here, not delivered when the mask is restored */
		close(w.sfd);
	}
	if (w.ifd >= 0)
		close(w.ifd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	for (size_t i = 0; i < w.n; i++)
		free(w.dirs[i].path);
	free(w.dirs);
	cg_digest_cache_free(w.load.digests);
	return rc;
}
