/* osx_scandir: listing, d_type without syscalls, lazy cached stat. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fs_cases.h"
#include "harness.h"
#include "shim.h"

static void make_tree(void)
{
	int fd;

	assert_int_equal(mkdir(osx_test_path(0, "sub"), 0755), 0);
	fd = open(osx_test_path(0, "-file\n x"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlink("sub", osx_test_path(0, "link")), 0);
	assert_int_equal(symlink("missing", osx_test_path(0, "dangling")), 0);
}

static void lists_every_entry_with_type(void **state)
{
	osx_scandir *sd;
	osx_dirent *e;
	osx_error err;
	int n = 0, r;
	unsigned long stats;

	(void)state;
	make_tree();
	sd = osx_scandir_open(osx_test_tmpdir(), &err);
	assert_non_null(sd);
	stats = osx__fault_count(OSX__SYS_statx);
	while ((r = osx_scandir_next(sd, &e, &err)) == 1) {
		n++;
		if (!strcmp(e->name, "sub")) {
			assert_int_equal(osx_dirent_is_dir(e, 0, &err), 1);
		} else if (!strcmp(e->name, "-file\n x")) {
			assert_int_equal(osx_dirent_is_file(e, 1, &err), 1);
		} else if (!strcmp(e->name, "link")) {
			assert_int_equal(osx_dirent_is_symlink(e, &err), 1);
			assert_int_equal(osx_dirent_is_dir(e, 0, &err), 0);
			assert_int_equal(osx_dirent_is_dir(e, 1, &err), 1);
			assert_int_equal(osx_dirent_is_dir(e, 1, &err), 1);
		} else {
			assert_string_equal(e->name, "dangling");
			assert_int_equal(osx_dirent_is_dir(e, 1, &err), 0);
		}
	}
	assert_int_equal(r, 0);
	assert_int_equal(n, 4);
	/* tmpfs/ext4 give d_type: only the followed symlinks cost a stat,
	 * and the second is_dir of "link" came from the cache. */
	assert_int_equal(osx__fault_count(OSX__SYS_statx) - stats, 2);
	osx_scandir_close(sd);
}

static void open_errors(void **state)
{
	osx_error err;

	(void)state;
	assert_null(osx_scandir_open(osx_test_path(0, "nope"), &err));
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err.call, "openat");
}

static void listdir_names(void **state)
{
	osx_error err;
	char **names;
	size_t n, i, seen = 0;

	(void)state;
	make_tree();
	names = osx_listdir(osx_test_tmpdir(), &n, &err);
	assert_non_null(names);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++)
		seen += !strcmp(names[i], "-file\n x") || !strcmp(names[i], "sub") ||
			!strcmp(names[i], "link") || !strcmp(names[i], "dangling");
	assert_int_equal(seen, 4);
	assert_null(names[n]);
	free(names);
}

static long sweep_listdir(void *ctx, osx_error *err)
{
	char **names;

	(void)ctx;
	names = osx_listdir(osx_test_tmpdir(), NULL, err);
	free(names);
	return names ? 0 : -1;
}

static void listdir_fault_sweep(void **state)
{
	struct osx_sweep s = { .run = sweep_listdir };

	(void)state;
	make_tree();
	s.cleanup[OSX__SYS_close] = 1;
	osx_sweep_run(&s);
}

