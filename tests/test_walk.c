/* osx_walk, osx_fwalk and osx_rmtree on generated trees. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "shim.h"

/* ---- building trees (plain libc: the library is what is tested) ---- */

static const char *vtpath(const char *fmt, va_list ap)
{
	/* A few at once: rename(tpath(...), tpath(...)). */
	static char bufs[4][PATH_MAX + 512];
	static unsigned next;
	char rel[PATH_MAX], *buf = bufs[next++ % 4];

	vsnprintf(rel, sizeof(rel), fmt, ap);
	snprintf(buf, sizeof(bufs[0]), "%s/%s", osx_test_tmpdir(), rel);
	return buf;
}

/* A path under the test's directory. */
static const char *tpath(const char *fmt, ...)
{
	const char *p;
	va_list ap;

	va_start(ap, fmt);
	p = vtpath(fmt, ap);
	va_end(ap);
	return p;
}

static void mkd(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	assert_int_equal(mkdir(vtpath(fmt, ap), 0755), 0);
	va_end(ap);
}

static void mkf(const char *fmt, ...)
{
	va_list ap;
	int fd;

	va_start(ap, fmt);
	fd = open(vtpath(fmt, ap), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	va_end(ap);
	assert_true(fd >= 0);
	close(fd);
}

static void mkl(const char *target, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	assert_int_equal(symlink(target, vtpath(fmt, ap)), 0);
	va_end(ap);
}

static void mksock(const char *rel)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	/* bind() takes at most 107 bytes: bind a short name from the dir. */
	assert_true(s >= 0 && cwd >= 0);
	assert_int_equal(chdir(osx_test_tmpdir()), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", rel);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(fchdir(cwd), 0);
	close(s);
	close(cwd);
}

/* The small tree most tests use, and how a sorted walk of it starts. */
#define SMALL_TREE_START "D r\nD r/a\nD r/a/b\nF r/a/b/f3\nP r/a/b\nF r/a/f2\n"
static void small_tree(void)
{
	mkd("r");
	mkd("r/a");
	mkd("r/a/b");
	mkf("r/a/b/f3");
	mkf("r/a/f2");
	mkf("r/f1");
	mkl("a", "r/la");
	mkl("nowhere", "r/dang");
}

/* ---- recording walks ---- */

/* Every event as "<kind> <path relative to the tmpdir>\n", in order. */
struct log {
	char text[16384];
	size_t len;
	unsigned errors;
	osx_error first;
};

static char kind(const osx_walk_entry *e)
{
	switch (e->event) {
	case OSX_WALK_FILE:
		return 'F';
	case OSX_WALK_DIR:
		return 'D';
	case OSX_WALK_DIR_POST:
		return e->error.code ? 'E' : 'P';
	default:
		return 'X';
	}
}

static void log_event(struct log *lg, const osx_walk_entry *e)
{
	size_t skip = strlen(osx_test_tmpdir()) + 1;
	int n;

	assert_int_equal(strlen(e->path), e->pathlen);
	assert_true(e->pathlen >= skip);
	n = snprintf(lg->text + lg->len, sizeof(lg->text) - lg->len, "%c %s\n", kind(e),
		     e->path + skip);
	assert_true(n > 0 && (size_t)n < sizeof(lg->text) - lg->len);
	lg->len += (size_t)n;
	if ((e->event == OSX_WALK_ERROR || e->error.code) && !lg->errors++)
		lg->first = e->error;
}

/* Walk root (relative to the tmpdir) and log it; prune the directory prune
 * (relative too). */
static void walk_log(const char *root, unsigned flags, unsigned max_depth, const char *prune,
		     struct log *lg)
{
	osx_walk_options opt = { flags, max_depth };
	osx_walk_entry *e;
	osx_error err;
	osx_walk *w;

	memset(lg, 0, sizeof(*lg));
	w = osx_walk_open(tpath("%s", root), &opt, &err);
	assert_non_null(w);
	while (osx_walk_next(w, &e) == 1) {
		log_event(lg, e);
		if (prune && e->event == OSX_WALK_DIR &&
		    !strcmp(e->path + strlen(osx_test_tmpdir()) + 1, prune))
			osx_walk_prune(w);
	}
	assert_int_equal(osx_walk_next(w, &e), 0);
	osx_walk_close(w);
}

/* ---- walk ---- */

static void events_in_order(void **state)
{
	struct log lg;

	(void)state;
	small_tree();
	walk_log("r", OSX_WALK_SORT, 0, NULL, &lg);
	assert_string_equal(lg.text,
			    SMALL_TREE_START
			    "P r/a\n"
			    "F r/dang\n"
			    "F r/f1\n"
			    "F r/la\n"
			    "P r\n");
	/* Unsorted: the same events as a set, and a root with a '/'. */
	walk_log("r/", 0, 0, NULL, &lg);
	assert_int_equal(lg.errors, 0);
	assert_non_null(strstr(lg.text, "F r/a/b/f3\n"));
	assert_null(strstr(lg.text, "//"));
}

/* The entry fields: depth, d_type, the fds, and osx_dirent_* on ent. */
static void entry_fields(void **state)
{
	osx_walk_entry *e;
	osx_error err;
	osx_walk *w;
	osx_stat_result st;
	int n = 0;

	(void)state;
	small_tree();
	mkd("r/a/b/c");
	w = osx_walk_open(tpath("r"), NULL, &err);
	assert_non_null(w);
	while (osx_walk_next(w, &e) == 1) {
		const char *slash = strrchr(e->path, '/');
		unsigned depth = 0;
		const char *p;

		char joined[PATH_MAX];

		n++;
		assert_string_equal(e->ent.name, e->depth ? slash + 1 : e->path);
		assert_int_equal(osx_dirent_path(&e->ent, joined, sizeof(joined)), e->pathlen);
		assert_string_equal(joined, e->path);
		assert_int_equal(strlen(e->ent.name), e->ent.namelen);
		for (p = e->path + strlen(tpath("r")); *p; p++)
			depth += *p == '/';
		assert_int_equal(e->depth, depth);
		/* ent.dirfd is the parent: a stat through it is the entry's. */
		assert_int_equal(osx_dirent_stat(&e->ent, 0, &st, &err), 0);
		assert_int_equal(IFTODT(st.mode), e->ent.type);
		if (e->depth)
			assert_int_equal(st.ino, e->ent.ino);
		if (e->event == OSX_WALK_DIR || e->event == OSX_WALK_DIR_POST) {
			struct stat self;

			assert_true(e->fd >= 0);
			assert_int_equal(fstat(e->fd, &self), 0);
			assert_int_equal(self.st_ino, st.ino);
		} else {
			assert_int_equal(e->event, OSX_WALK_FILE);
			assert_int_equal(e->fd, -1);
		}
	}
	/* r, a, b, c twice each; f3, f2, f1, la, dang once. */
	assert_int_equal(n, 13);
	osx_walk_close(w);
}

/* One openat, the getdents64 calls and one close per directory: no stat
 * but the root's, as d_type is known on the file systems tests run on. */
static void syscalls_per_directory(void **state)
{
	unsigned long open0, dents0, close0, stat0, fstat0;
	int i, ndirs = 20;
	osx_walk_entry *e;
	osx_walk *w;

	(void)state;
	mkd("r");
	for (i = 0; i < ndirs; i++) {
		mkd("r/d%d", i);
		mkf("r/d%d/file", i);
		mkl("file", "r/d%d/link", i);
	}
	open0 = osx__fault_count(OSX__SYS_openat);
	dents0 = osx__fault_count(OSX__SYS_getdents64);
	close0 = osx__fault_count(OSX__SYS_close);
	stat0 = osx__fault_count(OSX__SYS_statx);
	fstat0 = osx__fault_count(OSX__SYS_fstat);
	w = osx_walk_open(tpath("r"), NULL, NULL);
	assert_non_null(w);
	while (osx_walk_next(w, &e) == 1)
		assert_int_not_equal(e->event, OSX_WALK_ERROR);
	osx_walk_close(w);
	assert_int_equal(osx__fault_count(OSX__SYS_openat) - open0, ndirs + 1);
	assert_int_equal(osx__fault_count(OSX__SYS_getdents64) - dents0, 2 * (ndirs + 1));
	assert_int_equal(osx__fault_count(OSX__SYS_close) - close0, ndirs + 1);
	assert_int_equal(osx__fault_count(OSX__SYS_statx) - stat0, 1);
	assert_int_equal(osx__fault_count(OSX__SYS_fstat) - fstat0, 0);
}

static void follow_and_loops(void **state)
{
	struct log lg;

	(void)state;
	small_tree();
	mkl("..", "r/a/up");
	walk_log("r", OSX_WALK_FOLLOW | OSX_WALK_SORT, 0, NULL, &lg);
	assert_string_equal(lg.text,
			    SMALL_TREE_START
			    "X r/a/up\n"
			    "P r/a\n"
			    "F r/dang\n"
			    "F r/f1\n"
			    "D r/la\n"
			    "D r/la/b\n"
			    "F r/la/b/f3\n"
			    "P r/la/b\n"
			    "F r/la/f2\n"
			    "X r/la/up\n"
			    "P r/la\n"
			    "P r\n");
	assert_int_equal(lg.errors, 2);
	assert_int_equal(lg.first.code, ELOOP);
	assert_string_equal(lg.first.name, tpath("r/a/up"));

	/* Without FOLLOW the links are files and nothing loops. */
	walk_log("r", OSX_WALK_SORT, 0, NULL, &lg);
	assert_int_equal(lg.errors, 0);
	assert_non_null(strstr(lg.text, "F r/a/up\n"));

	/* A symlink as the root: a file, unless FOLLOW_ROOT (find -H). */
	mkl("r", "lr");
	walk_log("lr", 0, 0, NULL, &lg);
	assert_string_equal(lg.text, "F lr\n");
	walk_log("lr", OSX_WALK_FOLLOW_ROOT | OSX_WALK_SORT, 0, NULL, &lg);
	assert_non_null(strstr(lg.text, "D lr\nD lr/a\n"));
	assert_non_null(strstr(lg.text, "F lr/la\n"));
	assert_int_equal(lg.errors, 0);
}

static void prune_and_max_depth(void **state)
{
	struct log lg;
	osx_walk_options opt = { 0, 1 };
	osx_walk_entry *e;
	osx_walk *w;

	(void)state;
	small_tree();
	walk_log("r", OSX_WALK_SORT, 0, "r/a", &lg);
	assert_string_equal(lg.text, "D r\nD r/a\nF r/dang\nF r/f1\nF r/la\nP r\n");
	walk_log("r", OSX_WALK_SORT, 1, NULL, &lg);
	assert_string_equal(lg.text,
			    "D r\nD r/a\nP r/a\nF r/dang\nF r/f1\nF r/la\nP r\n");
	walk_log("r", OSX_WALK_SORT, 1, "r/a", &lg);
	assert_string_equal(lg.text, "D r\nD r/a\nF r/dang\nF r/f1\nF r/la\nP r\n");
	walk_log("r", OSX_WALK_SORT, 0, "r", &lg);
	assert_string_equal(lg.text, "D r\n");

	/* A directory not entered has no fd, and costs no openat. */
	w = osx_walk_open(tpath("r"), &opt, NULL);
	assert_non_null(w);
	while (osx_walk_next(w, &e) == 1)
		if (e->depth == 1 && e->ent.type == DT_DIR)
			assert_int_equal(e->fd, -1);
	osx_walk_close(w);
	/* prune anywhere else changes nothing. */
	w = osx_walk_open(tpath("r"), &(osx_walk_options){ OSX_WALK_SORT, 0 }, NULL);
	assert_non_null(w);
	memset(&lg, 0, sizeof(lg));
	while (osx_walk_next(w, &e) == 1) {
		log_event(&lg, e);
		if (e->event != OSX_WALK_DIR)
			osx_walk_prune(w);
	}
	osx_walk_close(w);
	assert_non_null(strstr(lg.text, "F r/a/b/f3\nP r/a/b\n"));
}

/* Every kind of entry and every awkward name, several buffers' worth. */
static void odd_names_and_types(void **state)
{
	static const char *odd[] = { "new\nline", " space", "-dash", "\xff\xfe bad utf-8" };
	int n = osx_test_under_valgrind() ? 1000 : 5000, i, found[8] = { 0 };
	unsigned long files = 0;
	char long_name[256];
	osx_walk_entry *e;
	osx_walk *w;
	size_t k;

	(void)state;
	mkd("r");
	mkd("r/big");
	for (i = 0; i < n; i++)
		mkf("r/big/entry-%05d-with-some-padding", i);
	for (k = 0; k < 4; k++) {
		mkd("r/%s", odd[k]);
		mkf("r/%s/%s", odd[k], odd[k]);
	}
	memset(long_name, 'n', 255);
	long_name[255] = '\0';
	mkf("r/%s", long_name);
	assert_int_equal(mkfifo(tpath("r/fifo"), 0644), 0);
	mksock("r/sock");

	w = osx_walk_open(tpath("r"), NULL, NULL);
	assert_non_null(w);
	while (osx_walk_next(w, &e) == 1) {
		assert_int_not_equal(e->event, OSX_WALK_ERROR);
		if (e->event != OSX_WALK_FILE)
			continue;
		files++;
		if (e->ent.type == DT_FIFO)
			found[0]++;
		if (e->ent.type == DT_SOCK)
			found[1]++;
		if (e->ent.namelen == 255)
			found[2]++;
		for (k = 0; k < 4; k++)
			if (!strcmp(e->ent.name, odd[k]) &&
			    !strcmp(e->path, tpath("r/%s/%s", odd[k], odd[k])))
				found[3 + k]++;
	}
	osx_walk_close(w);
	assert_int_equal(files, (unsigned long)n + 4 + 1 + 2);
	for (k = 0; k < 7; k++)
		assert_int_equal(found[k], 1);
	assert_int_equal(osx_rmtree(tpath("r"), NULL, NULL, NULL), 0);
	assert_int_equal(access(tpath("r"), F_OK), -1);
}

/* How many fds this process has open. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3; /* ".", ".." and the DIR's own */
}

