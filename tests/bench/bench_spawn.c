/* spawn+wait, libosx osx_spawn vs posix_spawn, interleaved, medians and
 * their ratios printed:
 *   - a static no-op (argv[1], tests/noop.c), where the spawn mechanism is
 *     most of the cost: rounds of 301, the median of the rounds' ratios;
 *   - the same from 2 threads at once: throughput (spawns per second)
 *     of libosx over posix_spawn, rounds alternating which goes first;
 *   - /bin/true with the parent holding 0, 1 and 4 GiB of touched memory,
 *     and fork+execve.  "call" is the spawn call alone: how long the
 *     parent is held (until the child has exec'd). */
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <osx/osx.h>

#include "bench.h"

extern char **environ;

static char *argv_true[] = { "/bin/true", NULL };
static char *argv_noop[] = { NULL, NULL };
static osx_spawn_attr *attr_true, *attr_noop;
static char **prog_argv = argv_true;
static osx_spawn_attr *prog_attr;

/* Each returns the spawn+wait time and sets *call to the spawn call's. */
static double one_osx(double *call)
{
	osx_child ch;
	osx_wait_status st;
	double t0 = bench_now(), t1;

	if (osx_spawn(prog_attr, &ch, NULL) < 0)
		abort();
	t1 = bench_now();
	if (osx_child_wait(&ch, &st, NULL) < 0)
		abort();
	*call = t1 - t0;
	return bench_now() - t0;
}

static double one_posix(double *call)
{
	double t0 = bench_now(), t1;
	pid_t pid;

	if (posix_spawn(&pid, prog_argv[0], NULL, NULL, prog_argv, environ) != 0)
		abort();
	t1 = bench_now();
	waitpid(pid, NULL, 0);
	*call = t1 - t0;
	return bench_now() - t0;
}

static double one_fork(void)
{
	double t0 = bench_now();
	pid_t pid = fork();

	if (pid == 0) {
		execve("/bin/true", argv_true, environ);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	return bench_now() - t0;
}

#define REPS 301

struct pair {
	double osx, posix;           /* spawn+wait */
	double osx_call, posix_call; /* the spawn call alone */
};

/* libosx and posix_spawn alternate, each going first every other round, so
 * the noise of a shared machine falls on both alike. */
static void pair(struct pair *r)
{
	static double to[REPS], tp[REPS], co[REPS], cp[REPS];

	for (int i = 0; i < REPS; i++) {
		if (i % 2) {
			to[i] = one_osx(&co[i]);
			tp[i] = one_posix(&cp[i]);
		} else {
			tp[i] = one_posix(&cp[i]);
			to[i] = one_osx(&co[i]);
		}
	}
	r->osx = bench_median(to, REPS);
	r->posix = bench_median(tp, REPS);
	r->osx_call = bench_median(co, REPS);
	r->posix_call = bench_median(cp, REPS);
}

static double fork_median(int reps)
{
	double t[101];

	for (int i = 0; i < reps; i++)
		t[i] = one_fork();
	return bench_median(t, reps);
}

/* 2 threads, each N spawn+wait: the wall time of the pair. */
#define TN 200

static void *thread_osx(void *arg)
{
	double call;

	(void)arg;
	for (int i = 0; i < TN; i++)
		one_osx(&call);
	return NULL;
}

static void *thread_posix(void *arg)
{
	double call;

	(void)arg;
	for (int i = 0; i < TN; i++)
		one_posix(&call);
	return NULL;
}

static double two_threads(void *(*fn)(void *))
{
	pthread_t t[2];
	double t0 = bench_now();

	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, fn, NULL) != 0)
			bench_die("pthread_create");
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return bench_now() - t0;
}

#define ROUNDS 7

