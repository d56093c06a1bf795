/*
 * bench-fs [DIR]: files by name, libosx against its peers in the same run.
 *   stat:     osx_stat of one path against stat(2) (libc's, newfstatat)
 *             and statx(2) (libc's wrapper, the same mask) called directly.
 *   makedirs: osx_makedirs of a fresh 10-deep path against a hand-written
 *             loop (mkdir each prefix, EEXIST ignored) and Python's
 *             os.makedirs (python3 run as a subprocess, timing itself;
 *             skipped with a message when there is no python3).
 * Rounds interleave the contenders so machine drift hits all of them; the
 * medians of the per-round times are compared.  Ratios are libosx / peer:
 * below 1.0x libosx is faster.  DIR defaults to the current directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <osx/osx.h>

#include "bench.h"

/* stat: many short rounds, A B C then C B A, the median per-round ratio. */
#define SROUNDS 201
#define STATS 2000
#define TREES 100
#define DEPTH 10
#define MROUNDS 7

static char base[4096], file[4096];

static double time_osx_stat(void)
{
	osx_stat_result st;
	double t = bench_now();
	int i;

	for (i = 0; i < STATS; i++)
		if (osx_stat(OSX_AT_CWD, file, 1, &st, NULL) < 0)
			bench_die("osx_stat");
	return (bench_now() - t) / STATS;
}

static double time_stat(void)
{
	struct stat st;
	double t = bench_now();
	int i;

	for (i = 0; i < STATS; i++)
		if (stat(file, &st) < 0)
			bench_die("stat");
	return (bench_now() - t) / STATS;
}

static double time_statx(void)
{
	struct statx stx;
	double t = bench_now();
	int i;

	for (i = 0; i < STATS; i++)
		if (statx(AT_FDCWD, file, 0, STATX_BASIC_STATS | STATX_BTIME, &stx) < 0)
			bench_die("statx");
	return (bench_now() - t) / STATS;
}

/* base/<tag><round>-<i>/d1/.../d10 */
static void tree_path(char *buf, size_t size, const char *tag, int round, int i)
{
	int n = snprintf(buf, size, "%s/%s%d-%d", base, tag, round, i), d;

	for (d = 1; d < DEPTH && n > 0 && (size_t)n < size; d++) {
		int k = snprintf(buf + n, size - (size_t)n, "/d%d", d);

		if (k < 0)
			bench_die("snprintf");
		n += k;
	}
	if (n < 0 || (size_t)n >= size)
		bench_die("path too long");
}

static void remove_trees(const char *tag, int round)
{
	char top[4096];
	int i;

	for (i = 0; i < TREES; i++) {
		if (snprintf(top, sizeof(top), "%s/%s%d-%d", base, tag, round, i) >= (int)sizeof(top))
			bench_die("path too long");
		if (osx_rmtree(top, NULL, NULL, NULL) < 0)
			bench_die("rmtree");
	}
}

static double time_osx_makedirs(int round)
{
	char path[4096];
	double t = 0, t0;
	int i;

	for (i = 0; i < TREES; i++) {
		tree_path(path, sizeof(path), "o", round, i);
		t0 = bench_now();
		if (osx_makedirs(OSX_AT_CWD, path, 0777, 0, NULL) < 0)
			bench_die("osx_makedirs");
		t += bench_now() - t0;
	}
	remove_trees("o", round);
	return t / TREES;
}

/* What a C programmer writes for mkdir -p without a library. */
static double time_loop(int round)
{
	char path[4096];
	double t = 0, t0;
	int i;
	size_t k, len;

	for (i = 0; i < TREES; i++) {
		tree_path(path, sizeof(path), "l", round, i);
		len = strlen(path);
		t0 = bench_now();
		for (k = 1; k <= len; k++) {
			if (path[k] != '/' && path[k] != '\0')
				continue;
			path[k] = '\0';
			if (mkdir(path, 0777) < 0 && errno != EEXIST)
				bench_die("mkdir");
			if (k < len)
				path[k] = '/';
		}
		t += bench_now() - t0;
	}
	remove_trees("l", round);
	return t / TREES;
}

