/* serve: the resident reader's server (serve.h). One thread and one query engine: poll()
 * over the listening socket, a signalfd and the clients; each turn answers at most one
 * query line per client, so clients take turns and a client that sends nothing holds
 * nobody up. Answers wait in a client's buffer; one that grows past BIG_OUT waits for its
 * reader, and a reader that takes nothing for SLOW_MS is dropped. */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "query_int.h"
#include "serve_int.h"

#define MAX_CONNS 64
#define READ_CHUNK 65536
#define BATCH_OUT 65536      /* answers held back while more of the client's lines wait */
#define BIG_OUT (8u << 20)   /* an answer this far ahead of its reader waits for it */
#define SLOW_MS 10000

enum conn_state { C_HELLO, C_QUERY, C_STREAM, C_CLOSING };

typedef struct conn {
	int fd, state, eof, dead, strict;
	cg_buf in, out;
	size_t in_off, out_off;  /* consumed and sent */
	cg_query_stream_state st;
} conn;

typedef struct server {
	cg_store *s;
	cg_query_engine *q;
	int lock_fd, listen_fd, sig_fd, dir_fd, bound, masked;
	sigset_t old_mask;
	struct sockaddr_un addr;
	conn *c[MAX_CONNS];
	int n, stop;
	long idle_s;
	int64_t idle_since;
} server;

/* ---- one client's buffers ---- */

static size_t pending(const conn *c)
{
	return c->out.len - c->out_off;
}

/* Sends what the client has not yet taken; waits up to wait_ms for it to take some. */
static void flush_conn(conn *c, int wait_ms)
{
	while (!c->dead && pending(c)) {
		ssize_t k = send(c->fd, c->out.data + c->out_off, pending(c), MSG_NOSIGNAL | MSG_DONTWAIT);
		struct pollfd p = { .fd = c->fd, .events = POLLOUT };
		if (k > 0)
			c->out_off += (size_t)k;
		else if (k < 0 && errno == EINTR)
			continue;
		else if (k < 0 && errno == EAGAIN && !wait_ms)
			break; /* the rest once it has room */
		else if (!(k < 0 && errno == EAGAIN && poll(&p, 1, wait_ms) == 1))
			c->dead = 1; /* gone, or took nothing for wait_ms */
	}
	if (c->out_off)
		serve_consume(&c->out, &c->out_off);
}

static void read_conn(conn *c)
{
	if (c->in_off)
		serve_consume(&c->in, &c->in_off);
	if (cg_buf_reserve(&c->in, READ_CHUNK) < 0) {
		c->dead = 1;
		return;
	}
	ssize_t k = read(c->fd, c->in.data + c->in.len, READ_CHUNK);
	if (k > 0)
		c->in.len += (size_t)k;
	else if (k == 0)
		c->eof = 1;
	else if (errno != EAGAIN && errno != EINTR)
		c->dead = 1;
}

/* The next line, its newline included; at the end of input, what is left without one. */
static int next_line(conn *c, char **line, size_t *len)
{
	size_t left = c->in.len - c->in_off;
	char *p = (char *)c->in.data + c->in_off;
	char *nl = left ? memchr(p, '\n', left) : NULL;
	if (!nl && !(c->eof && left))
		return 0;
	*line = p;
	*len = nl ? (size_t)(nl - p) + 1 : left;
	return 1;
}

/* A line to answer, or the end of the client's input to answer with the end frame. */
static int has_work(conn *c)
{
	char *line;
	size_t len;
	return !c->dead && c->state != C_CLOSING && (c->eof || next_line(c, &line, &len));
}

/* ---- answering ---- */

static int conn_emit(void *ctx, const char *line, size_t len)
{
	conn *c = ctx;
	if (!c->dead && serve_frame(&c->out, F_LINE, line, len) < 0)
		c->dead = 1;
	if (pending(c) > BIG_OUT)
		flush_conn(c, SLOW_MS);
	return c->dead ? -1 : 0;
}

static void conn_note(void *ctx, const char *text)
{
	conn *c = ctx;
	if (!c->dead && serve_frame(&c->out, F_NOTE, text, strlen(text)) < 0)
		c->dead = 1;
}

