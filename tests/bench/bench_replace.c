/*
 * bench-replace [DIR]: atomic replaces, libosx against its peers measured
 * in the same run, interleaved (A B A B ...), medians of per-round ratios:
 *
 *   single 4 KiB replaces of one file, libosx against a hand-written libc
 *   loop doing the same steps:
 *     durable:     temp O_CREAT|O_EXCL, write, fsync, close, rename,
 *                  open dir, fsync dir, close dir
 *     non-durable: temp O_CREAT|O_EXCL, write, close, rename; and
 *                  mkstemp, write, close, rename; and the floor of any
 *                  sequence with libosx's guarantees (guarded_loop)
 *   many files: 100 new 4 KiB files made durable, as one osx_atomic_batch
 *     against 100 durable osx_atomic_write calls, and (built with GLib)
 *     against 100 g_file_set_contents_full(CONSISTENT | DURABLE);
 *   the batch's data flush: for 100 staged O_TMPFILE files, one syncfs
 *     (what the batch does; before Linux 5.8 it fsyncs each file after
 *     it, also measured) against a plain fdatasync of each and against
 *     writeback started for all (sync_file_range) then an fsync of each.
 *
 * Prints ratios (libosx / peer): below 1.0x libosx is faster.  DIR
 * defaults to the current directory.  OSX_BENCH_QUICK=1: a few rounds.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <osx/osx.h>

#include "bench.h"

#ifdef OSX_BENCH_GLIB
#include <glib.h>
#endif

#define SIZE 4096
#define FILES 100
#define MAX_ROUNDS 15

static char data[SIZE];
static char target[4096], temp[4096], dir[4096], names[FILES][4200];
static int rounds = 9;

static void fail_osx(const osx_error *err)
{
	char msg[2200];

	osx_error_format_call(err, msg, sizeof(msg));
	fprintf(stderr, "%s\n", msg);
	exit(1);
}

/* The loops' common part: the data into fd, flushed (durable), closed,
 * the temp renamed over the target. */
static void write_rename(int fd, const char *tmp, int durable)
{
	if (write(fd, data, SIZE) != SIZE)
		bench_die("write");
	if (durable && fsync(fd) < 0)
		bench_die("fsync");
	if (close(fd) < 0)
		bench_die("close");
	if (rename(tmp, target) < 0)
		bench_die("rename");
}

/* The peer: what a careful program writes by hand with libc. */
static void plain(int durable)
{
	int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);

	if (fd < 0)
		bench_die("open temp");
	write_rename(fd, temp, durable);
	if (durable) {
		int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d < 0 || fsync(d) < 0)
			bench_die("fsync dir");
		close(d);
	}
}

/* The peer: mkstemp (a random name, so concurrent writers do not
 * collide: glibc takes getrandom for it) + write + close + rename, the
 * loop most programs have.  (It leaves mkstemp's mode 0600 on the target;
 * the careful one adds an fchmod.) */
static void mkstemp_loop(int durable)
{
	char tmpl[sizeof(target) + 8];
	int fd;

	snprintf(tmpl, sizeof(tmpl), "%s.XXXXXX", target);
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd < 0)
		bench_die("mkostemp");
	write_rename(fd, tmpl, durable);
}

/* The floor: the mkstemp loop's four calls plus the least that gives
 * what it lacks, written by hand: a directory fd that the create and the
 * rename are relative to (a directory renamed or swapped midway cannot
 * send them to different places, where a slot name might be another
 * writer's unfinished temp) and a read lock on it held from before the
 * create to after the rename (what shows a temp's writer alive, so that
 * the next writer can remove a dead one's temp).  No library code, no
 * checks: what any sequence keeping both guarantees costs at least. */
static void guarded_loop(int durable)
{
	struct flock l = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 8, .l_len = 8};
	int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd;

	(void)durable;
	if (d < 0 || fcntl(d, F_OFD_SETLK, &l) < 0)
		bench_die("open dir + lock");
	fd = openat(d, ".target.0.osx-tmp", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0666);
	if (fd < 0 || write(fd, data, SIZE) != SIZE)
		bench_die("temp");
	if (close(fd) < 0 || renameat(d, ".target.0.osx-tmp", d, "target") < 0)
		bench_die("close + rename");
	close(d);
}

