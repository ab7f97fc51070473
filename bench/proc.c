/* bench-proc: times queries as users run them, one fresh process at a time, and prints the
 * benchmark's result line.
 *
 *   bench-proc -s SYSTEM -S SCALE -o OP -n QUERIES -i INPUT [-O OUT] [-r R] -- COMMAND [ARG]...
 *       stream: COMMAND reads the QUERIES queries of INPUT on stdin. The best of R runs, less
 *       the best of R runs of the same COMMAND on empty input (the process's own start:
 *       loading, opening the store), divided by QUERIES. The last run's stdout goes to OUT
 *       (for counting answers).
 *   bench-proc -s SYSTEM -S SCALE -o OP -l ARGS [-r R] -- COMMAND [ARG]...
 *       loop: one process per line of ARGS (tab-separated words appended to COMMAND), stdout
 *       discarded; the best of R loops, divided by the number of lines.
 *   -P PID: a server (cg-query --serve) answers COMMAND; the CPU time it spends during each
 *       run is counted as the run's (its main thread's, from /proc/PID/schedstat). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define MAX_ARGS 64

/* CPU seconds (user + system) of the last process run: less disturbed than wall-clock time
 * by whatever else the machine runs. */
static double last_cpu;
static long server_pid; /* -P */

/* The CPU seconds the server has run so far (0 without one). */
static double server_cpu(void)
{
	char path[64];
	unsigned long long ns = 0;
	if (!server_pid)
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/schedstat", server_pid);
	FILE *f = fopen(path, "r");
	if (!f || fscanf(f, "%llu", &ns) != 1)
		fprintf(stderr, "bench-proc: cannot read %s\n", path);
	if (f)
		fclose(f);
	return (double)ns / 1e9;
}

/* Runs cmd with stdin from in and stdout to out; wall-clock seconds, or -1 when it fails. */
static double run(char **cmd, const char *in, const char *out)
{
	double t0 = bench_now(), s0 = server_cpu();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int i = open(in, O_RDONLY), o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (i < 0 || o < 0 || dup2(i, 0) < 0 || dup2(o, 1) < 0)
			_exit(126);
		execvp(cmd[0], cmd);
		_exit(127);
	}
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench-proc: %s failed\n", cmd[0]);
		return -1;
	}
	last_cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		   (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6 + server_cpu() - s0;
	return bench_now() - t0;
}

/* The best wall-clock time of r runs; *cpu the best CPU time. */
static double best_of(int r, char **cmd, const char *in, const char *out, double *cpu)
{
	double best = -1;
	*cpu = -1;
	for (int i = 0; i < r; i++) {
		double t = run(cmd, in, out);
		if (t < 0)
			return -1;
		if (best < 0 || t < best)
			best = t;
		if (*cpu < 0 || last_cpu < *cpu)
			*cpu = last_cpu;
	}
	return best;
}

/* One pass over ARGS: each line's words appended to the command, one process each. */
static double loop_once(char **cmd, int ncmd, const char *args, long *n, double *cpu)
{
	FILE *f = fopen(args, "r");
	if (!f)
		return -1;
	char *line = NULL, *argv[MAX_ARGS + 1];
	size_t cap = 0;
	double total = 0;
	*n = 0;
	*cpu = 0;
	memcpy(argv, cmd, sizeof *argv * (size_t)ncmd);
	while (getline(&line, &cap, f) > 0) {
		int k = ncmd;
		for (char *w = strtok(line, "\t\n"); w && k < MAX_ARGS; w = strtok(NULL, "\t\n"))
			argv[k++] = w;
		argv[k] = NULL;
		double t = run(argv, "/dev/null", "/dev/null");
		if (t < 0) {
			total = -1;
			break;
		}
		total += t;
		*cpu += last_cpu;
		++*n;
	}
	free(line);
	fclose(f);
	return total;
}

int main(int argc, char **argv)
{
	const char *sys = "?", *scale = "?", *op = "?", *in = NULL, *out = "/dev/null", *args = NULL;
	long nq = 0;
	int r = 3;
	for (int opt; (opt = getopt(argc, argv, "s:S:o:n:i:O:l:r:P:")) != -1;) {
		switch (opt) {
		case 's': sys = optarg; break;
		case 'S': scale = optarg; break;
		case 'o': op = optarg; break;
		case 'n': nq = atol(optarg); break;
		case 'i': in = optarg; break;
		case 'O': out = optarg; break;
		case 'l': args = optarg; break;
		case 'r': r = atoi(optarg); break;
		case 'P': server_pid = atol(optarg); break;
		default: return 2;
		}
	}
	int ncmd = argc - optind;
	if (ncmd < 1 || ncmd > MAX_ARGS / 2 || r < 1 || (!args && (!in || nq < 1))) {
		fputs("usage: bench-proc -s SYS -S SCALE -o OP (-n N -i INPUT [-O OUT] | -l ARGS) [-r R] [-P PID] -- CMD...\n",
		      stderr);
		return 2;
	}
	char **cmd = argv + optind;
	if (args) {
		double best = -1, best_cpu = -1, cpu;
		long n = 0;
		for (int i = 0; i < r; i++) {
			double t = loop_once(cmd, ncmd, args, &n, &cpu);
			if (t < 0 || n == 0)
				return 1;
			if (best < 0 || t < best)
				best = t;
			if (best_cpu < 0 || cpu < best_cpu)
				best_cpu = cpu;
		}
		printf("{\"system\":\"%s\",\"scale\":\"%s\",\"op\":\"%s\",\"method\":\"loop\",\"n\":%ld,"
		       "\"per_process_us\":%.1f,\"cpu_per_process_us\":%.1f}\n", sys, scale, op, n,
		       best / (double)n * 1e6, best_cpu / (double)n * 1e6);
		return 0;
	}
	double start_cpu, all_cpu;
	double start = best_of(r, cmd, "/dev/null", "/dev/null", &start_cpu);
	double all = start < 0 ? -1 : best_of(r, cmd, in, out, &all_cpu);
	if (all < 0)
		return 1;
	printf("{\"system\":\"%s\",\"scale\":\"%s\",\"op\":\"%s\",\"method\":\"stream\",\"n\":%ld,"
	       "\"start_us\":%.1f,\"per_query_us\":%.2f,\"cpu_per_query_us\":%.2f}\n",
	       sys, scale, op, nq, start * 1e6, (all - start) / (double)nq * 1e6,
	       (all_cpu - start_cpu) / (double)nq * 1e6);
	return 0;
}