static void conn_bad_line(void *ctx, size_t lineno, const char *msg)
{
	cg_buf text = { 0 };
	if (cg_buf_printf(&text, "line %zu: %s", lineno, msg) < 0 || cg_buf_putc(&text, '\0') < 0)
		((conn *)ctx)->dead = 1;
	else
		conn_note(ctx, (const char *)text.data);
	cg_buf_free(&text);
}

static void end(conn *c, int rc, const cg_err *err)
{
	if (!c->dead && serve_end(&c->out, rc, c->st.c.answers, c->st.c.bad, rc ? err->msg : "") < 0)
		c->dead = 1;
	c->state = C_CLOSING;
}

static void decline(conn *c, const char *why)
{
	if (!c->dead && serve_frame(&c->out, F_DECLINE, why, strlen(why)) < 0)
		c->dead = 1;
	c->state = C_CLOSING;
}

/* The hello line: {"cg_serve":PROTO,"version":V,"stream":B,"strict":B}. A client of another
 * cg version, or one that asks for a strict answer of a partial store, is declined; so is
 * every client when the catch-up with writers fails (it will open the store itself and
 * meet the failure there). */
static void hello(server *sv, conn *c, const char *line, size_t len)
{
	cg_err err = { 0 };
	const char *version = NULL;
	int proto = 0, stream = 0;
	json_t *h = json_loadb(line, len, 0, NULL);
	if (!h || json_unpack(h, "{s:i,s:s,s:b,s:b}", "cg_serve", &proto, "version", &version, "stream", &stream,
			      "strict", &c->strict) || proto != SERVE_PROTO || strcmp(version, CG_VERSION))
		decline(c, "a client of another cg version");
	else if (c->strict && cg_query_partial(sv->q))
		decline(c, "the server reads only some shards");
	else if (cg_query_refresh_now(sv->q, &err))
		decline(c, err.msg);
	else if (serve_frame(&c->out, F_ACCEPT, cg_query_partial(sv->q) ? "1" : "0", 1) < 0)
		c->dead = 1;
	else
		c->state = stream ? C_STREAM : C_QUERY;
	json_decref(h);
}

/* The engine writes to this client, as `cg-query -` (closing lines) or as a one-shot
 * cg-query (plain DOT text, truncation notes on stderr) writes. */
static void use_conn(server *sv, conn *c)
{
	cg_query_opts *o = &sv->q->o;
	o->emit = conn_emit;
	o->emit_ctx = c;
	o->closing = c->state == C_STREAM;
	o->raw_text = !o->closing;
	o->notice = o->closing ? NULL : conn_note;
}

static void one_query(server *sv, conn *c, const char *line, size_t len)
{
	cg_err err = { 0 };
	size_t count = 0;
	json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	int rc = req ? cg_query_run(sv->q, req, &count, &err) : cg_err_set(&err, CG_EUSAGE, "invalid query");
	json_decref(req);
	c->st.c.answers = count;
	end(c, rc, &err);
}

static void stream_line(server *sv, conn *c, char *line, size_t len)
{
	cg_err err = { 0 };
	cg_query_stream_opts so = { .strict = c->strict, .bad_line = conn_bad_line, .ctx = c };
	int rc = cg_query_stream_line(sv->q, line, len, &so, &c->st, &err);
	if (rc || c->st.stop)
		end(c, rc, &err);
}

/* Answers the client's next line, if it has one and is taking its answers. */
static void turn(server *sv, conn *c)
{
	char *line;
	size_t len;
	if (c->dead || c->state == C_CLOSING || pending(c) > BATCH_OUT)
		return;
	if (!next_line(c, &line, &len)) {
		if (c->eof && c->state == C_STREAM)
			end(c, CG_OK, NULL);
		else if (c->eof)
			c->dead = 1; /* gone before it asked */
		return;
	}
	if (cg_buf_reserve(&c->in, 1) < 0) { /* room to end a last line without a newline */
		c->dead = 1;
		return;
	}
	line = (char *)c->in.data + c->in_off; /* the reserve may have moved it */
	c->in_off += len;
	sv->idle_since = cg_clock_us();
	use_conn(sv, c);
	if (c->state == C_HELLO)
		hello(sv, c, line, len);
	else if (c->state == C_QUERY)
		one_query(sv, c, line, len);
	else
		stream_line(sv, c, line, len);
}

/* ---- clients come and go ---- */