static void libosx(int durable)
{
	osx_atomic_options o = {durable ? OSX_ATOMIC_DURABLE : 0, 0};
	osx_error err;

	if (osx_atomic_write(target, data, SIZE, &o, NULL, &err) < 0)
		fail_osx(&err);
}

static double mean(void (*fn)(int), int durable, int n)
{
	double t0 = bench_now();
	int i;

	for (i = 0; i < n; i++)
		fn(durable);
	return (bench_now() - t0) / n;
}

/* Rounds of libosx, the loop and (non-durable) the mkstemp loop; the
 * medians of the per-round ratios. */
static void compare_single(const char *what, int durable, int n)
{
	double o[MAX_ROUNDS], p[MAX_ROUNDS], m[MAX_ROUNDS], g[MAX_ROUNDS], ratio[MAX_ROUNDS],
		mratio[MAX_ROUNDS], gratio[MAX_ROUNDS], fratio[MAX_ROUNDS];
	int r;

	for (r = 0; r < rounds; r++) {
		o[r] = mean(libosx, durable, n);
		p[r] = mean(plain, durable, n);
		ratio[r] = o[r] / p[r];
		if (!durable) {
			m[r] = mean(mkstemp_loop, durable, n);
			g[r] = mean(guarded_loop, durable, n);
			mratio[r] = o[r] / m[r];
			gratio[r] = o[r] / g[r];
			fratio[r] = g[r] / m[r];
		}
	}
	printf("%-12s libosx %8.1f us  plain loop %8.1f us  libosx/plain = %.3fx\n", what,
	       bench_median(o, rounds) * 1e6, bench_median(p, rounds) * 1e6,
	       bench_median(ratio, rounds));
	if (!durable) {
		printf("%-12s libosx %8.1f us  mkstemp loop %6.1f us  libosx/mkstemp = %.3fx\n",
		       what, bench_median(o, rounds) * 1e6, bench_median(m, rounds) * 1e6,
		       bench_median(mratio, rounds));
		printf("%-12s libosx %8.1f us  guarded loop %6.1f us  libosx/guarded = %.3fx"
		       "  (floor: guarded/mkstemp = %.3fx)\n", what, bench_median(o, rounds) * 1e6,
		       bench_median(g, rounds) * 1e6, bench_median(gratio, rounds),
		       bench_median(fratio, rounds));
	}
}

/* ---- many files made durable ---- */

static void unlink_all(void)
{
	int i;

	for (i = 0; i < FILES; i++)
		unlink(names[i]);
}

static double many_batch(void)
{
	osx_atomic_batch *b;
	osx_error err;
	double t0;
	int i;

	unlink_all();
	t0 = bench_now();
	b = osx_atomic_batch_new(OSX_ATOMIC_DURABLE, &err);
	if (!b)
		fail_osx(&err);
	for (i = 0; i < FILES; i++)
		if (osx_atomic_batch_add(b, AT_FDCWD, names[i], data, SIZE, NULL, &err) < 0)
			fail_osx(&err);
	if (osx_atomic_batch_commit(b, NULL, &err) < 0)
		fail_osx(&err);
	return bench_now() - t0;
}

static double many_single(void)
{
	osx_atomic_options o = {OSX_ATOMIC_DURABLE, 0};
	osx_error err;
	double t0;
	int i;

	unlink_all();
	t0 = bench_now();
	for (i = 0; i < FILES; i++)
		if (osx_atomic_write(names[i], data, SIZE, &o, NULL, &err) < 0)
			fail_osx(&err);
	return bench_now() - t0;
}

#ifdef OSX_BENCH_GLIB
static double many_glib(void)
{
	GError *error = NULL;
	double t0;
	int i;

	unlink_all();
	t0 = bench_now();
	for (i = 0; i < FILES; i++)
		if (!g_file_set_contents_full(names[i], data, SIZE,
					      G_FILE_SET_CONTENTS_CONSISTENT |
						      G_FILE_SET_CONTENTS_DURABLE,
					      0666, &error)) {
			fprintf(stderr, "glib: %s\n", error->message);
			exit(1);
		}
	return bench_now() - t0;
}
#endif

