/*
 * Which way of stat'ing every entry of a tree wins here: one fstatat per
 * entry relative to its directory's fd (what osx-du and the stat walks
 * do, on one worker or several), or statx requests batched through
 * io_uring, a directory's entries submitted at once and reaped together.
 * Both open each directory relative to nothing but its path and stat its
 * entries relative to that fd; the names are collected first (untimed),
 * so only the stats and the opens are timed.  Warm cache, rounds
 * interleaved, medians; the byte totals must agree.
 *
 * bench-statx [-n REPS] [ROOT]   (default /usr)
 */
#include <dirent.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <osx/osx.h>

#include "bench.h"

#define MAX_REPS 64
#define QUEUE 256

/* Every directory's path and its entries' names, in one buffer each. */
struct dir {
	size_t path, names, nnames; /* offsets into the buffers */
};

static char *paths, *names;
static size_t lpaths, cpaths, lnames, cnames;
static struct dir *dirs;
static size_t ndirs, cdirs;

static size_t put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	size_t at = *len;

	while (*len + n + 1 > *cap) {
		*cap = *cap ? 2 * *cap : 1 << 20;
		if (!(*buf = realloc(*buf, *cap)))
			bench_die("realloc");
	}
	memcpy(*buf + at, s, n);
	(*buf)[at + n] = '\0';
	*len += n + 1;
	return at;
}

/* The directories of root, depth first. */
static void collect(const char *root)
{
	osx_walk_entry *e;
	osx_walk *w = osx_walk_open(root, NULL, NULL);

	if (!w)
		bench_die("osx_walk_open");
	while (osx_walk_next(w, &e) == 1) {
		if (e->event != OSX_WALK_DIR || e->fd < 0)
			continue;
		if (ndirs == cdirs) {
			cdirs = cdirs ? 2 * cdirs : 4096;
			if (!(dirs = realloc(dirs, cdirs * sizeof(*dirs))))
				bench_die("realloc");
		}
		dirs[ndirs].path = put(&paths, &lpaths, &cpaths, e->path, e->pathlen);
		dirs[ndirs].nnames = 0;
		ndirs++;
	}
	osx_walk_close(w);
}

/* Their entries, listed again (untimed). */
static void collect_names(void)
{
	char buf[1 << 16];

	for (size_t i = 0; i < ndirs; i++) {
		int fd = open(paths + dirs[i].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			bench_die(paths + dirs[i].path);
		dirs[i].names = lnames;
		while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
			for (ssize_t pos = 0; pos < n;) {
				struct dirent64 *d = (struct dirent64 *)(buf + pos);

				pos += d->d_reclen;
				if (d->d_name[0] == '.' &&
				    (!d->d_name[1] || (d->d_name[1] == '.' && !d->d_name[2])))
					continue;
				put(&names, &lnames, &cnames, d->d_name, strlen(d->d_name));
				dirs[i].nnames++;
			}
		}
		close(fd);
	}
}

static int open_dir(size_t i)
{
	int fd = open(paths + dirs[i].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		bench_die(paths + dirs[i].path);
	return fd;
}

/* One fstatat per entry. */
static uint64_t with_fstatat(void)
{
	uint64_t bytes = 0;

	for (size_t i = 0; i < ndirs; i++) {
		int fd = open_dir(i);
		const char *nm = names + dirs[i].names;

		for (size_t k = 0; k < dirs[i].nnames; k++, nm += strlen(nm) + 1) {
			struct stat st;

			if (fstatat(fd, nm, &st, AT_SYMLINK_NOFOLLOW) == 0)
				bytes += (uint64_t)st.st_size;
		}
		close(fd);
	}
	return bytes;
}

/* statx through io_uring, up to QUEUE requests a submission. */
static uint64_t with_uring(struct io_uring *ring)
{
	static struct statx stx[QUEUE];
	uint64_t bytes = 0;

	for (size_t i = 0; i < ndirs; i++) {
		int fd = open_dir(i);
		const char *nm = names + dirs[i].names;
		size_t left = dirs[i].nnames;

		while (left > 0) {
			unsigned batch = left > QUEUE ? QUEUE : (unsigned)left;
			struct io_uring_cqe *cqe;

			for (unsigned k = 0; k < batch; k++, nm += strlen(nm) + 1) {
				struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

				io_uring_prep_statx(sqe, fd, nm, AT_SYMLINK_NOFOLLOW, STATX_SIZE,
						    &stx[k]);
				io_uring_sqe_set_data64(sqe, k);
			}
			if (io_uring_submit_and_wait(ring, batch) < 0)
				bench_die("io_uring_submit_and_wait");
			for (unsigned k = 0; k < batch; k++) {
				if (io_uring_wait_cqe(ring, &cqe) < 0)
					bench_die("io_uring_wait_cqe");
				if (cqe->res == 0)
					bytes += stx[cqe->user_data].stx_size;
				io_uring_cqe_seen(ring, cqe);
			}
			left -= batch;
		}
		close(fd);
	}
	return bytes;
}

int main(int argc, char **argv)
{
	const char *root = "/usr";
	double t[2][MAX_REPS], c[2][MAX_REPS];
	int reps = 7, opt;
	struct io_uring ring;
	uint64_t a, b;
	size_t entries = 0;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt == 'n')
			reps = atoi(optarg);
		else
			return 2;
	}
	if (reps < 1 || reps > MAX_REPS)
		reps = 7;
	if (optind < argc)
		root = argv[optind];
	if (io_uring_queue_init(QUEUE, &ring, 0) < 0) {
		printf("io_uring not available here: nothing to compare\n");
		return 0;
	}
	collect(root);
	collect_names();
	for (size_t i = 0; i < ndirs; i++)
		entries += dirs[i].nnames;
	a = with_fstatat();
	b = with_uring(&ring);
	printf("%s: %zu directories, %zu entries\n", root, ndirs, entries);
	if (a != b) {
		printf("  MISMATCH: fstatat %llu bytes, io_uring statx %llu\n",
		       (unsigned long long)a, (unsigned long long)b);
		return 1;
	}
	for (int r = 0; r < reps; r++) {
		for (int k = 0; k < 2; k++) {
			double t0 = bench_now(), c0 = bench_cpu_now();

			if ((k + r) % 2 == 0)
				with_fstatat();
			else
				with_uring(&ring);
			t[(k + r) % 2][r] = bench_now() - t0;
			c[(k + r) % 2][r] = bench_cpu_now() - c0;
		}
	}
	printf("  medians of %d rounds: fstatat %.0f ms (CPU of this process %.0f ms), "
	       "io_uring statx %.0f ms (%.0f ms, its io-wq workers not counted)\n"
	       "  io_uring/fstatat = %.2fx wall\n",
	       reps, bench_median(t[0], reps) * 1e3, bench_median(c[0], reps) * 1e3,
	       bench_median(t[1], reps) * 1e3, bench_median(c[1], reps) * 1e3,
	       bench_median(t[1], reps) / bench_median(t[0], reps));
	io_uring_queue_exit(&ring);
	return 0;
}
