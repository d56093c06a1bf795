/*
 * Counting the regular files of a tree: libosx osx_walk against glibc nftw,
 * glibc fts, a bare recursive openat + getdents64 loop (the lower bound),
 * and, as commands printing every path to /dev/null, find, bfs and
 * osx-find.  Warm cache (one untimed pass first), rounds interleaving the
 * walkers, medians and ratios printed; the in-process counts must agree.
 *
 * Also the parallel walk (osx_walk_parallel, 2 workers) against the single
 * one and the bare loop, and as osx-find -j 2 -type f against bfs 4 (its
 * default threads and -j1) and fdfind -u; and the stat-heavy walks: du -sb
 * against osx-du -sb (-j 1, and -j 2: its default on 2 CPUs), bfs -printf
 * %s and the stat walks in this process.  The parallel walk must give the single walk's
 * set of events (a hash of every event's kind and path, summed).
 *
 * bench-walk [-n REPS] [-e OSX_FIND] [-u OSX_DU] [-B BFS4] [-D] [ROOT...]
 * Without ROOT: a generated tree of 500 000 entries under $TMPDIR (or
 * /tmp); then osx_rmtree against rm -rf on fresh copies of 200 000; then
 * /usr; then deep chains (-D: only those): time per level and peak RSS of
 * a chain of 500 to 16 000 directories, osx_walk against bfs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <limits.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <osx/osx.h>

#include "bench.h"

#define MAX_REPS 64
#define GEN_ENTRIES 500000
#define RM_ENTRIES 200000
#define GEN_MAX_DEPTH 7

/* What a walker found: regular files and all non-directories.  fts with
 * FTS_NOSTAT cannot tell a regular file from a symlink (no stat, and
 * glibc's FTSENT has no d_type), so it only reports the second. */
struct count {
	long long reg, nondir;
};

/* ---- the walkers ---- */

static struct count count_osx(const char *root)
{
	struct count c = { 0, 0 };
	osx_walk_entry *ev;
	osx_error err;
	osx_walk *w = osx_walk_open(root, NULL, &err);

	if (!w)
		bench_die("osx_walk_open");
	while (osx_walk_next(w, &ev) == 1) {
		if (ev->event == OSX_WALK_FILE) {
			c.nondir++;
			c.reg += ev->ent.type == DT_REG;
		} else if (ev->event == OSX_WALK_ERROR) {
			c.nondir = c.reg = -1;
			break;
		}
	}
	osx_walk_close(w);
	return c;
}

static struct count nftw_count;

static int nftw_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (type == FTW_F || type == FTW_SL || type == FTW_SLN) {
		nftw_count.nondir++;
		nftw_count.reg += S_ISREG(st->st_mode);
	} else if (type == FTW_NS || type == FTW_DNR) {
		return 1;
	}
	return 0;
}

static struct count count_nftw(const char *root)
{
	nftw_count = (struct count){ 0, 0 };
	if (nftw(root, nftw_cb, 64, FTW_PHYS) != 0)
		nftw_count.reg = nftw_count.nondir = -1;
	return nftw_count;
}

/*
 * FTS_NOSTAT with FTS_PHYSICAL: glibc stats the directories (and entries
 * of unknown d_type) only; every other entry is FTS_NSOK, its fts_statp
 * undefined.  So only the non-directories can be counted.
 */
static struct count count_fts(const char *root)
{
	struct count c = { -1, 0 };
	char *roots[] = { (char *)root, NULL };
	FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOSTAT | FTS_NOCHDIR, NULL);
	FTSENT *e;

	if (!fts)
		bench_die("fts_open");
	while ((e = fts_read(fts))) {
		switch (e->fts_info) {
		case FTS_D:
		case FTS_DP:
		case FTS_DOT:
			break;
		case FTS_DNR:
		case FTS_ERR:
		case FTS_NS:
			c.nondir = -1;
			break;
		default:
			c.nondir += c.nondir >= 0;
		}
	}
	fts_close(fts);
	return c;
}

/* The bare loop: one 64 KiB buffer per level, no path, no allocation per
 * entry.  A DT_UNKNOWN entry is stat'ed, as every walker must. */
static char *bare_bufs[256];