static void compare_many(void)
{
	double b[MAX_ROUNDS], s[MAX_ROUNDS], rs[MAX_ROUNDS];
#ifdef OSX_BENCH_GLIB
	double g[MAX_ROUNDS], rg[MAX_ROUNDS];
#endif
	int r;

	for (r = 0; r < rounds; r++) {
		b[r] = many_batch();
		s[r] = many_single();
		rs[r] = b[r] / s[r];
#ifdef OSX_BENCH_GLIB
		g[r] = many_glib();
		rg[r] = b[r] / g[r];
#endif
	}
	printf("%d durable files  batch %7.2f ms  %d osx_atomic_write %7.2f ms  batch/single = %.3fx\n",
	       FILES, bench_median(b, rounds) * 1e3, FILES, bench_median(s, rounds) * 1e3,
	       bench_median(rs, rounds));
#ifdef OSX_BENCH_GLIB
	printf("%d durable files  batch %7.2f ms  %d g_file_set_contents_full %7.2f ms  "
	       "batch/glib = %.3fx\n", FILES, bench_median(b, rounds) * 1e3, FILES,
	       bench_median(g, rounds) * 1e3, bench_median(rg, rounds));
#endif
}

/* ---- the batch's data flush: syncfs or one flush per file ---- */

enum flush { FLUSH_SYNCFS, FLUSH_SYNCFS_FSYNC, FLUSH_KICK_FSYNC, FLUSH_FDATASYNC };

static double stage_and_flush(enum flush how)
{
	int fds[FILES], d, i;
	double t0;

	d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		bench_die("open dir");
	t0 = bench_now();
	for (i = 0; i < FILES; i++) {
		fds[i] = openat(d, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
		if (fds[i] < 0 || write(fds[i], data, SIZE) != SIZE)
			bench_die("O_TMPFILE");
	}
	if ((how == FLUSH_SYNCFS || how == FLUSH_SYNCFS_FSYNC) && syncfs(d) < 0)
		bench_die("syncfs");
	for (i = 0; how == FLUSH_KICK_FSYNC && i < FILES; i++)
		sync_file_range(fds[i], 0, 0, SYNC_FILE_RANGE_WRITE);
	for (i = 0; how != FLUSH_SYNCFS && i < FILES; i++)
		if ((how == FLUSH_FDATASYNC ? fdatasync(fds[i]) : fsync(fds[i])) < 0)
			bench_die("fsync");
	t0 = bench_now() - t0;
	for (i = 0; i < FILES; i++)
		close(fds[i]);
	close(d);
	return t0;
}

static void compare_flush(void)
{
	static const char *const what[] = {"syncfs", "syncfs + fsync each",
					   "sync_file_range + fsync each", "fdatasync each"};
	double t[4][MAX_ROUNDS], ratio[4][MAX_ROUNDS];
	int r, k;

	for (r = 0; r < rounds; r++) {
		for (k = 0; k < 4; k++)
			t[k][r] = stage_and_flush((enum flush)k);
		for (k = 0; k < 4; k++)
			ratio[k][r] = t[0][r] / t[k][r];
	}
	for (k = 1; k < 4; k++)
		printf("flush %d staged files  syncfs %7.2f ms  %-28s %7.2f ms  ratio = %.3fx\n",
		       FILES, bench_median(t[0], rounds) * 1e3, what[k],
		       bench_median(t[k], rounds) * 1e3, bench_median(ratio[k], rounds));
}

int main(int argc, char **argv)
{
	const char *base = argc > 1 ? argv[1] : ".";
	int quick = getenv("OSX_BENCH_QUICK") != NULL, i;

	snprintf(dir, sizeof(dir), "%.4000s/bench-replace-XXXXXX", base);
	if (!mkdtemp(dir))
		bench_die("mkdtemp");
	snprintf(target, sizeof(target), "%.4000s/target", dir);
	snprintf(temp, sizeof(temp), "%.4000s/target.tmp", dir);
	for (i = 0; i < FILES; i++)
		snprintf(names[i], sizeof(names[i]), "%.4000s/f%03d", dir, i);
	memset(data, 'x', sizeof(data));
	if (quick)
		rounds = 3;
	/* The many-file comparisons first: ext4 without a journal skips, when
	 * it allocates an inode, every inode freed in the last 60 s (360 s
	 * while its inode table block is dirty), so every create after the
	 * 27 000 replaces of the single comparisons would pay for each of
	 * them, the batch and the single writes alike, and the batch's ratio
	 * would measure that scan instead of the flushes saved. */
	compare_many();
	compare_flush();
	compare_single("durable", 1, quick ? 5 : 100);
	compare_single("non-durable", 0, quick ? 50 : 1000);
	unlink_all();
	unlink(target);
	rmdir(dir);
	return 0;
}
