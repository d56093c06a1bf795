/*
 * bench-replace [DIR]: 4 KiB atomic replaces of one file, libosx against a
 * hand-written libc loop doing the same steps, measured in the same run:
 *   durable:     temp O_CREAT|O_EXCL, write, fsync, close, rename,
 *                open dir, fsync dir, close dir
 *   non-durable: temp O_CREAT|O_EXCL, write, close, rename
 * Rounds alternate between the two so drift hits both; the medians of the
 * per-round means are compared.  Prints ratios (libosx / loop): below 1.0x
 * libosx is faster.  DIR defaults to the current directory.
 * Built with GLib (when its -dev package is installed), the durable case
 * also runs g_file_set_contents_full(CONSISTENT | DURABLE), GLib's own
 * durable atomic replace, as a third peer.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <osx/osx.h>

#include "bench.h"

#ifdef OSX_BENCH_GLIB
#include <glib.h>
#endif

#define SIZE 4096
#define ROUNDS 7

static char data[SIZE];
static char target[4096], temp[4096], dir[4096];

/* The peer: what a careful program writes by hand with libc. */
static void plain(int durable)
{
	int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);

	if (fd < 0)
		bench_die("open temp");
	if (write(fd, data, SIZE) != SIZE)
		bench_die("write");
	if (durable && fsync(fd) < 0)
		bench_die("fsync");
	if (close(fd) < 0)
		bench_die("close");
	if (rename(temp, target) < 0)
		bench_die("rename");
	if (durable) {
		int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d < 0 || fsync(d) < 0)
			bench_die("fsync dir");
		close(d);
	}
}

static void libosx(int durable)
{
	osx_atomic_options o = {durable ? OSX_ATOMIC_DURABLE : 0, 0};
	osx_error err;

	if (osx_atomic_write(target, data, SIZE, &o, NULL, &err) < 0) {
		char msg[2200];
		osx_error_format_call(&err, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		exit(1);
	}
}

#ifdef OSX_BENCH_GLIB
static void glib(int durable)
{
	GError *error = NULL;
	GFileSetContentsFlags flags = G_FILE_SET_CONTENTS_CONSISTENT;

	if (durable)
		flags |= G_FILE_SET_CONTENTS_DURABLE;
	if (!g_file_set_contents_full(target, data, SIZE, flags, 0666, &error)) {
		fprintf(stderr, "glib: %s\n", error->message);
		exit(1);
	}
}
#endif

static double mean(void (*fn)(int), int durable, int n)
{
	double t0 = bench_now();
	int i;

	for (i = 0; i < n; i++)
		fn(durable);
	return (bench_now() - t0) / n;
}

static void compare(const char *what, int durable, int n)
{
	double o[ROUNDS], p[ROUNDS];
	int r;
#ifdef OSX_BENCH_GLIB
	double g[ROUNDS];
#endif

	for (r = 0; r < ROUNDS; r++) {
		o[r] = mean(libosx, durable, n);
		p[r] = mean(plain, durable, n);
#ifdef OSX_BENCH_GLIB
		g[r] = durable ? mean(glib, durable, n) : 0;
#endif
	}
	qsort(o, ROUNDS, sizeof(double), bench_cmp);
	qsort(p, ROUNDS, sizeof(double), bench_cmp);
	printf("%-12s libosx %8.1f us  plain loop %8.1f us  libosx/plain = %.2fx\n", what,
	       o[ROUNDS / 2] * 1e6, p[ROUNDS / 2] * 1e6, o[ROUNDS / 2] / p[ROUNDS / 2]);
#ifdef OSX_BENCH_GLIB
	if (durable) {
		qsort(g, ROUNDS, sizeof(double), bench_cmp);
		printf("%-12s libosx %8.1f us  glib durable %6.1f us  libosx/glib = %.2fx\n", what,
		       o[ROUNDS / 2] * 1e6, g[ROUNDS / 2] * 1e6, o[ROUNDS / 2] / g[ROUNDS / 2]);
	}
#endif
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : ".";
	int quick = getenv("OSX_BENCH_QUICK") != NULL;

	snprintf(dir, sizeof(dir), "%.4000s/bench-replace-XXXXXX", base);
	if (!mkdtemp(dir))
		bench_die("mkdtemp");
	snprintf(target, sizeof(target), "%.4000s/target", dir);
	snprintf(temp, sizeof(temp), "%.4000s/target.tmp", dir);
	memset(data, 'x', sizeof(data));
	compare("durable", 1, quick ? 5 : 100);
	compare("non-durable", 0, quick ? 50 : 2000);
	unlink(target);
	rmdir(dir);
	return 0;
}