static void noop_benchmarks(void)
{
	double ratio[ROUNDS], call[ROUNDS], tput[ROUNDS], ms_osx[ROUNDS], ms_posix[ROUNDS], med;
	double floor_[ROUNDS];

	prog_argv = argv_noop;
	prog_attr = attr_noop;
	for (int k = 0; k < ROUNDS; k++) {
		struct pair r;

		pair(&r);
		ratio[k] = r.osx / r.posix;
		call[k] = r.osx_call / r.posix_call;
		/* What a spawn call taking no time at all would reach: the rest
		 * (the child's execve, its run and exit, the parent's wake-up)
		 * is the kernel's, the same whoever spawned. */
		floor_[k] = (r.posix - r.posix_call) / r.posix;
		ms_osx[k] = r.osx * 1e3;
		ms_posix[k] = r.posix * 1e3;
	}
	med = bench_median(ratio, ROUNDS); /* sorts: ratio[0] is the least */
	printf("static no-op: libosx/posix_spawn = %.2fx (median of %d rounds of %d; "
	       "rounds %.2f-%.2fx), call alone %.2fx; libosx %.3f ms, posix_spawn %.3f ms\n",
	       med, ROUNDS, REPS, ratio[0], ratio[ROUNDS - 1],
	       bench_median(call, ROUNDS), bench_median(ms_osx, ROUNDS),
	       bench_median(ms_posix, ROUNDS));
	printf("static no-op: a spawn call taking no time would give %.2fx (posix_spawn's "
	       "spawn+wait less its call)\n", bench_median(floor_, ROUNDS));
	for (int k = 0; k < ROUNDS; k++) {
		double o, p;

		if (k % 2) {
			o = two_threads(thread_osx);
			p = two_threads(thread_posix);
		} else {
			p = two_threads(thread_posix);
			o = two_threads(thread_osx);
		}
		tput[k] = p / o;
	}
	printf("static no-op, 2 threads x %d: libosx throughput / posix_spawn's = %.2fx "
	       "(median of %d rounds)\n", TN, bench_median(tput, ROUNDS), ROUNDS);
	prog_argv = argv_true;
	prog_attr = attr_true;
}

int main(int argc, char **argv)
{
	static const size_t gib[] = { 0, 1, 4 };
	double base = 0;

	attr_true = osx_spawn_attr_new(NULL);
	attr_noop = osx_spawn_attr_new(NULL);
	if (!attr_true || osx_spawn_attr_set_argv(attr_true, argv_true, NULL) < 0 || !attr_noop)
		abort();
	prog_attr = attr_true;
	if (argc > 1) {
		argv_noop[0] = argv[1];
		if (osx_spawn_attr_set_argv(attr_noop, argv_noop, NULL) < 0)
			abort();
		noop_benchmarks();
	}

	for (size_t k = 0; k < 3; k++) {
		size_t len = gib[k] << 30;
		/* 4 KiB pages (no THP), so fork copies one PTE per page as it
		 * does for a typical heap. */
		char *mem = len ? mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : NULL;
		int fork_reps = gib[k] ? 9 : 101;
		struct pair r;
		double f;

		if (mem == MAP_FAILED)
			mem = NULL;
		if (mem)
			madvise(mem, len, MADV_NOHUGEPAGE);
		if (len && !mem) {
			printf("%zu GiB: cannot allocate, skipped\n", gib[k]);
			continue;
		}
		if (mem)
			memset(mem, 1, len);
		pair(&r);
		f = fork_median(fork_reps);
		if (k == 0)
			base = r.osx;
		printf("%zu GiB: libosx %.3f ms, posix_spawn %.3f ms, fork+exec %.3f ms | "
		       "libosx/posix_spawn = %.2fx (call %.3f/%.3f ms = %.2fx), "
		       "fork+exec/libosx = %.1fx, libosx %zu GiB/0 GiB = %.2fx\n",
		       gib[k], r.osx * 1e3, r.posix * 1e3, f * 1e3, r.osx / r.posix,
		       r.osx_call * 1e3, r.posix_call * 1e3, r.osx_call / r.posix_call,
		       f / r.osx, gib[k], r.osx / base);
		if (mem)
			munmap(mem, len);
	}
	osx_spawn_attr_free(attr_true);
	osx_spawn_attr_free(attr_noop);
	return 0;
}
