/* What every benchmark here needs: a monotonic clock, medians, and a way
 * out when the machine refuses a step (a benchmark has no error path). */
#ifndef OSX_BENCH_H
#define OSX_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process so far, all its threads (s). */
static inline double bench_cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* qsort order of doubles */
static inline int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of t[0..n-1]; sorts t in place. */
static inline double bench_median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), bench_cmp);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static inline void bench_die(const char *what)
{
	perror(what);
	exit(1);
}

#endif
