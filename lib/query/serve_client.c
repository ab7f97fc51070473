/* serve_client: a cg-query process asking a server (serve.h). It connects, says hello
 * (and sends its one query), and only once the server has accepted reads its own stdin and
 * copies it to the server, while it hands the frames that come back to the caller. Until
 * then nothing is consumed, so a server that is not there, declines or does not answer in
 * HELLO_MS leaves the caller free to open the store itself. */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "serve_int.h"

#define HELLO_MS 2000    /* a busy server (another client's long query) is not waited for */
#define REQUIRE_MS 30000 /* unless the caller wants the server or nothing */
#define CHUNK 65536
#define STOPPED 1000     /* wait_events: the caller's flush failed; stop as a stream does */

typedef struct client {
	const cg_serve_ask *a;
	cg_serve_result *res;
	cg_err *err;
	int fd, accepted, ended, in_eof, in_error, shut;
	cg_buf to, from;         /* bytes for the server, frames from it */
	size_t to_off, from_off; /* sent, handled */
	char why[256];           /* why the server declined */
} client;

/* Non-blocking from the start: a connect() to a full backlog fails at once instead of
 * waiting, and the client opens the store itself. */
static int connect_server(const char *dir, int *fd, int *absent, cg_err *err)
{
	struct sockaddr_un addr;
	int dir_fd;
	if (serve_addr(dir, &addr, &dir_fd, err))
		return CG_SERVE_NONE;
	*fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int rc = *fd >= 0 && connect(*fd, (struct sockaddr *)&addr, sizeof addr) == 0 ? CG_OK : CG_SERVE_NONE;
	*absent = rc && (errno == ENOENT || errno == ECONNREFUSED);
	if (dir_fd >= 0)
		close(dir_fd);
	return rc;
}

/* The hello line, and the one query after it. */
static int say_hello(client *cl)
{
	const cg_serve_ask *a = cl->a;
	json_t *h = json_pack("{s:i,s:s,s:b,s:b}", "cg_serve", SERVE_PROTO, "version", CG_VERSION, "stream", !a->req,
			      "strict", a->strict);
	char *text = h ? json_dumps(h, JSON_COMPACT) : NULL;
	char *query = a->req ? json_dumps(a->req, JSON_COMPACT) : NULL;
	int rc = !text || (a->req && !query) || cg_buf_printf(&cl->to, "%s\n", text) < 0 ||
		 (query && cg_buf_printf(&cl->to, "%s\n", query) < 0);
	json_decref(h);
	free(text);
	free(query);
	return rc ? cg_err_set(cl->err, CG_EINTERNAL, "out of memory") : CG_OK;
}

/* ---- frames from the server ---- */

static int note(client *cl, const uint8_t *p, size_t len)
{
	char *text = malloc(len + 1);
	if (!text)
		return cg_err_set(cl->err, CG_EINTERNAL, "out of memory");
	memcpy(text, p, len);
	text[len] = '\0';
	if (cl->a->note)
		cl->a->note(cl->a->ctx, text);
	free(text);
	return CG_OK;
}

/* One frame. Before the server has accepted only its yes or no may come. */
static int frame(client *cl, int type, const uint8_t *p, size_t len)
{
	int status = CG_OK;
	if (!cl->accepted && type == F_ACCEPT) {
		cl->accepted = 1;
		cl->res->partial = len == 1 && p[0] == '1';
		return CG_OK;
	}
	if (!cl->accepted) {
		size_t n = type == F_DECLINE && len < sizeof cl->why ? len : 0;
		memcpy(cl->why, p, n);
		cl->why[n] = '\0';
		return CG_SERVE_NONE;
	}
	switch (type) {
	case F_LINE:
		return cl->a->emit(cl->a->ctx, (const char *)p, len) ? cg_err_set(cl->err, CG_EIO, "cannot write the answer")
								    : CG_OK;
	case F_NOTE:
		return note(cl, p, len);
	case F_END:
		cl->ended = 1;
		if (serve_end_parse(p, len, &status, &cl->res->answers, &cl->res->bad, cl->err) < 0)
			return cg_err_set(cl->err, CG_EIO, "the query server's answer is malformed");
		return status;
	}
	return cg_err_set(cl->err, CG_EIO, "the query server's answer is malformed");
}

static int take_frames(client *cl)
{
	int type, rc = CG_OK;
	const uint8_t *p;
	size_t len, used;
	while (!rc && !cl->ended &&
	       (used = serve_frame_at(cl->from.data + cl->from_off, cl->from.len - cl->from_off, &type, &p, &len))) {
		cl->from_off += used;
		rc = frame(cl, type, p, len);
	}
	if (cl->from_off)
		serve_consume(&cl->from, &cl->from_off);
	return rc;
}

/* ---- moving bytes ---- */

static int read_server(client *cl)
{
	if (cg_buf_reserve(&cl->from, CHUNK) < 0)
		return cg_err_set(cl->err, CG_EINTERNAL, "out of memory");
	ssize_t k = read(cl->fd, cl->from.data + cl->from.len, CHUNK);
	if (k < 0 && (errno == EAGAIN || errno == EINTR))
		return CG_OK;
	if (k <= 0 && !cl->accepted)
		return CG_SERVE_NONE;
	if (k <= 0)
		return cg_err_set(cl->err, CG_EIO, "the query server went away before it answered");
	cl->from.len += (size_t)k;
	return take_frames(cl);
}

