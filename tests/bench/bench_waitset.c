/*
 * Collecting 1000 concurrent children: an osx_waitset against the classic
 * waitpid(-1) loop, interleaved in the same run (A B, B A, ...), medians of
 * the rounds and their ratio.
 *
 * Each round spawns N children (bench-waitset-child, static: it reads its
 * stdin to the end and exits) on one gate pipe, then closes the gate, so
 * all of them end at once, and times collecting every one of them, also
 * telling which child it was (the set returns the handle; the loop looks
 * the pid up in a table) and releasing its pidfd.  Two timings per round:
 * "exiting", from the gate's close (the children ending while they are
 * collected), and "ended", with every child already a zombie when the
 * clock starts (the collection alone).  Spawning is not timed.
 *
 *   bench-waitset CHILD_PROGRAM [N] [ROUNDS]
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <osx/osx.h>

#include "bench.h"

#define PID_TABLE 4194304 /* PID_MAX_LIMIT on 64-bit Linux */

static osx_child *children;
static int *slot_of_pid; /* the waitpid loop's lookup: pid -> index + 1 */
static int n_children;
static char *child_argv[2];

/* Spawn every child on a new gate; returns the gate's write end. */
static int spawn_all(void)
{
	osx_spawn_attr *a;
	int gate[2], i;

	if (osx_pipe(gate, 0, NULL) < 0)
		bench_die("pipe");
	a = osx_spawn_attr_new(NULL);
	if (!a || osx_spawn_attr_set_argv(a, child_argv, NULL) < 0 ||
	    osx_spawn_attr_set_stdio(a, 0, gate[0], NULL) < 0)
		bench_die("osx_spawn_attr");
	for (i = 0; i < n_children; i++)
		if (osx_spawn(a, &children[i], NULL) < 0)
			bench_die("osx_spawn");
	osx_spawn_attr_free(a);
	close(gate[0]);
	return gate[1];
}

/* Until every child has ended (each pidfd readable), without reaping. */
static void wait_all_ended(void)
{
	struct pollfd *p = calloc((size_t)n_children, sizeof(*p));
	int i, left = n_children;

	if (!p)
		bench_die("calloc");
	for (i = 0; i < n_children; i++) {
		p[i].fd = children[i].pidfd;
		p[i].events = POLLIN;
	}
	while (left > 0) {
		if (poll(p, (nfds_t)n_children, -1) < 0 && errno != EINTR)
			bench_die("poll");
		for (i = 0; i < n_children; i++)
			if (p[i].fd >= 0 && p[i].revents) {
				p[i].fd = -1;
				left--;
			}
	}
	free(p);
}

static double round_set(int ended)
{
	osx_waitset *ws = osx_waitset_new(NULL);
	int gate = spawn_all(), i;
	double t0;

	if (!ws)
		bench_die("osx_waitset_new");
	for (i = 0; i < n_children; i++)
		if (osx_waitset_add(ws, &children[i], NULL) < 0)
			bench_die("osx_waitset_add");
	close(gate);
	if (ended)
		wait_all_ended();
	t0 = bench_now();
	for (i = 0; i < n_children; i++) {
		osx_child *c;
		osx_wait_status st;

		if (osx_waitset_wait(ws, -1, &c, &st, NULL) < 0 || !st.exited)
			bench_die("osx_waitset_wait");
	}
	t0 = bench_now() - t0;
	osx_waitset_free(ws);
	return t0;
}

static double round_waitpid(int ended)
{
	int gate = spawn_all(), i;
	double t0;

	for (i = 0; i < n_children; i++)
		slot_of_pid[children[i].pid] = i + 1;
	close(gate);
	if (ended)
		wait_all_ended();
	t0 = bench_now();
	for (i = 0; i < n_children; i++) {
		int status, k;
		pid_t pid = waitpid(-1, &status, 0);

		if (pid <= 0 || !WIFEXITED(status))
			bench_die("waitpid");
		k = slot_of_pid[pid];
		if (k == 0)
			bench_die("waitpid: not ours");
		slot_of_pid[pid] = 0;
		close(children[k - 1].pidfd);
		children[k - 1].pid = children[k - 1].pidfd = -1;
	}
	return bench_now() - t0;
}

int main(int argc, char **argv)
{
	int rounds, r, ended;

	if (argc < 2) {
		fprintf(stderr, "usage: bench-waitset CHILD_PROGRAM [N] [ROUNDS]\n");
		return 2;
	}
	child_argv[0] = argv[1];
	n_children = argc > 2 ? atoi(argv[2]) : 1000;
	rounds = argc > 3 ? atoi(argv[3]) : 9;
	children = calloc((size_t)n_children, sizeof(*children));
	slot_of_pid = calloc(PID_TABLE, sizeof(*slot_of_pid));
	if (!children || !slot_of_pid || n_children < 1 || rounds < 1)
		bench_die("setup");
	printf("collecting %d concurrent children, %d rounds each, interleaved\n", n_children,
	       rounds);
	for (ended = 0; ended < 2; ended++) {
		double *ts = calloc((size_t)rounds, sizeof(double));
		double *tw = calloc((size_t)rounds, sizeof(double));
		double ms, mw;

		if (!ts || !tw)
			bench_die("calloc");
		for (r = 0; r < rounds; r++) {
			if (r % 2) {
				ts[r] = round_set(ended);
				tw[r] = round_waitpid(ended);
			} else {
				tw[r] = round_waitpid(ended);
				ts[r] = round_set(ended);
			}
		}
		ms = bench_median(ts, rounds);
		mw = bench_median(tw, rounds);
		printf("%-8s waitset %7.3f ms  waitpid(-1) loop %7.3f ms  waitset/waitpid %.2fx\n",
		       ended ? "ended" : "exiting", ms * 1e3, mw * 1e3, ms / mw);
		free(ts);
		free(tw);
	}
	free(children);
	free(slot_of_pid);
	return 0;
}
