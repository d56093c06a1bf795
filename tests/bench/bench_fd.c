/*
 * bench-fd [MiB [DIR]]: fd I/O against the libc way, in the same run.
 *  copy: a MiB-sized file (default 1024) copied with osx_copy_fd, a plain
 *        64 KiB read/write loop, a sendfile loop, and cp(1); rounds
 *        alternate so drift hits all; medians; ratios against osx_copy_fd.
 *  shim: 1-byte reads of /dev/zero through osx_read and through read(2).
 * `bench-fd count osx|raw N` only does N 1-byte reads one way, for
 * tests/bench/shim-overhead.sh, which counts instructions with callgrind.
 * OSX_BENCH_QUICK=1 shrinks everything.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <osx/osx.h>

#include "bench.h"

#define ROUNDS 3

static char src[4200], dst[4200];

static void open_pair(int *in, int *out)
{
	*in = open(src, O_RDONLY | O_CLOEXEC);
	*out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (*in < 0 || *out < 0)
		bench_die("open");
}

static void copy_osx(void)
{
	int in, out;

	open_pair(&in, &out);
	if (osx_copy_fd(in, out, -1, NULL, NULL) < 0)
		bench_die("osx_copy_fd");
	close(in);
	close(out);
}

static void copy_rw64k(void)
{
	static char buf[64 * 1024];
	ssize_t n;
	int in, out;

	open_pair(&in, &out);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			bench_die("write");
	close(in);
	close(out);
}

static void copy_sendfile(void)
{
	ssize_t n;
	int in, out;

	open_pair(&in, &out);
	while ((n = sendfile(out, in, NULL, 1 << 30)) > 0)
		;
	if (n < 0)
		bench_die("sendfile");
	close(in);
	close(out);
}

static void copy_cp(void)
{
	char cmd[9000];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, dst);
	if (system(cmd) != 0)
		bench_die("cp");
}

static double timed(void (*fn)(void))
{
	double t0 = bench_now();

	fn();
	t0 = bench_now() - t0;
	unlink(dst);
	return t0;
}

static void bench_copy(long mib, const char *dir)
{
	static void (*const fns[])(void) = {copy_osx, copy_rw64k, copy_sendfile, copy_cp};
	static const char *const names[] = {"osx_copy_fd", "read/write 64 KiB", "sendfile", "cp"};
	double t[4][ROUNDS], med[4];
	char block[1 << 16];
	int fd, r, m;
	long i;

	snprintf(src, sizeof(src), "%.4000s/bench-fd-src", dir);
	snprintf(dst, sizeof(dst), "%.4000s/bench-fd-dst", dir);
	fd = open(src, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		bench_die("open src");
	for (i = 0; i < (long)sizeof(block); i++)
		block[i] = (char)(i * 7919);
	for (i = 0; i < mib * 16; i++)
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
			bench_die("write src");
	close(fd);
	copy_osx(); /* warm the page cache */
	unlink(dst);
	for (r = 0; r < ROUNDS; r++)
		for (m = 0; m < 4; m++)
			t[m][r] = timed(fns[m]);
	for (m = 0; m < 4; m++) {
		qsort(t[m], ROUNDS, sizeof(double), bench_cmp);
		med[m] = t[m][ROUNDS / 2];
	}
	printf("copy %ld MiB (warm cache), median of %d:\n", mib, ROUNDS);
	for (m = 0; m < 4; m++)
		printf("  %-18s %7.3f s  %6.0f MiB/s  osx_copy_fd/this = %.2fx\n", names[m], med[m],
		       (double)mib / med[m], med[0] / med[m]);
	unlink(src);
}

static void reads(int osx, long n)
{
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	char c;
	long i;

	for (i = 0; i < n; i++)
		if ((osx ? osx_read(fd, &c, 1, NULL) : read(fd, &c, 1)) != 1)
			bench_die("read");
	close(fd);
}

static void bench_shim(long n)
{
	double o[5], p[5];
	int r;

	/* Alternate which goes first, so warm-up and drift hit both. */
	for (r = 0; r < 6; r++) {
		double t0 = bench_now();
		reads(r & 1, n);
		t0 = bench_now() - t0;
		if (r & 1)
			o[r / 2] = t0;
		else
			p[r / 2] = t0;
	}
	for (r = 3; r < 5; r++) { /* two more pairs, order flipped */
		double t0 = bench_now();
		reads(0, n);
		p[r] = bench_now() - t0;
		t0 = bench_now();
		reads(1, n);
		o[r] = bench_now() - t0;
	}
	qsort(o, 5, sizeof(double), bench_cmp);
	qsort(p, 5, sizeof(double), bench_cmp);
	printf("1-byte read x %ld: osx_read %.1f ns  read(2) %.1f ns  osx_read/read = %.3fx\n", n,
	       o[2] / (double)n * 1e9, p[2] / (double)n * 1e9, o[2] / p[2]);
}

int main(int argc, char **argv)
{
	int quick = getenv("OSX_BENCH_QUICK") != NULL;

	if (argc == 4 && strcmp(argv[1], "count") == 0) {
		reads(strcmp(argv[2], "osx") == 0, atol(argv[3]));
		return 0;
	}
	bench_copy(argc > 1 ? atol(argv[1]) : quick ? 64 : 1024, argc > 2 ? argv[2] : ".");
	bench_shim(quick ? 100000 : 1000000);
	return 0;
}