static int bare_dir(int fd, unsigned depth, struct count *c)
{
	char *buf;
	ssize_t n;

	if (depth >= sizeof(bare_bufs) / sizeof(bare_bufs[0]))
		return -1;
	if (!bare_bufs[depth] && !(bare_bufs[depth] = malloc(64 * 1024)))
		bench_die("malloc");
	buf = bare_bufs[depth];
	while ((n = getdents64(fd, buf, 64 * 1024)) > 0) {
		for (ssize_t pos = 0; pos < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + pos);
			unsigned char type = d->d_type;
			struct stat st;
			int sub;

			pos += d->d_reclen;
			if (d->d_name[0] == '.' &&
			    (!d->d_name[1] || (d->d_name[1] == '.' && !d->d_name[2])))
				continue;
			if (type == DT_UNKNOWN) {
				if (fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
					return -1;
				type = (unsigned char)IFTODT(st.st_mode);
			}
			if (type != DT_DIR) {
				c->nondir++;
				c->reg += type == DT_REG;
				continue;
			}
			sub = openat(fd, d->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0 || bare_dir(sub, depth + 1, c) < 0) {
				if (sub >= 0)
					close(sub);
				return -1;
			}
			close(sub);
		}
	}
	return n < 0 ? -1 : 0;
}

static struct count count_bare(const char *root)
{
	struct count c = { 0, 0 };
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || bare_dir(fd, 0, &c) < 0)
		c.reg = c.nondir = -1;
	if (fd >= 0)
		close(fd);
	return c;
}

/* ---- external commands ---- */

/* Run argv with stdout to fd out (stderr to /dev/null); exit status.
 * *maxrss_kib (may be NULL) gets the child's peak RSS. */
static int run_rss(char *const argv[], int out, long *maxrss_kib)
{
	struct rusage ru;
	pid_t pid = fork();
	int st;

	if (pid < 0)
		bench_die("fork");
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null < 0 || dup2(out >= 0 ? out : null, 1) < 0 || dup2(null, 2) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) < 0)
		bench_die("wait4");
	if (maxrss_kib)
		*maxrss_kib = ru.ru_maxrss;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run(char *const argv[], int out)
{
	return run_rss(argv, out, NULL);
}

