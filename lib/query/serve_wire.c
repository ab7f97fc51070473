/* serve_wire: the socket's address and the frames the server and its clients exchange. */
#include "serve_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve.h"

int serve_addr(const char *dir, struct sockaddr_un *a, int *dirfd, cg_err *err)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	*dirfd = -1;
	int n = snprintf(a->sun_path, sizeof a->sun_path, "%s/%s", dir, CG_SERVE_SOCKET);
	if (n > 0 && (size_t)n < sizeof a->sun_path)
		return CG_OK;
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return cg_err_sys(err, errno == ENOENT ? CG_ENOINPUT : CG_EIO, errno, "%s", dir);
	snprintf(a->sun_path, sizeof a->sun_path, "/proc/self/fd/%d/%s", *dirfd, CG_SERVE_SOCKET);
	return CG_OK;
}

void serve_consume(cg_buf *b, size_t *off)
{
	if (*off < b->len - *off)
		return; /* once at least half is done: each byte is moved at most once on average */
	memmove(b->data, b->data + *off, b->len - *off);
	b->len -= *off;
	*off = 0;
}

int serve_frame(cg_buf *b, int type, const void *payload, size_t len)
{
	if (len > UINT32_MAX)
		return -1;
	uint8_t head[SERVE_HEAD] = { (uint8_t)type, (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
				     (uint8_t)len };
	return cg_buf_append(b, head, sizeof head) < 0 || cg_buf_append(b, payload, len) < 0 ? -1 : 0;
}

size_t serve_frame_at(const uint8_t *p, size_t n, int *type, const uint8_t **payload, size_t *len)
{
	if (n < SERVE_HEAD)
		return 0;
	*len = (size_t)p[1] << 24 | (size_t)p[2] << 16 | (size_t)p[3] << 8 | p[4];
	if (n - SERVE_HEAD < *len)
		return 0;
	*type = p[0];
	*payload = p + SERVE_HEAD;
	return SERVE_HEAD + *len;
}

int serve_end(cg_buf *b, int status, size_t answers, size_t bad, const char *msg)
{
	cg_buf text = { 0 };
	int rc = cg_buf_printf(&text, "%d %zu %zu\n%s", status, answers, bad, msg);
	if (!rc)
		rc = serve_frame(b, F_END, text.data, text.len);
	cg_buf_free(&text);
	return rc;
}

int serve_end_parse(const uint8_t *p, size_t len, int *status, size_t *answers, size_t *bad, cg_err *err)
{
	char head[80];
	const uint8_t *nl = memchr(p, '\n', len);
	size_t hlen = nl ? (size_t)(nl - p) : 0;
	if (!nl || hlen >= sizeof head)
		return -1;
	memcpy(head, p, hlen);
	head[hlen] = '\0';
	if (sscanf(head, "%d %zu %zu", status, answers, bad) != 3)
		return -1;
	size_t mlen = len - hlen - 1;
	if (mlen >= sizeof err->msg)
		mlen = sizeof err->msg - 1;
	err->code = *status;
	memcpy(err->msg, nl + 1, mlen);
	err->msg[mlen] = '\0';
	return 0;
}
