/*
 * Variable lookups, same names, same run, rounds interleaved (A B A B),
 * ratios of the medians; no absolute assertion:
 *   - osx_env_get (hash) against libc getenv (a linear scan of environ),
 *     10 000 variables;
 *   - osx_getenv (the process environment under the library's lock, the
 *     value copied out) against getenv, hits and misses whose name differs
 *     in its first byte, with 100 and with 10 000 variables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <osx/osx.h>

#include "bench.h"

#define VARS 10000
#define LOOKUPS 20000
#define ROUNDS 7

static char names[LOOKUPS][24];

extern char **environ;

/* environ holds exactly vars variables BENCH_0 .. BENCH_<vars-1>. */
static void fill_environ(int vars)
{
	char key[24];
	int i;

	if (clearenv() != 0)
		bench_die("clearenv");
	for (i = 0; i < vars; i++) {
		snprintf(key, sizeof(key), "BENCH_%d", i);
		if (setenv(key, key, 1) != 0)
			bench_die("setenv");
	}
}

/* osx_getenv against getenv for the names in names[0..LOOKUPS-1]. */
static double getenv_ratio(void)
{
	double t_libc[ROUNDS], t_osx[ROUNDS], t0;
	volatile size_t sink = 0;
	char buf[64];
	const char *v;
	int i, r;

	for (r = 0; r < ROUNDS; r++) {
		t0 = bench_now();
		for (i = 0; i < LOOKUPS; i++) {
			v = getenv(names[i]);
			sink += v ? strlen(v) : 1;
		}
		t_libc[r] = bench_now() - t0;
		t0 = bench_now();
		for (i = 0; i < LOOKUPS; i++) {
			ssize_t n = osx_getenv(names[i], buf, sizeof(buf), NULL);

			sink += n >= 0 ? (size_t)n : 1;
		}
		t_osx[r] = bench_now() - t0;
	}
	(void)sink;
	return bench_median(t_osx, ROUNDS) / bench_median(t_libc, ROUNDS);
}

static void getenv_bench(void)
{
	static const int sizes[] = { 100, VARS };
	size_t k;
	int i;

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		double hit, miss;

		fill_environ(sizes[k]);
		srand(2);
		for (i = 0; i < LOOKUPS; i++)
			snprintf(names[i], sizeof(names[i]), "BENCH_%d", rand() % sizes[k]);
		hit = getenv_ratio();
		for (i = 0; i < LOOKUPS; i++)
			snprintf(names[i], sizeof(names[i]), "XENCH_%d", rand() % sizes[k]);
		miss = getenv_ratio();
		printf("osx_getenv/getenv with %d variables: hits %.3fx, early misses %.3fx "
		       "(median of %d interleaved rounds of %d lookups)\n",
		       sizes[k], hit, miss, ROUNDS, LOOKUPS);
	}
}

int main(void)
{
	double t_getenv[ROUNDS], t_osx[ROUNDS], t0;
	volatile size_t sink = 0;
	osx_error err;
	osx_env *e;
	char key[16];
	int i, r;

	for (i = 0; i < VARS; i++) {
		snprintf(key, sizeof(key), "BENCH_%d", i);
		if (setenv(key, key, 1) != 0)
			return 1;
	}
	/* A spread of names, all present: on average getenv scans half. */
	srand(1);
	for (i = 0; i < LOOKUPS; i++)
		snprintf(names[i], sizeof(names[i]), "BENCH_%d", rand() % VARS);
	e = osx_env_snapshot(&err);
	if (!e)
		return 1;
	for (r = 0; r < ROUNDS; r++) {
		t0 = bench_now();
		for (i = 0; i < LOOKUPS; i++)
			sink += strlen(getenv(names[i]));
		t_getenv[r] = bench_now() - t0;
		t0 = bench_now();
		for (i = 0; i < LOOKUPS; i++)
			sink += strlen(osx_env_get(e, names[i]));
		t_osx[r] = bench_now() - t0;
	}
	qsort(t_getenv, ROUNDS, sizeof(double), bench_cmp);
	qsort(t_osx, ROUNDS, sizeof(double), bench_cmp);
	printf("lookups among %d variables: osx_env_get/getenv = %.4fx "
	       "(median of %d rounds of %d lookups)\n",
	       VARS, t_osx[ROUNDS / 2] / t_getenv[ROUNDS / 2], ROUNDS, LOOKUPS);
	osx_env_free(e);
	getenv_bench();
	return sink == 0;
}