/* The lines a command prints: its entry count, to check once. */
static long long run_count_lines(char *const argv[])
{
	char buf[1 << 16];
	long long lines = 0;
	FILE *tmp = tmpfile();
	size_t n;

	if (!tmp)
		bench_die("tmpfile");
	if (run(argv, fileno(tmp)) != 0)
		lines = -1;
	rewind(tmp);
	while (lines >= 0 && (n = fread(buf, 1, sizeof(buf), tmp)) > 0) {
		for (size_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	}
	fclose(tmp);
	return lines;
}

/* ---- the parallel walk and the stat walks ---- */

/* Per worker, a cache line apart. */
struct wcount {
	struct count c;
	unsigned long long hash, bytes;
	char pad[64 - 2 * sizeof(long long) - sizeof(struct count) % 64];
};

static int hashing; /* the warm-up pass: hash every event, to compare sets */

/* An event's hash; summed, the sum is the set's, in any order. */
static unsigned long long ev_hash(const osx_walk_entry *ev)
{
	unsigned long long h = 0xcbf29ce484222325u ^ (unsigned)ev->event;

	for (size_t i = 0; i < ev->pathlen; i++)
		h = (h ^ (unsigned char)ev->path[i]) * 0x100000001b3u;
	return h * 0x9e3779b97f4a7c15u;
}

/* Count (and with stat, add up every entry's lstat size, as du -b). */
static int count_event(struct wcount *wc, osx_walk_entry *ev, int stat)
{
	osx_stat_result st;

	if (hashing)
		wc->hash += ev_hash(ev);
	if (ev->event == OSX_WALK_ERROR) {
		wc->c.reg = wc->c.nondir = LLONG_MIN / 2;
		return OSX_WALK_CONTINUE;
	}
	if (stat && ev->event != OSX_WALK_DIR_POST &&
	    osx_dirent_stat(&ev->ent, 0, &st, NULL) == 0)
		wc->bytes += (unsigned long long)st.size;
	if (ev->event == OSX_WALK_FILE) {
		wc->c.nondir++;
		wc->c.reg += ev->ent.type == DT_REG;
	}
	return OSX_WALK_CONTINUE;
}

static int par_cb(osx_walk_entry *ev, unsigned worker, void *arg)
{
	return count_event((struct wcount *)arg + worker, ev, 0);
}

static int par_stat_cb(osx_walk_entry *ev, unsigned worker, void *arg)
{
	return count_event((struct wcount *)arg + worker, ev, 1);
}

/* osx_walk_parallel with threads workers: the counts, the hash and the
 * bytes added up. */
static struct wcount count_par(const char *root, unsigned threads, int stat)
{
	struct wcount wc[8], sum;

	memset(wc, 0, sizeof(wc));
	memset(&sum, 0, sizeof(sum));
	if (osx_walk_parallel(AT_FDCWD, root, NULL, threads, stat ? par_stat_cb : par_cb, wc,
			      NULL) != 0)
		bench_die("osx_walk_parallel");
	for (unsigned i = 0; i < threads; i++) {
		sum.c.reg += wc[i].c.reg;
		sum.c.nondir += wc[i].c.nondir;
		sum.hash += wc[i].hash;
		sum.bytes += wc[i].bytes;
	}
	return sum;
}

/* The single walk, the same way. */
static struct wcount count_one(const char *root, int stat)
{
	struct wcount wc;
	osx_walk_entry *ev;
	osx_walk *w = osx_walk_open(root, NULL, NULL);

	memset(&wc, 0, sizeof(wc));
	if (!w)
		bench_die("osx_walk_open");
	while (osx_walk_next(w, &ev) == 1)
		count_event(&wc, ev, stat);
	osx_walk_close(w);
	return wc;
}

/* ---- one root ---- */

enum {
	/* in this process */
	W_OSX, W_PAR, W_NFTW, W_FTS, W_BARE, W_STAT, W_STATPAR,
	/* commands: every entry printed */
	W_FIND, W_BFS, W_OSXFIND,
	/* commands: the regular files printed */
	W_OSXFIND_F, W_OSXFIND_J2, W_BFS4, W_BFS4_J1, W_FD,
	/* commands: the total size */
	W_DU, W_OSXDU, W_OSXDU_J2, W_BFS_SIZE,
	NW
};
#define W_CMDS W_FIND

static const char *const wname[NW] = {
	"osx_walk", "osx_walk_parallel(2)", "nftw", "fts", "bare getdents64",
	"stat walk", "stat walk parallel(2)",
	"find", "bfs", "osx-find",
	"osx-find -type f", "osx-find -j 2 -type f", "bfs4 -type f", "bfs4 -j1 -type f",
	"fdfind -u -t f",
	"du -sb", "osx-du -sb -j 1", "osx-du -sb -j 2", "bfs -printf %s",
};

struct peers {
	const char *osx_find, *osx_du, *bfs4;
	int have_bfs, have_fd;
};

static int bench_root(const char *root, const struct peers *pe, int reps)
{
	const char *bfs4 = pe->bfs4 ? pe->bfs4 : "bfs";
	char *cmds[NW][8] = {
		[W_FIND] = { "find", (char *)root, "-mindepth", "1" },
		[W_BFS] = { "bfs", (char *)root, "-mindepth", "1" },
		[W_OSXFIND] = { (char *)pe->osx_find, (char *)root },
		[W_OSXFIND_F] = { (char *)pe->osx_find, "-type", "f", (char *)root },
		[W_OSXFIND_J2] = { (char *)pe->osx_find, "-j", "2", "-type", "f", (char *)root },
		[W_BFS4] = { (char *)pe->bfs4, (char *)root, "-type", "f" },
		[W_BFS4_J1] = { (char *)pe->bfs4, "-j1", (char *)root, "-type", "f" },
		[W_FD] = { "fdfind", "-u", "-t", "f", ".", (char *)root },
		[W_DU] = { "du", "-sb", (char *)root },
		[W_OSXDU] = { (char *)pe->osx_du, "-sb", "-j", "1", (char *)root },
		[W_OSXDU_J2] = { (char *)pe->osx_du, "-sb", "-j", "2", (char *)root },
		[W_BFS_SIZE] = { (char *)bfs4, (char *)root, "-printf", "%s\n" },
	};
	double t[NW][MAX_REPS], med[NW], cpu[W_CMDS][MAX_REPS], cmed[W_CMDS];
	struct count c[NW];
	struct wcount one, par, stat1, stat2;
	long long lines[NW];
	int on[NW], bad = 0;

	for (int k = 0; k < NW; k++)
		on[k] = k < W_CMDS || cmds[k][0];
	on[W_BFS] = on[W_BFS_SIZE] = pe->have_bfs;
	on[W_FD] = pe->have_fd;

	/* The warm-up pass, which also takes the counts and the sets. */
	c[W_OSX] = count_osx(root);
	hashing = 1;
	one = count_one(root, 0);
	par = count_par(root, 2, 0);
	hashing = 0;
	c[W_PAR] = par.c;
	c[W_NFTW] = count_nftw(root);
	c[W_FTS] = count_fts(root);
	c[W_BARE] = count_bare(root);
	stat1 = count_one(root, 1);
	stat2 = count_par(root, 2, 1);
	for (int k = W_CMDS; k < NW; k++)
		lines[k] = on[k] ? run_count_lines(cmds[k]) : 0;

	printf("%s: %lld regular files, %lld non-directories (osx_walk)\n", root,
	       c[W_OSX].reg, c[W_OSX].nondir);
	for (int k = W_PAR; k <= W_BARE; k++) {
		if ((k != W_FTS && c[k].reg != c[W_OSX].reg) || c[k].nondir != c[W_OSX].nondir) {
			printf("  MISMATCH: %s counted %lld regular files, %lld non-directories\n",
			       wname[k], c[k].reg, c[k].nondir);
			bad = 1;
		}
	}
	if (par.hash != one.hash) {
		printf("  MISMATCH: the parallel walk's set of events is not the single walk's\n");
		bad = 1;
	}
	if (stat1.bytes != stat2.bytes) {
		printf("  MISMATCH: stat walks: %llu bytes, parallel %llu\n", stat1.bytes,
		       stat2.bytes);
		bad = 1;
	}
	if (c[W_OSX].reg < 0) {
		printf("  MISMATCH: osx_walk reported an error\n");
		bad = 1;
	}
	for (int k = W_CMDS; k < NW; k++) {
		long long want = k <= W_OSXFIND ? lines[W_FIND] : k <= W_FD ? c[W_OSX].reg
				 : k == W_BFS_SIZE ? c[W_OSX].nondir : 1;

		/* bfs -printf lists the directories too */
		if (on[k] && lines[k] != want && k != W_BFS_SIZE)
			printf("  note: %s printed %lld lines, expected %lld\n", wname[k],
			       lines[k], want);
	}
	if (bad)
		return -1;

	/* Rounds run every walker once, so drift hits them all alike. */
	for (int r = 0; r < reps; r++) {
		for (int k = 0; k < NW; k++) {
			double t0, c0 = bench_cpu_now();

			if (!on[k])
				continue;
			t0 = bench_now();
			switch (k) {
			case W_OSX:
				count_osx(root);
				break;
			case W_PAR:
				count_par(root, 2, 0);
				break;
			case W_NFTW:
				count_nftw(root);
				break;
			case W_FTS:
				count_fts(root);
				break;
			case W_BARE:
				count_bare(root);
				break;
			case W_STAT:
				count_one(root, 1);
				break;
			case W_STATPAR:
				count_par(root, 2, 1);
				break;
			default:
				if (run(cmds[k], -1) != 0 && k != W_FD && k != W_DU)
					fprintf(stderr, "%s failed on %s\n", wname[k], root);
			}
			t[k][r] = bench_now() - t0;
			if (k < W_CMDS)
				cpu[k][r] = bench_cpu_now() - c0;
		}
	}
	for (int k = 0; k < W_CMDS; k++)
		cmed[k] = bench_median(cpu[k], reps);
	printf("  medians of %d rounds (ms):\n   ", reps);
	for (int k = 0; k < NW; k++) {
		if (on[k]) {
			med[k] = bench_median(t[k], reps);
			printf(" %s %.1f%s", wname[k], med[k] * 1e3, k < NW - 1 ? "," : "");
		}
		if (k == W_STATPAR || k == W_OSXFIND || k == W_FD)
			printf("\n   ");
	}
	printf("\n  walk/bare = %.2fx (goal <= 1.1x), walk/nftw = %.2fx, walk/fts = %.2fx\n",
	       med[W_OSX] / med[W_BARE], med[W_OSX] / med[W_NFTW], med[W_OSX] / med[W_FTS]);
	printf("  parallel(2)/walk = %.2fx, parallel(2)/bare = %.2fx (goal <= 0.65x)\n",
	       med[W_PAR] / med[W_OSX], med[W_PAR] / med[W_BARE]);
	/* On a loaded machine the wall time says little about 2 cores: the
	 * CPU time says what the second worker costs. */
	printf("  CPU time (ms): osx_walk %.0f, parallel(2) %.0f (%.2fx), bare %.0f, stat walk %.0f, "
	       "stat walk parallel(2) %.0f (%.2fx)\n", cmed[W_OSX] * 1e3, cmed[W_PAR] * 1e3,
	       cmed[W_PAR] / cmed[W_OSX], cmed[W_BARE] * 1e3, cmed[W_STAT] * 1e3,
	       cmed[W_STATPAR] * 1e3, cmed[W_STATPAR] / cmed[W_STAT]);
	if (on[W_OSXFIND]) {
		printf("  osx-find/find = %.2fx", med[W_OSXFIND] / med[W_FIND]);
		if (on[W_BFS])
			printf(", osx-find/bfs = %.2fx", med[W_OSXFIND] / med[W_BFS]);
		printf("\n");
		printf("  regular files: osx-find -j 2/osx-find = %.2fx",
		       med[W_OSXFIND_J2] / med[W_OSXFIND_F]);
		if (on[W_BFS4])
			printf(", osx-find -j 2/bfs4 default = %.2fx (goal <= 0.8x), "
			       "osx-find -j 2/bfs4 -j1 = %.2fx, osx-find/bfs4 -j1 = %.2fx, "
			       "parallel(2)/bfs4 default = %.2fx",
			       med[W_OSXFIND_J2] / med[W_BFS4], med[W_OSXFIND_J2] / med[W_BFS4_J1],
			       med[W_OSXFIND_F] / med[W_BFS4_J1], med[W_PAR] / med[W_BFS4]);
		if (on[W_FD])
			printf(", osx-find -j 2/fdfind = %.2fx", med[W_OSXFIND_J2] / med[W_FD]);
		printf("\n");
	}
	if (on[W_OSXDU])
		printf("  sizes: osx-du -sb -j 1/du -sb = %.2fx, osx-du -sb -j 2/du -sb = %.2fx "
		       "(goal <= 0.6x), stat walk/du = %.2fx, stat walk parallel(2)/du = %.2fx, "
		       "bfs -printf/du = %.2fx\n",
		       med[W_OSXDU] / med[W_DU], med[W_OSXDU_J2] / med[W_DU],
		       med[W_STAT] / med[W_DU], med[W_STATPAR] / med[W_DU],
		       on[W_BFS_SIZE] ? med[W_BFS_SIZE] / med[W_DU] : 0);
	fflush(stdout);
	return 0;
}

/* ---- the generated tree ---- */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
	/* xorshift64*: deterministic, so every run builds the same shape. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 0x2545f4914f6cdd1du) >> 33) % n;
}

static void gen_file(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		bench_die("openat");
	close(fd);
}

/*
 * Put n entries below dirfd: a few dozen files here (one in 25 a symlink,
 * some dangling), and the rest spread unevenly over up to 12
 * subdirectories, until depth GEN_MAX_DEPTH.
 */
static void gen(int dirfd, unsigned depth, long n)
{
	long here, nsub = 0, left, share;
	char name[64];

	if (depth < GEN_MAX_DEPTH && n > 40)
		nsub = 1 + rnd(12);
	here = nsub ? 4 + rnd(60) : n;
	if (here > n - nsub)
		here = n - nsub;
	for (long i = 0; i < here; i++) {
		/* Name lengths from 2 to 40 bytes, like real trees. */
		snprintf(name, sizeof(name), "f%ld-%.*s", i, (int)rnd(36),
			 "abcdefghijklmnopqrstuvwxyz0123456789");
		if (rnd(25) == 0) {
			name[0] = 'l';
			if (symlinkat(rnd(3) ? "f0-" : "../missing", dirfd, name) < 0)
				bench_die("symlinkat");
		} else {
			gen_file(dirfd, name);
		}
	}
	left = n - here - nsub;
	for (long i = 0; i < nsub; i++) {
		int fd;

		/* The last subdirectory takes the rest; the others a random part. */
		share = i == nsub - 1 ? left : (long)rnd((unsigned)(2 * left / (nsub - i)) + 1);
		if (share > left)
			share = left;
		left -= share;
		snprintf(name, sizeof(name), "d%ld", i);
		if (mkdirat(dirfd, name, 0755) < 0)
			bench_die("mkdirat");
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			bench_die("openat");
		gen(fd, depth + 1, share);
		close(fd);
	}
}

static double make_tree(const char *path, long entries)
{
	double t0 = bench_now();
	int fd;

	rng = 0x9e3779b97f4a7c15u;
	if (mkdir(path, 0755) < 0)
		bench_die(path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		bench_die(path);
	gen(fd, 0, entries);
	close(fd);
	return bench_now() - t0;
}

/* ---- deep chains ---- */

/* A chain of depth directories named "d" under base/name. */
static void make_chain(const char *path, int depth)
{
	int fd;

	if (mkdir(path, 0755) < 0)
		bench_die(path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; fd >= 0 && i < depth; i++) {
		int sub;

		if (mkdirat(fd, "d", 0755) < 0)
			bench_die("mkdirat");
		sub = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = sub;
	}
	if (fd < 0)
		bench_die("openat");
	close(fd);
}

/*
 * Per level: the walk's time divided by the depth, at each depth, and the
 * ratio of the deepest to the shallowest (flat: ~1.0); osx_walk against
 * bfs, each timed over enough walks of the chain to take a few ms.  Peak
 * RSS of osx-find -count and bfs over each chain (their ru_maxrss).
 */
static int bench_deep(const char *base, const char *osx_find, int have_bfs, int reps)
{
	static const int depths[] = { 500, 2000, 8000, 16000 };
	enum { ND = sizeof(depths) / sizeof(depths[0]) };
	double per_level[ND][2];
	char path[ND][4200];
	int status = 0;

	for (int d = 0; d < ND; d++) {
		snprintf(path[d], sizeof(path[d]), "%s/chain%d", base, depths[d]);
		make_chain(path[d], depths[d]);
	}
	printf("deep chains (medians of %d rounds, osx_walk and bfs interleaved):\n", reps);
	for (int d = 0; d < ND; d++) {
		char *bfs_argv[] = { "bfs", path[d], "-mindepth", "1", NULL };
		char *find_argv[] = { (char *)osx_find, "-count", path[d], NULL };
		int k = 16000 / depths[d] > 1 ? 16000 / depths[d] : 1;
		double t[2][MAX_REPS];
		long rss_osx = 0, rss_bfs = 0;
		struct count c = count_osx(path[d]);

		if (c.nondir != 0) {
			printf("  MISMATCH: chain %d: %lld non-directories\n", depths[d], c.nondir);
			status = -1;
		}
		if (have_bfs)
			run(bfs_argv, -1); /* warm */
		for (int r = 0; r < reps; r++) {
			double t0 = bench_now();

			for (int i = 0; i < k; i++)
				count_osx(path[d]);
			t[0][r] = (bench_now() - t0) / k;
			t0 = bench_now();
			for (int i = 0; have_bfs && i < k; i++)
				run(bfs_argv, -1);
			t[1][r] = (bench_now() - t0) / k;
		}
		per_level[d][0] = bench_median(t[0], reps) / depths[d];
		per_level[d][1] = have_bfs ? bench_median(t[1], reps) / depths[d] : 0;
		if (osx_find)
			run_rss(find_argv, -1, &rss_osx);
		if (have_bfs)
			run_rss(bfs_argv, -1, &rss_bfs);
		printf("  depth %5d: per level osx_walk %.2f us, bfs %.2f us (osx/bfs %.2fx); "
		       "peak RSS osx-find %.1f MiB, bfs %.1f MiB\n",
		       depths[d], per_level[d][0] * 1e6, per_level[d][1] * 1e6,
		       have_bfs ? per_level[d][0] / per_level[d][1] : 0, rss_osx / 1024.0,
		       rss_bfs / 1024.0);
		fflush(stdout);
	}
	printf("  per level, depth %d / depth %d: osx_walk %.2fx (goal <= 1.2x), bfs %.2fx\n",
	       depths[ND - 1], depths[0], per_level[ND - 1][0] / per_level[0][0],
	       have_bfs ? per_level[ND - 1][1] / per_level[0][1] : 0);
	for (int d = 0; d < ND; d++) {
		osx_error err;

		if (osx_rmtree(path[d], NULL, NULL, &err) < 0)
			bench_die("osx_rmtree");
	}
	return status;
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	struct peers pe = { NULL, NULL, NULL, 0, 0 };
	char base[4096], tree[4200], copy[4200];
	int reps = 9, opt, status = 0, deep_only = 0;
	char *bfs_argv[] = { "bfs", "-version", NULL };
	char *fd_argv[] = { "fdfind", "--version", NULL };

	while ((opt = getopt(argc, argv, "n:e:u:B:D")) != -1) {
		if (opt == 'n')
			reps = atoi(optarg);
		else if (opt == 'D')
			deep_only = 1;
		else if (opt == 'e')
			pe.osx_find = optarg;
		else if (opt == 'u')
			pe.osx_du = optarg;
		else if (opt == 'B')
			pe.bfs4 = optarg;
		else
			return 2;
	}
	if (reps < 1 || reps > MAX_REPS)
		reps = 9;
	if (pe.osx_find && access(pe.osx_find, X_OK) != 0)
		pe.osx_find = NULL;
	if (pe.osx_du && access(pe.osx_du, X_OK) != 0)
		pe.osx_du = NULL;
	if (pe.bfs4 && access(pe.bfs4, X_OK) != 0)
		pe.bfs4 = NULL;
	pe.have_bfs = run(bfs_argv, -1) == 0;
	pe.have_fd = run(fd_argv, -1) == 0;
	if (!pe.have_bfs)
		printf("bfs not installed: no osx-find/bfs ratio\n");
	if (!pe.bfs4)
		printf("no bfs 4 (-B PATH): no parallel bfs ratios\n");
	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			status |= bench_root(argv[i], &pe, reps) < 0;
		return status;
	}

	snprintf(base, sizeof(base), "%s/osx-bench-walk-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(base))
		bench_die("mkdtemp");
	if (deep_only) {
		status |= bench_deep(base, pe.osx_find, pe.have_bfs, reps) < 0;
		if (rmdir(base) < 0)
			bench_die("rmdir");
		return status;
	}
	snprintf(tree, sizeof(tree), "%s/tree", base);
	snprintf(copy, sizeof(copy), "%s/copy", base);
	printf("generated tree: %d entries, depth <= %d, made in %.1f s\n", GEN_ENTRIES,
	       GEN_MAX_DEPTH + 1, make_tree(tree, GEN_ENTRIES));
	fflush(stdout);
	status |= bench_root(tree, &pe, reps) < 0;

	/* Removal, on two fresh equal copies per round, synced before each
	 * removal so neither pays for the other's writeback; the order
	 * alternates, as the disk's state drifts. */
	{
		double t_osx[3], t_rm[3], m_osx, m_rm;
		osx_error err;

		if (osx_rmtree(tree, NULL, NULL, &err) < 0)
			bench_die("osx_rmtree");
		for (int r = 0; r < 3; r++) {
			char *rm_argv[] = { "rm", "-rf", copy, NULL };

			make_tree(tree, RM_ENTRIES);
			make_tree(copy, RM_ENTRIES);
			for (int k = 0; k < 2; k++) {
				double t0;

				sync();
				t0 = bench_now();
				if ((k + r) % 2 == 0) {
					if (osx_rmtree(tree, NULL, NULL, &err) < 0)
						bench_die("osx_rmtree");
					t_osx[r] = bench_now() - t0;
				} else {
					if (run(rm_argv, -1) != 0)
						bench_die("rm -rf");
					t_rm[r] = bench_now() - t0;
				}
			}
		}
		m_osx = bench_median(t_osx, 3);
		m_rm = bench_median(t_rm, 3);
		printf("  removal of %d entries, medians of 3 runs: osx_rmtree %.0f ms, rm -rf "
		       "%.0f ms, osx_rmtree/rm = %.2fx\n", RM_ENTRIES, m_osx * 1e3, m_rm * 1e3,
		       m_osx / m_rm);
	}
	status |= bench_root("/usr", &pe, reps) < 0;
	status |= bench_deep(base, pe.osx_find, pe.have_bfs, reps) < 0;
	if (rmdir(base) < 0)
		bench_die("rmdir");
	return status;
}