static int send_server(client *cl)
{
	ssize_t k = send(cl->fd, cl->to.data + cl->to_off, cl->to.len - cl->to_off, MSG_NOSIGNAL);
	if (k < 0 && (errno == EAGAIN || errno == EINTR))
		return CG_OK;
	if (k < 0)
		return cl->accepted ? cg_err_sys(cl->err, CG_EIO, errno, "the query server went away") : CG_SERVE_NONE;
	cl->to_off += (size_t)k;
	if (cl->to_off)
		serve_consume(&cl->to, &cl->to_off);
	return CG_OK;
}

/* The caller's queries, as they are: the server counts their lines as cg-query would. */
static void read_input(client *cl)
{
	if (cg_buf_reserve(&cl->to, CHUNK) < 0) {
		cl->in_eof = cl->in_error = 1;
		return;
	}
	ssize_t k = read(cl->a->in_fd, cl->to.data + cl->to.len, CHUNK);
	if (k > 0)
		cl->to.len += (size_t)k;
	else if (k == 0 || errno != EINTR)
		cl->in_eof = 1, cl->in_error = k < 0;
}

/* ---- the conversation ---- */

static int wait_ms(const client *cl, int64_t deadline)
{
	if (cl->accepted)
		return -1;
	int64_t left = deadline - cg_clock_us();
	return left <= 0 ? 0 : (int)(left / 1000 + 1);
}

/* What to wait for: the server always, room to send when there is something to send, and
 * the caller's input once the server has accepted and what came before has gone. */
static int wait_events(client *cl, int64_t deadline, struct pollfd *p)
{
	int sending = cl->to.len > cl->to_off;
	int reading = cl->accepted && !cl->a->req && !cl->in_eof && !sending;
	p[0] = (struct pollfd){ .fd = cl->fd, .events = (short)(POLLIN | (sending ? POLLOUT : 0)) };
	p[1] = (struct pollfd){ .fd = reading ? cl->a->in_fd : -1, .events = POLLIN };
	int k = poll(p, 2, 0);
	if (k == 0 && cl->accepted && cl->a->flush && cl->a->flush(cl->a->ctx))
		return STOPPED;
	if (k == 0)
		k = poll(p, 2, wait_ms(cl, deadline));
	if (k < 0 && errno != EINTR)
		return cg_err_sys(cl->err, CG_EIO, errno, "poll");
	if (k < 0)
		p[0].revents = p[1].revents = 0; /* interrupted: look again */
	if (k == 0 && !cl->accepted)
		return CG_SERVE_NONE;
	return CG_OK;
}

static int converse(client *cl)
{
	int64_t deadline = cg_clock_us() + (cl->a->require ? REQUIRE_MS : HELLO_MS) * 1000;
	struct pollfd p[2];
	int rc = CG_OK;
	while (!rc && !cl->ended) {
		if (cl->in_eof && cl->to.len == cl->to_off && !cl->shut) {
			cl->shut = 1; /* the server answers what it has, then ends */
			shutdown(cl->fd, SHUT_WR);
		}
		if ((rc = wait_events(cl, deadline, p)))
			return rc == STOPPED ? CG_OK : rc;
		if (p[0].revents & POLLOUT)
			rc = send_server(cl);
		if (!rc && p[0].revents & (POLLIN | POLLHUP | POLLERR))
			rc = read_server(cl);
		if (!rc && p[1].revents)
			read_input(cl);
	}
	if (!rc && cl->in_error)
		rc = cg_err_set(cl->err, CG_EIO, "reading the query stream failed");
	return rc;
}

int cg_serve_query(const char *dir, const cg_serve_ask *a, cg_serve_result *res, cg_err *err)
{
	client cl = { .a = a, .res = res, .err = err, .fd = -1, .in_eof = a->req != NULL };
	*res = (cg_serve_result){ 0 };
	int rc = connect_server(dir, &cl.fd, &res->absent, err);
	if (!rc)
		rc = say_hello(&cl);
	if (!rc)
		rc = converse(&cl);
	if (cl.fd >= 0)
		close(cl.fd);
	cg_buf_free(&cl.to);
	cg_buf_free(&cl.from);
	if (rc == CG_SERVE_NONE && a->require)
		rc = cg_err_set(err, CG_ENOINPUT, "%s: no query server answers%s%s", dir, cl.why[0] ? ": " : "", cl.why);
	return rc;
}

int cg_serve_spawn(const char *exe, const char *dir, cg_err *err)
{
	pid_t pid = fork();
	if (pid < 0)
		return cg_err_sys(err, CG_EIO, errno, "fork");
	if (pid == 0) { /* a new session, and the server its child: nobody's child to wait for */
		int null = setsid() < 0 || fork() != 0 ? -1 : open("/dev/null", O_RDWR);
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
		    close_range(3, ~0U, 0) < 0)
			_exit(0);
		execl(exe, "cg-query", "-d", dir, "--serve", (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cg_err_sys(err, CG_EIO, errno, "waitpid");
	return CG_OK;
}
