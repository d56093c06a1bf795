/*
 * Variable lookups with 10 000 variables: osx_env_get (hash) against
 * glibc getenv (a linear scan of environ), same names, same run.  Prints
 * the ratio of the medians of several rounds; no absolute assertion.
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

static char names[LOOKUPS][16];

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
	return sink == 0;
}