/* Build a chain of `levels' directories named name under dfd; returns
 * an fd of the deepest (PATH_MAX does not limit *at calls). */
static int make_chain(int dfd, const char *name, int levels)
{
	int i, fd;

	for (i = 0; i < levels; i++) {
		assert_int_equal(mkdirat(dfd, name, 0755), 0);
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(fd >= 0);
		close(dfd);
		dfd = fd;
	}
	return dfd;
}

static void deeper_than_path_max(void **state)
{
	int levels = 300, dfd, fd, fds0, max_fds = 0, deepest = 0;
	char name[256];
	size_t longest = 0;
	unsigned dirs = 0, posts = 0, bottom = 0;
	osx_walk_entry *e;
	osx_walk *w;

	(void)state;
	mkd("r");
	memset(name, 'd', 255);
	name[255] = '\0';
	/* 20 levels of 255-byte names (5 KiB of path), then 300 short ones,
	 * more than the walk keeps open at once. */
	dfd = open(tpath("r"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dfd = make_chain(dfd, name, 20);
	dfd = make_chain(dfd, "s", levels);
	fd = openat(dfd, "bottom", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	close(dfd);

	fds0 = count_fds();
	w = osx_walk_open(tpath("r"), NULL, NULL);
	assert_non_null(w);
	while (osx_walk_next(w, &e) == 1) {
		assert_int_not_equal(e->event, OSX_WALK_ERROR);
		assert_int_equal(e->error.code, 0);
		dirs += e->event == OSX_WALK_DIR;
		posts += e->event == OSX_WALK_DIR_POST;
		if (e->pathlen > longest)
			longest = e->pathlen;
		if ((int)e->depth > deepest)
			deepest = (int)e->depth;
		if (e->event == OSX_WALK_FILE) {
			bottom++;
			assert_string_equal(e->ent.name, "bottom");
			/* dirfd still works at that depth. */
			assert_int_equal(faccessat(e->ent.dirfd, "bottom", F_OK, 0), 0);
			max_fds = count_fds() - fds0;
		}
		/* Every POST's parent fd is open: what rmtree needs. */
		if (e->event == OSX_WALK_DIR_POST && e->depth > 0)
			assert_int_equal(faccessat(e->ent.dirfd, e->ent.name, F_OK,
						   AT_SYMLINK_NOFOLLOW), 0);
	}
	osx_walk_close(w);
	assert_int_equal(bottom, 1);
	assert_int_equal(dirs, 1 + 20 + levels);
	assert_int_equal(posts, dirs);
	assert_int_equal(deepest, 20 + levels + 1);
	assert_true(longest > PATH_MAX);
	/* The fd budget held (64 directories at most). */
	assert_true(max_fds <= 64);
	assert_int_equal(osx_rmtree(tpath("r"), NULL, NULL, NULL), 0);
	assert_int_equal(access(tpath("r"), F_OK), -1);
}

/* Walk r (a 100-deep chain r/c/s/s/... and r/z-after) and, at depth 90,
 * when r and r/c are closed for the fd budget, move r/c/s away; and
 * replace r/c too when replace is set.  Logs the errors only. */
static void walk_and_move(int replace, struct log *lg)
{
	osx_walk_options opt = { OSX_WALK_SORT, 0 };
	int moved = 0, after = 0;
	osx_walk_entry *e;
	osx_walk *w;

	memset(lg, 0, sizeof(*lg));
	w = osx_walk_open(tpath("r"), &opt, NULL);
	assert_non_null(w);
	while (osx_walk_next(w, &e) == 1) {
		if (e->depth == 90 && e->event == OSX_WALK_DIR && !moved++) {
			assert_int_equal(rename(tpath("r/c/s"), tpath("away/s")), 0);
			if (replace) {
				assert_int_equal(rename(tpath("r/c"), tpath("away/c")), 0);
				mkd("r/c");
			}
		}
		after += !strcmp(e->ent.name, "z-after");
		if (e->event == OSX_WALK_ERROR || e->error.code)
			log_event(lg, e);
	}
	osx_walk_close(w);
	assert_int_equal(moved, 1);
	assert_int_equal(after, 1);
}

static void evicted_directory_moved(void **state)
{
	struct log lg;
	int dfd;

	(void)state;
	mkd("r");
	mkd("r/c");
	mkf("r/z-after");
	mkd("away");
	dfd = open(tpath("r/c"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(make_chain(dfd, "s", 100));
	/* ".." of the moved r/c/s is "away", not r/c: the walk finds r/c
	 * by name from r instead and goes on without an error. */
	walk_and_move(0, &lg);
	assert_int_equal(lg.errors, 0);

	/* With r/c replaced as well, the walk cannot find it any more: r/c's
	 * POST says so, and r goes on. */
	assert_int_equal(rename(tpath("away/s"), tpath("r/c/s")), 0);
	walk_and_move(1, &lg);
	assert_int_equal(lg.errors, 1);
	assert_int_equal(lg.first.code, ESTALE);
	assert_string_equal(lg.first.name, tpath("r/c"));
	assert_string_equal(lg.text, "E r/c\n");
	assert_int_equal(osx_rmtree(tpath("away"), NULL, NULL, NULL), 0);
	assert_int_equal(osx_rmtree(tpath("r"), NULL, NULL, NULL), 0);
}

/* Walk r: the directories, the errors (first kept), the files.  With
 * arm_at_bottom, every fstat fails from the deepest file on. */
static void walk_chain(int arm_at_bottom, unsigned *dirs, struct log *lg)
{
	osx_walk_entry *e;
	osx_walk *w;

	*dirs = 0;
	memset(lg, 0, sizeof(*lg));
	w = osx_walk_open(tpath("r"), NULL, NULL);
	assert_non_null(w);
	while (osx_walk_next(w, &e) == 1) {
		*dirs += e->event == OSX_WALK_DIR;
		if (e->event == OSX_WALK_FILE && arm_at_bottom)
			osx__fault_fail(OSX__SYS_fstat, 1, OSX__FAULT_ALWAYS, EIO);
		if ((e->event == OSX_WALK_ERROR || e->error.code) && !lg->errors++)
			lg->first = e->error;
	}
	osx_walk_close(w);
	osx__fault_reset();
}

/* The fd budget's fstat calls failing.  A directory whose identity cannot
 * be taken is not evicted: the budget gives way and the walk is whole.  An
 * evicted one that cannot be checked once reopened (through ".." or by
 * name) is not trusted: its POST reports the failure. */
static void eviction_faults(void **state)
{
	struct log lg;
	unsigned dirs;
	int dfd, fd;

	(void)state;
	mkd("r");
	dfd = make_chain(open(tpath("r"), O_RDONLY | O_DIRECTORY | O_CLOEXEC), "s", 100);
	fd = openat(dfd, "bottom", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	close(dfd);

	osx__fault_fail(OSX__SYS_fstat, 1, OSX__FAULT_ALWAYS, EIO);
	walk_chain(0, &dirs, &lg);
	assert_int_equal(dirs, 101);
	assert_int_equal(lg.errors, 0);

	walk_chain(1, &dirs, &lg);
	assert_int_equal(dirs, 101);
	assert_true(lg.errors > 0);
	assert_int_equal(lg.first.code, EIO);
	assert_string_equal(lg.first.call, "fstat");
	assert_int_equal(osx_rmtree(tpath("r"), NULL, NULL, NULL), 0);
}

/* A directory swapped for a symlink after its parent was listed: the walk
 * reports a symlink and never goes where it points. */
static void race_dir_replaced_by_symlink(void **state)
{
	struct log lg;
	osx_walk_entry *e;
	osx_walk *w;
	int swapped = 0;

	(void)state;
	mkd("outside");
	mkf("outside/victim");
	mkd("r");
	mkf("r/a");
	mkd("r/sub");
	mkf("r/sub/inner");
	memset(&lg, 0, sizeof(lg));
	w = osx_walk_open(tpath("r"), &(osx_walk_options){ OSX_WALK_SORT, 0 }, NULL);
	assert_non_null(w);
	while (osx_walk_next(w, &e) == 1) {
		log_event(&lg, e);
		if (e->event == OSX_WALK_FILE && !strcmp(e->ent.name, "a")) {
			/* "sub" was listed as a directory; swap it now. */
			assert_int_equal(rename(tpath("r/sub"), tpath("sub.old")), 0);
			mkl("../outside", "r/sub");
			swapped = 1;
		}
		if (!strcmp(e->ent.name, "sub") && swapped)
			assert_int_equal(e->ent.type, DT_LNK);
	}
	osx_walk_close(w);
	assert_string_equal(lg.text, "D r\nF r/a\nF r/sub\nP r\n");

	/* And rmtree removes the symlink, not what it points to. */
	assert_int_equal(osx_rmtree(tpath("r"), NULL, NULL, NULL), 0);
	assert_int_equal(access(tpath("outside/victim"), F_OK), 0);
}

/* rmtree against a process that keeps swapping a directory of the tree
 * for a symlink to a directory outside it (CVE-2022-21658). */
static void rmtree_race(void **state)
{
	int rounds = osx_test_under_valgrind() ? 20 : 200, i, status, failed = 0;
	pid_t pid;

	(void)state;
	mkd("outside");
	for (i = 0; i < 10; i++)
		mkf("outside/victim%d", i);
	for (i = 0; i < rounds; i++) {
		mkd("r");
		mkd("r/x");
		mkd("hold");
		mkf("r/x/f1");
		mkf("r/x/f2");
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			char x[PATH_MAX], held[PATH_MAX];

			snprintf(x, sizeof(x), "%s", tpath("r/x"));
			snprintf(held, sizeof(held), "%s", tpath("hold/x"));
			for (;;) {
				if (rename(x, held) == 0) {
					if (symlink("../outside", x) == 0)
						unlink(x);
					rename(held, x);
				}
			}
		}
		failed += osx_rmtree(tpath("r"), NULL, NULL, NULL) < 0;
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		for (int j = 0; j < 10; j++)
			assert_int_equal(access(tpath("outside/victim%d", j), F_OK), 0);
		/* Whatever is left (the swapper may have put x back) goes now. */
		osx_rmtree(tpath("r"), NULL, NULL, NULL);
		assert_int_equal(osx_rmtree(tpath("hold"), NULL, NULL, NULL), 0);
	}
	print_message("rmtree race: %d of %d rounds saw an error\n", failed, rounds);
}

static void fwalk_fds(void **state)
{
	int dfd, reads = 0;
	osx_walk_entry *e;
	osx_walk *w;

	(void)state;
	small_tree();
	dfd = open(osx_test_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	/* The root relative to a directory fd, as os.fwalk(dir_fd=). */
	w = osx_fwalk_open(dfd, "r", NULL, NULL);
	assert_non_null(w);
	while (osx_walk_next(w, &e) == 1) {
		if (e->depth == 0)
			assert_int_equal(e->ent.dirfd, dfd);
		if (e->event == OSX_WALK_DIR) {
			int fd = openat(e->fd, "f2", O_RDONLY | O_CLOEXEC);

			if (fd >= 0) {
				reads++;
				assert_string_equal(e->path, "r/a");
				close(fd);
			}
		}
	}
	osx_walk_close(w);
	close(dfd);
	assert_int_equal(reads, 1);
}

static void bad_roots(void **state)
{
	struct log lg;
	osx_error err;

	(void)state;
	assert_null(osx_walk_open(NULL, NULL, &err));
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(errno, EINVAL);
	walk_log("missing", 0, 0, NULL, &lg);
	assert_string_equal(lg.text, "X missing\n");
	assert_int_equal(lg.first.code, ENOENT);
	mkf("file");
	walk_log("file", 0, 0, NULL, &lg);
	assert_string_equal(lg.text, "F file\n");
}

/* The same filesystem: /proc is another one than / on every Linux. */
static void xdev(void **state)
{
	osx_walk_options opt = { OSX_WALK_XDEV, 2 };
	struct stat root, proc;
	osx_walk_entry *e;
	osx_walk *w;
	int saw_proc = 0, below_proc = 0;

	(void)state;
	if (stat("/", &root) < 0 || stat("/proc", &proc) < 0 || root.st_dev == proc.st_dev)
		skip();
	w = osx_walk_open("/", &opt, NULL);
	assert_non_null(w);
	while (osx_walk_next(w, &e) == 1) {
		if (!strcmp(e->path, "/proc") && e->event == OSX_WALK_DIR) {
			saw_proc++;
			assert_int_equal(e->fd, -1);
		}
		below_proc += !strncmp(e->path, "/proc/", 6);
	}
	osx_walk_close(w);
	assert_int_equal(saw_proc, 1);
	assert_int_equal(below_proc, 0);
}

/* small_tree() with r/locked, unreadable (mode 0), holding a file. */
static void locked_tree(void)
{
	small_tree();
	mkd("r/locked");
	mkf("r/locked/secret");
	assert_int_equal(chmod(tpath("r/locked"), 0), 0);
	assert_int_equal(chmod(osx_test_tmpdir(), 0755), 0);
}

/* fork(); the child runs as user 65534 if this is root, so permissions
 * apply to it. */
static pid_t fork_unprivileged(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0 && geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
		_exit(2);
	return pid;
}

/* The child exited with status 0. */
static void wait_ok(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Run the walk in a child that is not root, so permissions apply. */
static void unreadable_directory(void **state)
{
	struct log lg;
	pid_t pid;

	(void)state;
	locked_tree();
	mkf("r/z-after");
	pid = fork_unprivileged();
	if (pid == 0) {
		walk_log("r", OSX_WALK_SORT, 0, NULL, &lg);
		_exit(lg.errors == 1 && lg.first.code == EACCES &&
				      strstr(lg.text, "X r/locked\nF r/z-after\nP r\n") &&
				      !strstr(lg.text, "secret") ?
			      0 : 1);
	}
	wait_ok(pid);

	/* The same seen in-process by injecting the EACCES. */
	osx__fault_fail(OSX__SYS_openat, 3, 1, EACCES);
	walk_log("r", OSX_WALK_SORT, 0, NULL, &lg);
	assert_int_equal(lg.errors, 1);
	assert_int_equal(lg.first.code, EACCES);
	assert_string_equal(lg.first.name, tpath("r/a/b"));
	assert_non_null(strstr(lg.text, "D r/a\nX r/a/b\nF r/a/f2\nP r/a\n"));
	assert_int_equal(chmod(tpath("r/locked"), 0755), 0);
}

/* A read error part-way: what was read is delivered, the POST says so. */
static void read_error_on_post(void **state)
{
	struct log lg;

	(void)state;
	small_tree();
	osx__fault_fail(OSX__SYS_getdents64, 2, 1, EIO);
	walk_log("r", OSX_WALK_SORT, 0, NULL, &lg);
	assert_int_equal(lg.errors, 1);
	assert_int_equal(lg.first.code, EIO);
	assert_string_equal(lg.first.call, "getdents64");
	assert_non_null(strstr(lg.text, "E r\n"));
}

/* ---- rmtree ---- */

static void rmtree_everything(void **state)
{
	int dfd;
	osx_error err;

	(void)state;
	small_tree();
	mkl("..", "r/a/up");
	mkd("outside");
	mkf("outside/keep");
	mkl("../outside", "r/to-outside");
	mkl(tpath("outside/keep"), "r/abs-link");
	assert_int_equal(mkfifo(tpath("r/fifo"), 0644), 0);
	mksock("r/sock");
	mkd("r/ro");
	mkf("r/ro/f");
	assert_int_equal(chmod(tpath("r/ro"), 0555), 0);
	assert_int_equal(osx_rmtree(tpath("r"), NULL, NULL, &err), 0);
	assert_int_equal(access(tpath("r"), F_OK), -1);
	assert_int_equal(access(tpath("outside/keep"), F_OK), 0);

	/* Relative to a directory fd. */
	small_tree();
	dfd = open(osx_test_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(osx_rmtree_at(dfd, "r", NULL, NULL, &err), 0);
	close(dfd);
	assert_int_equal(access(tpath("r"), F_OK), -1);
}

static void rmtree_bad_roots(void **state)
{
	osx_error err;

	(void)state;
	mkd("d");
	mkf("d/f");
	mkl("d", "link");
	assert_int_equal(osx_rmtree(tpath("link"), NULL, NULL, &err), -1);
	assert_int_equal(err.code, ENOTDIR);
	assert_int_equal(errno, ENOTDIR);
	assert_int_equal(access(tpath("link"), F_OK), 0);
	assert_int_equal(access(tpath("d/f"), F_OK), 0);
	assert_int_equal(osx_rmtree(tpath("d/f"), NULL, NULL, &err), -1);
	assert_int_equal(err.code, ENOTDIR);
	assert_int_equal(osx_rmtree(tpath("missing"), NULL, NULL, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.name, tpath("missing"));
	assert_int_equal(osx_rmtree(NULL, NULL, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
}

struct errors {
	int n;
	int codes[8];
	char names[8][PATH_MAX];
};

static void collect(const osx_error *e, void *arg)
{
	struct errors *es = arg;

	if (es->n < 8) {
		es->codes[es->n] = e->code;
		snprintf(es->names[es->n], PATH_MAX, "%s", e->name);
	}
	es->n++;
}

/* With onerror every failure is reported and the rest is removed; without
 * it the first failure stops the removal. */
static void rmtree_reports_each_error(void **state)
{
	struct errors es = { 0 };
	unsigned long unlinks;
	osx_error err;

	(void)state;
	small_tree();
	/* The first unlinkat fails (whichever entry it is), so that entry,
	 * its directory and every ancestor stay, each with ENOTEMPTY. */
	osx__fault_fail(OSX__SYS_unlinkat, 1, 1, EPERM);
	assert_int_equal(osx_rmtree(tpath("r"), collect, &es, &err), -1);
	assert_int_equal(err.code, EPERM);
	assert_int_equal(errno, EPERM);
	assert_true(es.n >= 2);
	assert_int_equal(es.codes[0], EPERM);
	assert_string_equal(es.names[0], err.name);
	assert_int_equal(es.codes[es.n - 1], ENOTEMPTY);
	assert_string_equal(es.names[es.n - 1], tpath("r"));
	/* Only the file that failed is left, and its directories. */
	assert_int_equal(faccessat(AT_FDCWD, err.name, F_OK, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(osx_rmtree(tpath("r"), NULL, NULL, &err), 0);

	/* An entry already gone is not an error: with the first unlink
	 * "failing" with ENOENT the file stays, and only the ENOTEMPTY of
	 * its directory is reported. */
	small_tree();
	osx__fault_fail(OSX__SYS_unlinkat, 1, 1, ENOENT);
	assert_int_equal(osx_rmtree(tpath("r"), NULL, NULL, &err), -1);
	assert_int_equal(err.code, ENOTEMPTY);
	assert_int_equal(osx_rmtree(tpath("r"), NULL, NULL, &err), 0);

	/* Without onerror: stops at once. */
	small_tree();
	unlinks = osx__fault_count(OSX__SYS_unlinkat);
	osx__fault_fail(OSX__SYS_unlinkat, 1, 1, EPERM);
	assert_int_equal(osx_rmtree(tpath("r"), NULL, NULL, &err), -1);
	assert_int_equal(err.code, EPERM);
	assert_int_equal(osx__fault_count(OSX__SYS_unlinkat) - unlinks, 1);
	assert_int_equal(osx_rmtree(tpath("r"), NULL, NULL, &err), 0);
}

/* A deep chain r/s/s/.../bottom: more levels than the walk keeps open. */
static void deep_chain(int levels)
{
	int dfd, fd;

	mkd("r");
	dfd = make_chain(open(tpath("r"), O_RDONLY | O_DIRECTORY | O_CLOEXEC), "s", levels);
	fd = openat(dfd, "bottom", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	close(dfd);
}

/* How many fstat calls a walk of r makes before it reaches its file. */
static unsigned long fstats_to_bottom(void)
{
	unsigned long n = 0, fstat0 = osx__fault_count(OSX__SYS_fstat);
	osx_walk_entry *e;
	osx_walk *w = osx_walk_open(tpath("r"), NULL, NULL);

	assert_non_null(w);
	while (osx_walk_next(w, &e) == 1)
		if (e->event == OSX_WALK_FILE)
			n = osx__fault_count(OSX__SYS_fstat) - fstat0;
	osx_walk_close(w);
	return n;
}

/* Memory on a deep chain: the entries of every level share one stack, so
 * the allocations grow with the log of the depth (the buffers double),
 * not one array or two per level. */
static void deep_chain_allocations(void **state)
{
	unsigned long allocs;
	unsigned dirs = 0;
	osx_walk_entry *e;
	osx_walk *w;

	(void)state;
	deep_chain(1000);
	allocs = osx__fault_count(OSX__SYS_malloc) + osx__fault_count(OSX__SYS_calloc) +
		 osx__fault_count(OSX__SYS_realloc);
	w = osx_walk_open(tpath("r"), NULL, NULL);
	assert_non_null(w);
	while (osx_walk_next(w, &e) == 1) {
		assert_int_not_equal(e->event, OSX_WALK_ERROR);
		dirs += e->event == OSX_WALK_DIR;
	}
	osx_walk_close(w);
	assert_int_equal(dirs, 1001);
	allocs = osx__fault_count(OSX__SYS_malloc) + osx__fault_count(OSX__SYS_calloc) +
		 osx__fault_count(OSX__SYS_realloc) - allocs;
	print_message("deep chain: %lu allocations for 1000 levels\n", allocs);
	assert_true(allocs < 40);
	assert_int_equal(osx_rmtree(tpath("r"), NULL, NULL, NULL), 0);
}

/* The evicted directories cannot be checked once reopened: rmtree says
 * why (the fstat that failed), never EBADF from an unlinkat on the -1 of
 * a directory it could not reopen. */
static void rmtree_reopen_fails(void **state)
{
	struct errors es = { 0 };
	unsigned long n;
	osx_error err;
	int i;

	(void)state;
	deep_chain(100);
	n = fstats_to_bottom();
	osx__fault_fail(OSX__SYS_fstat, n + 1, OSX__FAULT_ALWAYS, EIO);
	assert_int_equal(osx_rmtree(tpath("r"), collect, &es, &err), -1);
	osx__fault_reset();
	assert_true(es.n > 0);
	assert_int_equal(err.code, EIO);
	assert_string_equal(err.call, "fstat");
	for (i = 0; i < es.n && i < 8; i++)
		assert_int_not_equal(es.codes[i], EBADF);
	assert_int_equal(osx_rmtree(tpath("r"), NULL, NULL, &err), 0);
}

/* A root that cannot be removed at all is reported once: returned, not
 * also passed to onerror. */
static void rmtree_root_error_once(void **state)
{
	struct errors es = { 0 };
	osx_error err;

	(void)state;
	mkf("file");
	assert_int_equal(osx_rmtree(tpath("missing"), collect, &es, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(es.n, 0);
	assert_int_equal(osx_rmtree(tpath("file"), collect, &es, &err), -1);
	assert_int_equal(err.code, ENOTDIR);
	assert_int_equal(es.n, 0);
	assert_int_equal(access(tpath("file"), F_OK), 0);
}

/* rm's refusal: ".", ".." and "/" (and any path ending in /. or /..)
 * fail with EINVAL before anything is removed. */
static void rmtree_refuses_dot_dotdot_root(void **state)
{
	static const char *const refused[] = { ".", "..", "./", "..//", "d/.", "d/..", "e/..",
					       "d/./", "/", "//", "/." };
	unsigned long calls;
	osx_error err;
	size_t i;
	int cwd, dfd;

	(void)state;
	mkd("top");
	mkd("top/d");
	mkd("top/d/e");
	mkf("top/d/e/keep");
	mkf("top/d/keep");
	mkf("top/keep");
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(cwd >= 0);
	assert_int_equal(chdir(tpath("top/d")), 0);
	/* Nothing may be removed whatever the code does: "/" too. */
	osx__fault_fail(OSX__SYS_unlinkat, 1, OSX__FAULT_ALWAYS, EPERM);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		calls = osx__fault_total();
		assert_int_equal(osx_rmtree(refused[i], NULL, NULL, &err), -1);
		assert_int_equal(err.code, EINVAL);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(osx__fault_total(), calls);
	}
	osx__fault_reset();
	/* Without the safety net, relative to a directory fd as well. */
	dfd = open(tpath("top"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(osx_rmtree(".", NULL, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_rmtree_at(dfd, "d/..", NULL, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_rmtree_at(dfd, ".", NULL, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(fchdir(cwd), 0);
	close(cwd);
	close(dfd);
	assert_int_equal(access(tpath("top/d/e/keep"), F_OK), 0);
	assert_int_equal(access(tpath("top/d/keep"), F_OK), 0);
	assert_int_equal(access(tpath("top/keep"), F_OK), 0);
	/* A name that merely starts with dots is an ordinary one. */
	mkd("top/..x");
	mkd("top/.x.");
	assert_int_equal(osx_rmtree(tpath("top/..x"), NULL, NULL, &err), 0);
	assert_int_equal(osx_rmtree(tpath("top/.x."), NULL, NULL, &err), 0);
}

/* NULL handles and pointers: EINVAL, never a crash. */
static void null_arguments(void **state)
{
	osx_walk_entry *e = NULL;
	osx_error err;
	osx_walk *w;

	(void)state;
	errno = 0;
	assert_int_equal(osx_walk_next(NULL, &e), -1);
	assert_int_equal(errno, EINVAL);
	w = osx_walk_open(osx_test_tmpdir(), NULL, &err);
	assert_non_null(w);
	errno = 0;
	assert_int_equal(osx_walk_next(w, NULL), -1);
	assert_int_equal(errno, EINVAL);
	/* The walk is intact after a bad call. */
	assert_int_equal(osx_walk_next(w, &e), 1);
	assert_int_equal(e->event, OSX_WALK_DIR);
	osx_walk_prune(NULL);
	osx_walk_close(w);
	osx_walk_close(NULL);
	assert_null(osx_fwalk_open(AT_FDCWD, NULL, NULL, &err));
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_rmtree_at(AT_FDCWD, NULL, NULL, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(errno, EINVAL);
}

/* ---- the parallel walk against the single one ---- */

/* One event, as the comparison sees it. */
struct rec {
	char *path;
	char kind;
	unsigned depth;
	unsigned char type;
	int code;
	unsigned long seq; /* delivery order (parallel: across workers) */
};

struct recs {
	pthread_mutex_t lock;
	struct rec *v;
	size_t n, cap;
	unsigned long seq;
	const char *prune; /* a path to prune (SKIP), or NULL */
	unsigned long stop_at; /* STOP at this event (0: never) */
	unsigned long after_stop;
	unsigned threads_seen;
	int bad;           /* an entry whose fds did not work */
};

static void recs_add(struct recs *rs, const osx_walk_entry *e)
{
	struct rec *r;

	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 1024;
		rs->v = realloc(rs->v, rs->cap * sizeof(*rs->v));
		assert_non_null(rs->v);
	}
	r = &rs->v[rs->n++];
	r->path = strdup(e->path);
	assert_non_null(r->path);
	r->kind = kind(e);
	r->depth = e->depth;
	r->type = e->ent.type;
	r->code = e->error.code;
	r->seq = rs->seq++;
}

/* The fds an event carries must work right then: ent.dirfd reaches the
 * entry, fd is the directory.  0 when they do. */
static int check_fds(const osx_walk_entry *e)
{
	struct stat st, self;

	if (strlen(e->path) != e->pathlen)
		return -1;
	if (e->event == OSX_WALK_ERROR || e->depth == 0)
		return 0;
	if (e->ent.dirfd < 0 ||
	    fstatat(e->ent.dirfd, e->ent.name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return e->event == OSX_WALK_DIR_POST && e->ent.dirfd < 0 ? 0 : -1;
	if ((e->event == OSX_WALK_DIR || e->event == OSX_WALK_DIR_POST) && e->fd >= 0 &&
	    (fstat(e->fd, &self) < 0 || (S_ISDIR(st.st_mode) && self.st_ino != st.st_ino)))
		return -1;
	return 0;
}

static int parallel_cb(osx_walk_entry *e, unsigned worker, void *arg)
{
	struct recs *rs = arg;
	int r = OSX_WALK_CONTINUE, bad = check_fds(e);

	pthread_mutex_lock(&rs->lock);
	if (rs->stop_at && rs->seq >= rs->stop_at)
		rs->after_stop++;
	recs_add(rs, e);
	rs->bad += bad;
	rs->threads_seen |= 1u << (worker % 32);
	if (rs->prune && e->event == OSX_WALK_DIR && !strcmp(e->path, rs->prune))
		r = OSX_WALK_SKIP;
	if (rs->stop_at && rs->seq == rs->stop_at)
		r = OSX_WALK_STOP;
	pthread_mutex_unlock(&rs->lock);
	return r;
}

static int rec_order(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static void recs_free(struct recs *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->v[i].path);
	free(rs->v);
	rs->v = NULL;
	rs->n = rs->cap = 0;
}

static void walk_single(const char *root, const osx_walk_options *opt, struct recs *rs)
{
	osx_walk_entry *e;
	osx_walk *w = osx_walk_open(root, opt, NULL);

	assert_non_null(w);
	while (osx_walk_next(w, &e) == 1) {
		rs->bad += check_fds(e);
		recs_add(rs, e);
		if (rs->prune && e->event == OSX_WALK_DIR && !strcmp(e->path, rs->prune))
			osx_walk_prune(w);
	}
	osx_walk_close(w);
	qsort(rs->v, rs->n, sizeof(*rs->v), rec_order);
}

/* The record of path's kind-event in sorted rs, or NULL. */
static const struct rec *find_rec(const struct recs *rs, const char *path, size_t len,
				  const char *kinds)
{
	size_t lo = 0, hi = rs->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(rs->v[mid].path, path, len);

		if (c == 0 && rs->v[mid].path[len])
			c = 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < rs->n && !strncmp(rs->v[lo].path, path, len) && !rs->v[lo].path[len]; lo++)
		if (strchr(kinds, rs->v[lo].kind))
			return &rs->v[lo];
	return NULL;
}

/*
 * The parallel walk of root with each thread count gives the same events,
 * entry for entry, as the single walk; every event comes after its
 * parent's DIR and before its parent's POST; the fds work in each.
 */
static void same_as_single(const char *root, unsigned flags, unsigned max_depth,
			   const char *prune)
{
	static const unsigned threads[] = { 2, 3, 8 };
	osx_walk_options opt = { flags, max_depth };
	struct recs one = { .prune = prune }, par;
	size_t i, k;

	walk_single(root, &opt, &one);
	assert_int_equal(one.bad, 0);
	for (k = 0; k < sizeof(threads) / sizeof(threads[0]); k++) {
		memset(&par, 0, sizeof(par));
		pthread_mutex_init(&par.lock, NULL);
		par.prune = prune;
		assert_int_equal(osx_walk_parallel(AT_FDCWD, root, &opt, threads[k], parallel_cb,
						   &par, NULL), 0);
		pthread_mutex_destroy(&par.lock);
		assert_int_equal(par.bad, 0);
		/* A tree this big is usually shared between workers, but how
		 * the work spreads depends on scheduling (on a loaded machine
		 * one worker may finish before the others start): said, not
		 * asserted. */
		if (one.n > 4000 && !(par.threads_seen & (par.threads_seen - 1)))
			print_message("%s, %u threads: one worker did it all this time\n", root,
				      threads[k]);
		if (getenv("OSX_TEST_VERBOSE"))
			print_message("%s: %u threads, workers seen %#x, %zu events\n", root,
				      threads[k], par.threads_seen, par.n);
		qsort(par.v, par.n, sizeof(*par.v), rec_order);
		if (par.n != one.n)
			fail_msg("%s, %u threads: %zu events, single walk %zu", root, threads[k],
				 par.n, one.n);
		for (i = 0; i < par.n; i++) {
			const struct rec *a = &one.v[i], *b = &par.v[i];

			if (strcmp(a->path, b->path) || a->kind != b->kind || a->depth != b->depth ||
			    a->type != b->type || a->code != b->code)
				fail_msg("%s, %u threads: event %zu is %c %s (depth %u, type %u, "
					 "errno %d), single walk %c %s (%u, %u, %d)", root,
					 threads[k], i, b->kind, b->path, b->depth, b->type, b->code,
					 a->kind, a->path, a->depth, a->type, a->code);
		}
		/* Along each path: after the parent's DIR, before its POST. */
		for (i = 0; i < par.n; i++) {
			const struct rec *r = &par.v[i], *pre, *post;
			const char *slash = strrchr(r->path, '/');

			if (r->depth == 0)
				continue;
			pre = find_rec(&par, r->path, (size_t)(slash - r->path), "D");
			post = find_rec(&par, r->path, (size_t)(slash - r->path), "PE");
			assert_non_null(pre);
			assert_true(pre->seq < r->seq);
			if (post)
				assert_true(r->seq < post->seq);
		}
		recs_free(&par);
	}
	recs_free(&one);
}

static void parallel_small_trees(void **state)
{
	(void)state;
	small_tree();
	mkl("..", "r/a/up");
	for (int i = 0; i < 40; i++) {
		mkd("r/w%d", i);
		mkd("r/w%d/x", i);
		mkf("r/w%d/x/f", i);
		mkl("../..", "r/w%d/x/loop", i);
	}
	same_as_single(tpath("r"), 0, 0, NULL);
	same_as_single(tpath("r"), OSX_WALK_SORT, 0, NULL);
	same_as_single(tpath("r"), OSX_WALK_FOLLOW, 0, NULL);
	same_as_single(tpath("r"), OSX_WALK_FOLLOW | OSX_WALK_XDEV, 0, NULL);
	same_as_single(tpath("r"), 0, 1, NULL);
	same_as_single(tpath("r"), OSX_WALK_FOLLOW, 3, NULL);
	same_as_single(tpath("r"), 0, 0, tpath("r/w7"));
	same_as_single(tpath("r"), 0, 0, tpath("r"));
	mkl("r", "lr");
	same_as_single(tpath("lr"), 0, 0, NULL);
	same_as_single(tpath("lr"), OSX_WALK_FOLLOW_ROOT, 0, NULL);
	same_as_single(tpath("missing"), 0, 0, NULL);
	same_as_single(tpath("r/f1"), 0, 0, NULL);
}

static void parallel_odd_and_deep(void **state)
{
	static const char *odd[] = { "new\nline", " space", "-dash", "\xff\xfe bad utf-8" };
	int n = osx_test_under_valgrind() ? 500 : 5000, dfd, i;
	char name[256];

	(void)state;
	mkd("r");
	mkd("r/big");
	for (i = 0; i < n; i++)
		mkf("r/big/entry-%05d", i);
	for (i = 0; i < 4; i++) {
		mkd("r/%s", odd[i]);
		mkf("r/%s/%s", odd[i], odd[i]);
	}
	assert_int_equal(mkfifo(tpath("r/fifo"), 0644), 0);
	mksock("r/sock");
	/* Deeper than PATH_MAX, and than the fd budget. */
	memset(name, 'd', 255);
	name[255] = '\0';
	dfd = open(tpath("r"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dfd = make_chain(dfd, name, 20);
	for (i = 0; i < 3; i++) {
		int sub = make_chain(openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC),
				     i == 0 ? "s" : i == 1 ? "t" : "u", 150);

		close(sub);
	}
	close(dfd);
	same_as_single(tpath("r"), 0, 0, NULL);
	same_as_single(tpath("r"), OSX_WALK_FOLLOW, 0, NULL);
	assert_int_equal(osx_rmtree(tpath("r"), NULL, NULL, NULL), 0);
}

static void parallel_usr(void **state)
{
	(void)state;
	if (access("/usr/include", R_OK) != 0)
		skip();
	same_as_single(osx_test_under_valgrind() ? "/usr/include" : "/usr", 0, 0, NULL);
}

/* An unreadable directory, as a user permissions apply to. */
static void parallel_unreadable(void **state)
{
	pid_t pid;

	(void)state;
	locked_tree();
	pid = fork_unprivileged();
	if (pid == 0) {
		same_as_single(tpath("r"), 0, 0, NULL);
		_exit(0);
	}
	wait_ok(pid);
	assert_int_equal(chmod(tpath("r/locked"), 0755), 0);
}

/* OSX_WALK_STOP: every worker stops at its next event, fds all closed. */
static void parallel_stop(void **state)
{
	struct recs rs;
	int i;

	(void)state;
	mkd("r");
	for (i = 0; i < 50; i++) {
		mkd("r/d%d", i);
		for (int j = 0; j < 20; j++)
			mkf("r/d%d/f%d", i, j);
	}
	memset(&rs, 0, sizeof(rs));
	pthread_mutex_init(&rs.lock, NULL);
	rs.stop_at = 100;
	assert_int_equal(osx_walk_parallel(AT_FDCWD, tpath("r"), NULL, 4, parallel_cb, &rs, NULL),
			 1);
	pthread_mutex_destroy(&rs.lock);
	/* A callback already running on another worker may still finish. */
	assert_in_range(rs.after_stop, 0, 4);
	recs_free(&rs);
}

static void parallel_bad_arguments(void **state)
{
	osx_error err;

	(void)state;
	assert_int_equal(osx_walk_parallel(AT_FDCWD, NULL, NULL, 2, parallel_cb, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(osx_walk_parallel(AT_FDCWD, ".", NULL, 2, NULL, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
}

struct race {
	pthread_mutex_t lock;
	int outside;
};

static int race_cb(osx_walk_entry *e, unsigned worker, void *arg)
{
	struct race *rc = arg;

	(void)worker;
	if (strstr(e->path, "victim")) {
		pthread_mutex_lock(&rc->lock);
		rc->outside++;
		pthread_mutex_unlock(&rc->lock);
	}
	return OSX_WALK_CONTINUE;
}

/* A directory of the tree swapped for a symlink to one outside it, again
 * and again, while parallel walks run: none ever goes outside. */
static void parallel_symlink_race(void **state)
{
	int rounds = osx_test_under_valgrind() ? 20 : 300, i, status;
	struct race rc = { PTHREAD_MUTEX_INITIALIZER, 0 };
	pid_t pid;

	(void)state;
	mkd("outside");
	for (i = 0; i < 10; i++)
		mkf("outside/victim%d", i);
	mkd("r");
	mkd("hold");
	for (i = 0; i < 8; i++) {
		mkd("r/x%d", i);
		mkf("r/x%d/f", i);
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char x[PATH_MAX], held[PATH_MAX];

		for (unsigned n = 0;; n++) {
			snprintf(x, sizeof(x), "%s", tpath("r/x%u", n % 8));
			snprintf(held, sizeof(held), "%s", tpath("hold/x%u", n % 8));
			if (rename(x, held) == 0) {
				if (symlink("../outside", x) == 0)
					unlink(x);
				rename(held, x);
			}
		}
	}
	for (i = 0; i < rounds; i++)
		assert_true(osx_walk_parallel(AT_FDCWD, tpath("r"), NULL, 3, race_cb, &rc, NULL) ==
			    0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(rc.outside, 0);
}

/* A parallel walk: -1 with the first error event's error. */
struct sweep_par {
	pthread_mutex_t lock;
	unsigned flags;
	int failed;
	osx_error first;
};

static int sweep_par_cb(osx_walk_entry *e, unsigned worker, void *arg)
{
	struct sweep_par *sp = arg;

	(void)worker;
	assert_int_equal(strlen(e->path), e->pathlen);
	/* Slow on the first level, so the other workers are idle by then and
	 * subtrees are handed out in every run; slower at the POSTs below, so
	 * the directories that handed them out are done first and leave their
	 * own POSTs to the workers that finish last. */
	if (e->event == OSX_WALK_DIR && e->depth == 1)
		usleep(300);
	if (e->event == OSX_WALK_DIR_POST && e->depth == 2)
		usleep(1000);
	if (e->event == OSX_WALK_ERROR || e->error.code) {
		pthread_mutex_lock(&sp->lock);
		if (!sp->failed++)
			sp->first = e->error;
		pthread_mutex_unlock(&sp->lock);
	}
	return OSX_WALK_CONTINUE;
}

static long sweep_parallel(void *ctx, osx_error *err)
{
	struct sweep_par *sp = ctx;

	sp->failed = 0;
	if (osx_walk_parallel(AT_FDCWD, tpath("r"), &(osx_walk_options){ sp->flags, 0 }, 3,
			      sweep_par_cb, sp, err) < 0)
		return -1;
	if (!sp->failed)
		return 0;
	*err = sp->first;
	errno = err->code;
	return -1;
}

static void parallel_fault_sweep(void **state)
{
	static const unsigned flag_sets[] = { 0, OSX_WALK_FOLLOW };
	struct sweep_par sp = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct osx_sweep s = { .run = sweep_parallel, .ctx = &sp };

	(void)state;
	small_tree();
	/* Below r/a, so that work is also handed out from below the root
	 * (a task then carries the identities above it, with FOLLOW). */
	for (int i = 0; i < 8; i++) {
		mkd("r/a/w%d", i);
		for (int k = 0; k < 3; k++) {
			mkd("r/a/w%d/x%d", i, k);
			mkf("r/a/w%d/x%d/f", i, k);
		}
	}
	/* Which call of a kind fails depends on how the workers share the
	 * tree, so whichever it is: each failure must still be reported
	 * under its own name, with no fd left open. */
	s.cleanup[OSX__SYS_close] = 1;
	for (size_t i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++) {
		sp.flags = flag_sets[i];
		osx_sweep_run(&s);
	}
}

/* ---- fault sweeps ---- */

/* A whole walk: -1 with the first error event's error. */
static long sweep_walk(void *ctx, osx_error *err)
{
	unsigned flags = *(unsigned *)ctx;
	osx_walk_entry *e;
	osx_walk *w;
	int failed = 0;

	w = osx_walk_open(tpath("r"), &(osx_walk_options){ flags, 0 }, err);
	if (!w)
		return -1;
	while (osx_walk_next(w, &e) == 1) {
		assert_int_equal(strlen(e->path), e->pathlen);
		if ((e->event == OSX_WALK_ERROR || e->error.code) && !failed++)
			*err = e->error;
	}
	osx_walk_close(w);
	if (failed)
		errno = err->code;
	return failed ? -1 : 0;
}

static void walk_fault_sweep(void **state)
{
	static unsigned flag_sets[] = { 0, OSX_WALK_SORT | OSX_WALK_FOLLOW, OSX_WALK_XDEV };
	struct osx_sweep s = { .run = sweep_walk };
	size_t i;

	char long_name[256];

	(void)state;
	small_tree();
	/* Long enough to grow the path buffer: its realloc is swept too. */
	memset(long_name, 'n', 255);
	long_name[255] = '\0';
	mkf("r/a/%s", long_name);
	s.cleanup[OSX__SYS_close] = 1;
	for (i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++) {
		s.ctx = &flag_sets[i];
		osx_sweep_run(&s);
	}
}

static void sweep_rmtree_setup(void *ctx)
{
	(void)ctx;
	osx_rmtree(tpath("r"), NULL, NULL, NULL);
	small_tree();
	mkd("r/a/b/c");
	mkf("r/a/b/c/deep");
}

static long sweep_rmtree(void *ctx, osx_error *err)
{
	(void)ctx;
	return osx_rmtree(tpath("r"), NULL, NULL, err);
}

static void sweep_rmtree_check(void *ctx, const struct osx_sweep_run *run)
{
	(void)ctx;
	/* Success means gone; a failure leaves a tree rmtree can finish. */
	if (run->rc == 0)
		assert_int_equal(access(tpath("r"), F_OK), -1);
	else
		assert_int_equal(access(tpath("r"), F_OK), 0);
}

static void rmtree_fault_sweep(void **state)
{
	struct osx_sweep s = { .setup = sweep_rmtree_setup, .run = sweep_rmtree,
			       .check = sweep_rmtree_check };

	(void)state;
	s.cleanup[OSX__SYS_close] = 1;
	osx_sweep_run(&s);
	osx_rmtree(tpath("r"), NULL, NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		OSX_TEST(events_in_order),
		OSX_TEST(entry_fields),
		OSX_TEST(syscalls_per_directory),
		OSX_TEST(follow_and_loops),
		OSX_TEST(prune_and_max_depth),
		OSX_TEST(odd_names_and_types),
		OSX_TEST(deeper_than_path_max),
		OSX_TEST(evicted_directory_moved),
		OSX_TEST(eviction_faults),
		OSX_TEST(race_dir_replaced_by_symlink),
		OSX_TEST(rmtree_race),
		OSX_TEST(fwalk_fds),
		OSX_TEST(bad_roots),
		OSX_TEST(xdev),
		OSX_TEST(unreadable_directory),
		OSX_TEST(read_error_on_post),
		OSX_TEST(rmtree_everything),
		OSX_TEST(rmtree_bad_roots),
		OSX_TEST(rmtree_reports_each_error),
		OSX_TEST(rmtree_reopen_fails),
		OSX_TEST(deep_chain_allocations),
		OSX_TEST(rmtree_root_error_once),
		OSX_TEST(rmtree_refuses_dot_dotdot_root),
		OSX_TEST(null_arguments),
		OSX_TEST(walk_fault_sweep),
		OSX_TEST(rmtree_fault_sweep),
		OSX_TEST(parallel_small_trees),
		OSX_TEST(parallel_odd_and_deep),
		OSX_TEST(parallel_usr),
		OSX_TEST(parallel_unreadable),
		OSX_TEST(parallel_stop),
		OSX_TEST(parallel_bad_arguments),
		OSX_TEST(parallel_symlink_race),
		OSX_TEST(parallel_fault_sweep),
	};

	return OSX_RUN(tests);
}
