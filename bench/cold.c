/* bench-cold: times a one-shot command from process start to exit, N times, and prints the
 * benchmark's result line (p50/p99 in microseconds). stdout of the command is discarded.
 *
 *   bench-cold -s SYSTEM -S SCALE -o OP [-n N] -- COMMAND [ARG]... */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double once(char **cmd)
{
	double t0 = bench_now();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 1);
		execvp(cmd[0], cmd);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	return (bench_now() - t0) * 1e6;
}

int main(int argc, char **argv)
{
	const char *sys = "?", *scale = "?", *op = "cold";
	int n = 20;
	for (int opt; (opt = getopt(argc, argv, "s:S:o:n:")) != -1;) {
		switch (opt) {
		case 's': sys = optarg; break;
		case 'S': scale = optarg; break;
		case 'o': op = optarg; break;
		case 'n': n = atoi(optarg); break;
		default: return 2;
		}
	}
	if (optind >= argc || n < 1) {
		fputs("usage: bench-cold -s SYSTEM -S SCALE -o OP [-n N] -- COMMAND [ARG]...\n", stderr);
		return 2;
	}
	double *t = malloc(sizeof *t * (size_t)n), sum = 0;
	if (!t)
		return 1;
	for (int i = 0; i < n; i++) {
		if ((t[i] = once(argv + optind)) < 0) {
			fprintf(stderr, "bench-cold: %s failed\n", argv[optind]);
			return 1;
		}
		sum += t[i];
	}
	qsort(t, (size_t)n, sizeof *t, cmp);
	printf("{\"system\":\"%s\",\"scale\":\"%s\",\"op\":\"%s\",\"method\":\"process\",\"n\":%d,"
	       "\"p50_us\":%.2f,\"p99_us\":%.2f,\"mean_us\":%.2f}\n",
	       sys, scale, op, n, t[(n - 1) / 2], t[(int)(0.99 * (n - 1) + 0.5)], sum / n);
	free(t);
	return 0;
}