static void drop(server *sv, int i)
{
	conn *c = sv->c[i];
	close(c->fd);
	cg_buf_free(&c->in);
	cg_buf_free(&c->out);
	free(c);
	sv->c[i] = sv->c[--sv->n];
	sv->idle_since = cg_clock_us();
}

static void accept_conn(server *sv)
{
	int fd = accept4(sv->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return; /* gone already, or out of descriptors: the client opens the store itself */
	conn *c = sv->n < MAX_CONNS ? calloc(1, sizeof *c) : NULL;
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	sv->c[sv->n++] = c;
	sv->idle_since = cg_clock_us();
}

/* Each client's turn, then the flush: at once when it has no further line waiting (it may
 * be waiting for this answer), else when enough has gathered. */
static int take_turns(server *sv)
{
	int busy = 0;
	for (int i = sv->n - 1; i >= 0; i--) {
		conn *c = sv->c[i];
		turn(sv, c);
		int more = has_work(c);
		if (!more || pending(c) > BATCH_OUT)
			flush_conn(c, 0);
		if (c->dead || (c->state == C_CLOSING && !pending(c)))
			drop(sv, i);
		else
			busy |= more && pending(c) <= BATCH_OUT;
	}
	return busy;
}

/* ---- the loop ---- */

static int wait_ms(const server *sv, int busy)
{
	if (busy)
		return 0;
	if (sv->n || !sv->idle_s)
		return -1;
	int64_t left = sv->idle_since + (int64_t)sv->idle_s * 1000000 - cg_clock_us();
	return left <= 0 ? 0 : (int)(left / 1000 + 1);
}

static int idle_over(const server *sv)
{
	return !sv->n && sv->idle_s && cg_clock_us() - sv->idle_since >= (int64_t)sv->idle_s * 1000000;
}

static void poll_events(server *sv, struct pollfd *p, int n)
{
	if (p[1].revents) {
		struct signalfd_siginfo si;
		if (read(sv->sig_fd, &si, sizeof si) == (ssize_t)sizeof si)
			sv->stop = 1;
	}
	for (int i = 0; i < n; i++) {
		conn *c = sv->c[i];
		if (p[2 + i].revents & POLLOUT)
			flush_conn(c, 0);
		if (p[2 + i].revents & (POLLIN | POLLHUP | POLLERR) && !c->eof)
			read_conn(c);
	}
	if (p[0].revents & POLLIN)
		accept_conn(sv);
}

static int serve_loop(server *sv, cg_err *err)
{
	struct pollfd p[MAX_CONNS + 2];
	int busy = 0;
	sv->idle_since = cg_clock_us();
	while (!sv->stop && !idle_over(sv)) {
		int n = sv->n;
		p[0] = (struct pollfd){ .fd = sv->listen_fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = sv->sig_fd, .events = POLLIN };
		for (int i = 0; i < n; i++) {
			conn *c = sv->c[i];
			short ev = (short)((pending(c) ? POLLOUT : 0) |
					   (!c->eof && !has_work(c) ? POLLIN : 0));
			p[2 + i] = (struct pollfd){ .fd = c->fd, .events = ev };
		}
		if (poll(p, (nfds_t)(n + 2), wait_ms(sv, busy)) < 0) {
			if (errno == EINTR)
				continue;
			return cg_err_sys(err, CG_EIO, errno, "poll");
		}
		poll_events(sv, p, n);
		busy = take_turns(sv);
	}
	return CG_OK;
}

/* ---- start and stop ---- */

static int take_lock(server *sv, const char *dir, cg_err *err)
{
	cg_buf path = { 0 };
	if (cg_buf_printf(&path, "%s/%s", dir, CG_SERVE_LOCK) < 0 || cg_buf_putc(&path, '\0') < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	sv->lock_fd = open((const char *)path.data, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int rc = sv->lock_fd < 0 ? cg_err_sys(err, CG_EIO, errno, "%s", (const char *)path.data) : CG_OK;
	if (!rc && flock(sv->lock_fd, LOCK_EX | LOCK_NB) < 0)
		rc = errno == EWOULDBLOCK ? cg_err_set(err, CG_ELOCKED, "%s: another cg-query --serve serves this store", dir)
					  : cg_err_sys(err, CG_EIO, errno, "%s", (const char *)path.data);
	if (!rc && (ftruncate(sv->lock_fd, 0) < 0 || dprintf(sv->lock_fd, "%ld\n", (long)getpid()) < 0))
		rc = cg_err_sys(err, CG_EIO, errno, "%s", (const char *)path.data); /* whom to signal */
	cg_buf_free(&path);
	return rc;
}

/* A socket file left by a server that was killed answers no connect(): it goes. One that
 * answers belongs to a server that holds no lock (it should not exist): it stays. */
static int clear_stale(server *sv, const char *dir, cg_err *err)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cg_err_sys(err, CG_EIO, errno, "socket");
	int live = connect(fd, (struct sockaddr *)&sv->addr, sizeof sv->addr) == 0;
	close(fd);
	if (live)
		return cg_err_set(err, CG_ELOCKED, "%s: a query server already answers on %s", dir, CG_SERVE_SOCKET);
	if (unlink(sv->addr.sun_path) < 0 && errno != ENOENT)
		return cg_err_sys(err, CG_EIO, errno, "%s/%s", dir, CG_SERVE_SOCKET);
	return CG_OK;
}

static int listen_on(server *sv, const char *dir, cg_err *err)
{
	int rc = serve_addr(dir, &sv->addr, &sv->dir_fd, err);
	if (!rc)
		rc = clear_stale(sv, dir, err);
	if (rc)
		return rc;
	sv->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sv->listen_fd < 0)
		return cg_err_sys(err, CG_EIO, errno, "socket");
	mode_t old = umask(0177); /* the socket is 0600 from the start */
	int bound = bind(sv->listen_fd, (struct sockaddr *)&sv->addr, sizeof sv->addr);
	umask(old);
	if (bound < 0)
		return cg_err_sys(err, CG_EIO, errno, "%s/%s", dir, CG_SERVE_SOCKET);
	sv->bound = 1;
	if (listen(sv->listen_fd, 64) < 0)
		return cg_err_sys(err, CG_EIO, errno, "listen on %s/%s", dir, CG_SERVE_SOCKET);
	return CG_OK;
}

static int catch_signals(server *sv, cg_err *err)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, &sv->old_mask) < 0)
		return cg_err_sys(err, CG_EINTERNAL, errno, "sigprocmask");
	sv->masked = 1;
	sv->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return sv->sig_fd < 0 ? cg_err_sys(err, CG_EINTERNAL, errno, "signalfd") : CG_OK;
}