/* Several getdents64 buffers' worth, and the awkward names. */
static void many_and_odd_names(void **state)
{
	int n = osx_test_under_valgrind() ? 1000 : 5000, i, fd, dfd, got = 0, r;
	char name[256], *odd[] = {"\xff\xfe bad utf-8", "new\nline", " space", "-dash", name};
	osx_scandir *sd;
	osx_dirent *e;
	osx_error err;
	size_t k;

	(void)state;
	dfd = open(osx_test_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "entry-%05d-padding-to-make-it-longer", i);
		fd = openat(dfd, name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
	memset(name, 'x', 255);
	name[255] = '\0';
	for (k = 0; k < sizeof(odd) / sizeof(odd[0]); k++)
		assert_int_equal(mkdirat(dfd, odd[k], 0755), 0);
	close(dfd);
	sd = osx_scandir_open(osx_test_tmpdir(), &err);
	assert_non_null(sd);
	while ((r = osx_scandir_next(sd, &e, &err)) == 1) {
		assert_int_equal(strlen(e->name), e->namelen);
		got++;
		if (e->type == DT_DIR)
			for (k = 0; k < sizeof(odd) / sizeof(odd[0]); k++)
				got += !strcmp(e->name, odd[k]) * 1000000;
	}
	assert_int_equal(r, 0);
	assert_int_equal(got, n + 5 + 5 * 1000000);
	osx_scandir_close(sd);
}

struct ctx { int dummy; };

static long sweep_list(void *ctx, osx_error *err)
{
	osx_scandir *sd;
	osx_dirent *e;
	osx_stat_result st;
	int r;

	(void)ctx;
	sd = osx_scandir_open(osx_test_tmpdir(), err);
	if (!sd)
		return -1;
	while ((r = osx_scandir_next(sd, &e, err)) == 1)
		if (osx_dirent_stat(e, 1, &st, err) < 0 && err->code != ENOENT)
			break;
	osx_scandir_close(sd);
	return r < 0 || (r == 1) ? -1 : 0;
}

static void fault_sweep(void **state)
{
	struct ctx c;
	struct osx_sweep s = { .run = sweep_list, .ctx = &c, .any_error = 1 };

	(void)state;
	make_tree();
	s.cleanup[OSX__SYS_close] = 1;
	osx_sweep_run(&s);
}

/* Python's os.scandir(fd): a private dup, the caller's fd stays. */
static void scandir_of_an_fd(void **state)
{
	osx_scandir *sd;
	osx_dirent *e;
	osx_error err;
	char path[64];
	int fd, n = 0, r;

	(void)state;
	make_tree();
	fd = open(osx_test_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	/* The caller has read part of it already: the listing starts over. */
	assert_true(syscall(SYS_getdents64, fd, path, sizeof(path)) > 0);
	sd = osx_scandir_fdopen(fd, &err);
	assert_non_null(sd);
	while ((r = osx_scandir_next(sd, &e, &err)) == 1) {
		n++;
		/* No directory path: the entry's path is its name. */
		assert_int_equal(osx_dirent_path(e, path, sizeof(path)), e->namelen);
		assert_string_equal(path, e->name);
	}
	assert_int_equal(r, 0);
	assert_int_equal(n, 4);
	osx_scandir_close(sd);
	assert_int_equal(fcntl(fd, F_GETFD), FD_CLOEXEC);
	close(fd);

	fd = open(osx_test_path(0, "-file\n x"), O_RDONLY | O_CLOEXEC);
	assert_null(osx_scandir_fdopen(fd, &err));
	assert_int_equal(err.code, ENOTDIR);
	assert_int_equal(errno, ENOTDIR);
	close(fd);
	assert_null(osx_scandir_fdopen(-1, &err));
	assert_int_equal(err.code, EBADF);
}

/* DirEntry.path: the directory as given joined with the name. */
static void entry_paths(void **state)
{
	const char *dirs[] = { osx_test_tmpdir(), osx_test_path(1, "sub/") };
	char want[512], got[512], small[8];
	osx_scandir *sd;
	osx_dirent *e;
	size_t k, n;

	(void)state;
	make_tree();
	assert_int_equal(mkdir(osx_test_path(0, "sub/inner"), 0755), 0);
	for (k = 0; k < 2; k++) {
		sd = osx_scandir_open(dirs[k], NULL);
		assert_non_null(sd);
		while (osx_scandir_next(sd, &e, NULL) == 1) {
			/* "sub/" + name, not "sub//name". */
			snprintf(want, sizeof(want), "%s%s%s", dirs[k], k ? "" : "/", e->name);
			n = osx_dirent_path(e, got, sizeof(got));
			assert_int_equal(n, strlen(want));
			assert_string_equal(got, want);
			/* Too small: truncated and terminated, the full length back. */
			assert_int_equal(osx_dirent_path(e, small, sizeof(small)), n);
			assert_int_equal(strlen(small), sizeof(small) - 1);
			assert_memory_equal(small, want, sizeof(small) - 1);
			assert_int_equal(osx_dirent_path(e, NULL, 0), n);
		}
		osx_scandir_close(sd);
	}
}

static long sweep_fdopen(void *ctx, osx_error *err)
{
	osx_scandir *sd;
	osx_dirent *e;
	int fd = open(osx_test_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	(void)ctx;
	sd = osx_scandir_fdopen(fd, err);
	close(fd);
	if (!sd)
		return -1;
	while ((r = osx_scandir_next(sd, &e, err)) == 1)
		;
	osx_scandir_close(sd);
	return r;
}

static void fdopen_fault_sweep(void **state)
{
	struct osx_sweep s = { .run = sweep_fdopen };

	(void)state;
	make_tree();
	s.cleanup[OSX__SYS_close] = 1;
	osx_sweep_run(&s);
}

/* DirEntry.stat() / is_dir() / is_file() / is_symlink() against CPython
 * (tests/fs_cases.h, the "entry_" cases): errors name DirEntry.path,
 * 'main/loop_self', not the bare entry name. */
static void entry_errors_name_the_path(void **state)
{
	char cwd[4096], text[2048], want[2048];
	size_t i, n = 0;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(osx_test_tmpdir()), 0);
	assert_int_equal(mkdir("main", 0755), 0);
	assert_int_equal(mkdir("main/d", 0755), 0);
	close(open("main/f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
	assert_int_equal(symlink("d", "main/ld"), 0);
	assert_int_equal(symlink("loop_self", "main/loop_self"), 0);
	assert_int_equal(symlink("nowhere", "main/dangling"), 0);
	for (i = 0; i < sizeof(fs_cases) / sizeof(fs_cases[0]); i++) {
		const struct fs_case *c = &fs_cases[i];
		const char *op = c->op + 6;
		osx_scandir *sd;
		osx_dirent *e;
		osx_error err;
		osx_stat_result st;
		long long r = -2;

		if (strncmp(c->op, "entry_", 6))
			continue;
		sd = osx_scandir_open(c->path, &err);
		assert_non_null(sd);
		while (osx_scandir_next(sd, &e, &err) == 1 && strcmp(e->name, c->path2))
			;
		assert_string_equal(e->name, c->path2);
		if (!strcmp(op, "stat") || !strcmp(op, "lstat")) {
			r = osx_dirent_stat(e, op[0] == 's', &st, &err);
			if (r == 0)
				assert_int_equal(st.mode, c->st[0]);
		} else if (!strcmp(op, "is_dir") || !strcmp(op, "is_dir_nofollow")) {
			r = osx_dirent_is_dir(e, op[6] == '\0', &err);
		} else if (!strcmp(op, "is_file") || !strcmp(op, "is_file_nofollow")) {
			r = osx_dirent_is_file(e, op[7] == '\0', &err);
		} else {
			r = osx_dirent_is_symlink(e, &err);
		}
		if (r != c->ret)
			fail_msg("%s %s/%s: %lld, Python %lld", c->op, c->path, c->path2, r, c->ret);
		if (r < 0) {
			assert_int_equal(err.code, c->code);
			osx_error_format(&err, text, sizeof(text));
			if (strcmp(text, osx_test_python_text(c->text, want, sizeof(want))))
				fail_msg("%s %s/%s: \"%s\", Python \"%s\"", c->op, c->path, c->path2,
					 text, want);
		}
		osx_scandir_close(sd);
		n++;
	}
	assert_int_equal(n, 35);
	assert_int_equal(chdir(cwd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		OSX_TEST(lists_every_entry_with_type),
		OSX_TEST(open_errors),
		OSX_TEST(fault_sweep),
		OSX_TEST(listdir_names),
		OSX_TEST(many_and_odd_names),
		OSX_TEST(listdir_fault_sweep),
		OSX_TEST(scandir_of_an_fd),
		OSX_TEST(entry_paths),
		OSX_TEST(fdopen_fault_sweep),
		OSX_TEST(entry_errors_name_the_path),
	};

	return OSX_RUN(tests);
}
