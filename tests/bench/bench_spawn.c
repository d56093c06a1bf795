/* spawn+wait of /bin/true with the parent holding 0, 1 and 4 GiB of touched
 * memory: libosx osx_spawn vs posix_spawn (interleaved) vs fork+execve,
 * medians and their ratios printed.  "call" is the spawn call alone: how
 * long the parent is held (until the child has exec'd), the part of the
 * cost that is the spawn mechanism rather than the program's start. */
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
static osx_spawn_attr *attr_true;

/* Each returns the spawn+wait time and sets *call to the spawn call's. */
static double one_osx(double *call)
{
	osx_child ch;
	osx_wait_status st;
	double t0 = bench_now(), t1;

	if (osx_spawn(attr_true, &ch, NULL) < 0)
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

	if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv_true, environ) != 0)
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

int main(void)
{
	static const size_t gib[] = { 0, 1, 4 };
	double base = 0;

	attr_true = osx_spawn_attr_new(NULL);
	if (!attr_true || osx_spawn_attr_set_argv(attr_true, argv_true, NULL) < 0)
		abort();

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
	return 0;
}