/* Python times its own os.makedirs calls (interpreter start excluded)
 * and prints the mean per call in seconds; -1 when python3 is missing. */
static double time_python(int round)
{
	char cmd[8192];
	double t = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import os,sys,time\n"
		 "base,r,n,d=sys.argv[1],sys.argv[2],int(sys.argv[3]),int(sys.argv[4])\n"
		 "paths=[os.path.join(base,\"p%%s-%%d\"%%(r,i),*[\"d%%d\"%%k for k in range(1,d)]) for i in range(n)]\n"
		 "t=0\n"
		 "for q in paths:\n"
		 " t0=time.perf_counter(); os.makedirs(q); t+=time.perf_counter()-t0\n"
		 "print(t/n)' '%s' %d %d %d 2>/dev/null",
		 base, round, TREES, DEPTH);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%lf", &t) != 1)
		t = -1;
	if (pclose(p) != 0)
		t = -1;
	if (t > 0)
		remove_trees("p", round);
	return t;
}

int main(int argc, char **argv)
{
	static double so[SROUNDS], ss[SROUNDS], sx[SROUNDS], rs[SROUNDS], rx[SROUNDS];
	double mo[MROUNDS], ml[MROUNDS], mp[MROUNDS];
	int r, fd, python = 1;

	snprintf(base, sizeof(base), "%s/bench-fs-%d", argc > 1 ? argv[1] : ".", (int)getpid());
	if (osx_makedirs(OSX_AT_CWD, base, 0755, 0, NULL) < 0)
		bench_die("mkdir base");
	if (snprintf(file, sizeof(file), "%s/a/b/c/file", base) >= (int)sizeof(file))
		bench_die("path too long");
	*strrchr(file, '/') = '\0';
	if (osx_makedirs(OSX_AT_CWD, file, 0755, 0, NULL) < 0)
		bench_die("mkdir a/b/c");
	strcat(file, "/file");
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		bench_die("create");
	close(fd);

	for (r = 0; r < SROUNDS; r++) {
		/* A B C, then C B A: each goes first as often as last. */
		if (r % 2 == 0) {
			so[r] = time_osx_stat();
			ss[r] = time_stat();
			sx[r] = time_statx();
		} else {
			sx[r] = time_statx();
			ss[r] = time_stat();
			so[r] = time_osx_stat();
		}
		rs[r] = so[r] / ss[r];
		rx[r] = so[r] / sx[r];
	}
	printf("stat of a 5-component path, %d calls x %d rounds, median of per-round ratios:\n",
	       STATS, SROUNDS);
	printf("  osx_stat / stat(2):  %.3fx  (ratio of medians %.3fx)\n", bench_median(rs, SROUNDS),
	       bench_median(so, SROUNDS) / bench_median(ss, SROUNDS));
	printf("  osx_stat / statx(2): %.3fx  (ratio of medians %.3fx)\n", bench_median(rx, SROUNDS),
	       bench_median(so, SROUNDS) / bench_median(sx, SROUNDS));

	for (r = 0; r < MROUNDS; r++) {
		mo[r] = time_osx_makedirs(r);
		ml[r] = time_loop(r);
		mp[r] = python ? time_python(r) : -1;
		if (mp[r] < 0)
			python = 0;
	}
	printf("makedirs of a fresh %d-deep path, %d paths x %d rounds:\n", DEPTH, TREES, MROUNDS);
	printf("  osx_makedirs / hand loop:      %.3fx\n",
	       bench_median(mo, MROUNDS) / bench_median(ml, MROUNDS));
	if (python)
		printf("  osx_makedirs / os.makedirs:    %.3fx\n",
		       bench_median(mo, MROUNDS) / bench_median(mp, MROUNDS));
	else
		printf("  os.makedirs: skipped (no python3 on PATH)\n");
	if (osx_rmtree(base, NULL, NULL, NULL) < 0)
		bench_die("rmtree base");
	return 0;
}
