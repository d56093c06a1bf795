/* spawn+wait of /bin/true with the parent holding 0, 1 and 4 GiB of touched
 * memory: libosx osx_spawn vs posix_spawn (interleaved) vs fork+execve,
 * medians and their ratios printed. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <osx/osx.h>

extern char **environ;

static char *argv_true[] = { "/bin/true", NULL };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void one_osx(void)
{
	osx_spawn_attr a;
	osx_child ch;
	osx_wait_status st;

	osx_spawn_attr_init(&a);
	a.argv = argv_true;
	if (osx_spawn(&a, &ch, NULL) < 0 || osx_child_wait(&ch, &st, NULL) < 0)
		abort();
}

static void one_posix(void)
{
	pid_t pid;

	if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv_true, environ) != 0)
		abort();
	waitpid(pid, NULL, 0);
}

static void one_fork(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		execve("/bin/true", argv_true, environ);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double time_one(void (*fn)(void))
{
	double t0 = now();

	fn();
	return now() - t0;
}

static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof(t[0]), cmp);
	return t[n / 2];
}

#define REPS 301

/* libosx and posix_spawn alternate, each going first every other round, so
 * the noise of a shared machine falls on both alike. */
static void pair(double *o, double *p)
{
	static double to[REPS], tp[REPS];

	for (int i = 0; i < REPS; i++) {
		if (i % 2) {
			to[i] = time_one(one_osx);
			tp[i] = time_one(one_posix);
		} else {
			tp[i] = time_one(one_posix);
			to[i] = time_one(one_osx);
		}
	}
	*o = median(to, REPS);
	*p = median(tp, REPS);
}

static double fork_median(int reps)
{
	double t[101];

	for (int i = 0; i < reps; i++)
		t[i] = time_one(one_fork);
	return median(t, reps);
}

int main(void)
{
	static const size_t gib[] = { 0, 1, 4 };
	double base = 0;

	for (size_t k = 0; k < 3; k++) {
		size_t len = gib[k] << 30;
		/* 4 KiB pages (no THP), so fork copies one PTE per page as it
		 * does for a typical heap. */
		char *mem = len ? mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : NULL;
		int fork_reps = gib[k] ? 9 : 101;
		double o, p, f;

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
		pair(&o, &p);
		f = fork_median(fork_reps);
		if (k == 0)
			base = o;
		printf("%zu GiB: libosx %.3f ms, posix_spawn %.3f ms, fork+exec %.3f ms | "
		       "libosx/posix_spawn = %.2fx, fork+exec/libosx = %.1fx, "
		       "libosx %zu GiB/0 GiB = %.2fx\n",
		       gib[k], o * 1e3, p * 1e3, f * 1e3, o / p, f / o, gib[k], o / base);
		if (mem)
			munmap(mem, len);
	}
	return 0;
}