/* The signals are blocked first: RocksDB's threads, started by the open, inherit the mask,
 * so that only the signalfd receives them. */
static int start(server *sv, const char *dir, const cg_serve_opts *o, cg_err *err)
{
	cg_open_opts oo = { .mode = CG_OPEN_READ, .cache_mb = o->cache_mb };
	cg_query_opts qo = { .warm = o->warm, .cache_vertices = o->cache_vertices, .emit = conn_emit, .closing = 1 };
	int rc = catch_signals(sv, err);
	if (!rc)
		rc = cg_store_open(dir, &oo, &sv->s, err);
	if (!rc)
		rc = take_lock(sv, dir, err);
	if (!rc)
		rc = cg_query_open(sv->s, &qo, &sv->q, err);
	return rc ? rc : listen_on(sv, dir, err);
}

static void stop(server *sv)
{
	while (sv->n)
		drop(sv, sv->n - 1);
	if (sv->bound)
		unlink(sv->addr.sun_path); /* before the lock goes, so no newer server's socket */
	if (sv->listen_fd >= 0)
		close(sv->listen_fd);
	if (sv->dir_fd >= 0)
		close(sv->dir_fd);
	cg_query_close(sv->q);
	cg_store_close(sv->s);
	if (sv->lock_fd >= 0)
		close(sv->lock_fd);
	if (sv->sig_fd >= 0)
		close(sv->sig_fd);
	if (sv->masked)
		sigprocmask(SIG_SETMASK, &sv->old_mask, NULL);
}

int cg_serve(const char *dir, const cg_serve_opts *o, cg_err *err)
{
	server sv = { .lock_fd = -1, .listen_fd = -1, .sig_fd = -1, .dir_fd = -1, .idle_s = o->idle_s };
	int rc = start(&sv, dir, o, err);
	if (!rc)
		rc = serve_loop(&sv, err);
	stop(&sv);
	return rc;
}
