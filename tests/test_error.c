/* osx_error: Python-identical formatting, truncation, errno preservation. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "shim.h"

#include "error_cases.h"

/* Python's text with the strerror text of the C library the test runs
 * on (the cases hold glibc's; musl's differ), as Python there gives. */
static void expected_text(int i, char *out, size_t size)
{
	const char *text = error_cases[i].text, *glibc = error_cases[i].strerror;
	const char *at = strstr(text, glibc);

	assert_non_null(at);
	snprintf(out, size, "%.*s%s%s", (int)(at - text), text, strerror(error_cases[i].code),
		 at + strlen(glibc));
}

static void format_matches_python(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		osx_error err;
		char buf[512], want[512];
		size_t n;

		expected_text((int)i, want, sizeof(want));
		assert_int_equal(osx_error_set(&err, error_cases[i].code, "openat",
					       error_cases[i].name, error_cases[i].name2), -1);
		assert_int_equal(errno, error_cases[i].code);
		n = osx_error_format(&err, buf, sizeof(buf));
		assert_string_equal(buf, want);
		assert_int_equal(n, strlen(want));
	}
}

static void format_with_call_prefix(void **state)
{
	osx_error err;
	char buf[256];

	(void)state;
	osx_error_set(&err, ENOENT, "renameat2", "a", "b");
	osx_error_format_call(&err, buf, sizeof(buf));
	assert_string_equal(buf, "renameat2: [Errno 2] No such file or directory: 'a' -> 'b'");
	err.call = NULL;
	osx_error_format_call(&err, buf, sizeof(buf));
	assert_string_equal(buf, "[Errno 2] No such file or directory: 'a' -> 'b'");
}

/* Like snprintf: the full length comes back, the buffer is cut and terminated. */
static void format_into_small_buffer(void **state)
{
	const char *full = "[Errno 2] No such file or directory: 'missing.txt'";
	osx_error err;
	char buf[10];

	(void)state;
	osx_error_set(&err, ENOENT, "openat", "missing.txt", NULL);
	assert_int_equal(osx_error_format(&err, buf, sizeof(buf)), strlen(full));
	assert_string_equal(buf, "[Errno 2]");
	assert_int_equal(osx_error_format(&err, NULL, 0), strlen(full));
	assert_int_equal(osx_error_format(&err, buf, 1), strlen(full));
	assert_string_equal(buf, "");
}

/* A name longer than the struct holds is cut on a character boundary and
 * the formatter shows that it was cut. */
static void long_names_are_cut_visibly(void **state)
{
	static char name[OSX_ERROR_NAME_MAX + 100], text[OSX_ERROR_NAME_MAX + 200];
	osx_error err;
	size_t keep;

	(void)state;
	/* 'a' * 1021, then a 3-byte character straddling the limit. */
	memset(name, 'a', sizeof(name) - 1);
	memcpy(name + OSX_ERROR_NAME_MAX - 3, "\xe2\x82\xac", 3);
	osx_error_set(&err, ENAMETOOLONG, "openat", name, NULL);
	assert_true(err.name_cut);
	keep = OSX_ERROR_NAME_MAX - 3;
	assert_int_equal(strlen(err.name), keep);
	assert_memory_equal(err.name, name, keep);
	osx_error_format(&err, text, sizeof(text));
	assert_non_null(strstr(text, "aaa'..."));
	assert_null(strstr(text, "\\udc"));

	/* Exactly at the limit minus one: kept whole. */
	name[OSX_ERROR_NAME_MAX - 1] = '\0';
	memset(name, 'b', OSX_ERROR_NAME_MAX - 1);
	osx_error_set(&err, ENOENT, "openat", NULL, name);
	assert_false(err.name2_cut);
	assert_false(err.has_name);
	assert_string_equal(err.name2, name);
}

/* A 4-byte character across the limit goes whole; bytes that are no
 * character anyway (a run of continuation bytes) are cut where they fall. */
static void long_names_cut_on_four_bytes_or_bytes(void **state)
{
	static char name[OSX_ERROR_NAME_MAX + 100];
	osx_error err;

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	memcpy(name + OSX_ERROR_NAME_MAX - 4, "\xf0\x9f\x98\x80", 4);
	osx_error_set(&err, ENAMETOOLONG, "openat", name, NULL);
	assert_true(err.name_cut);
	assert_int_equal(strlen(err.name), OSX_ERROR_NAME_MAX - 4);

	memset(name + OSX_ERROR_NAME_MAX - 8, '\x80', 16);
	osx_error_set(&err, ENAMETOOLONG, "openat", name, NULL);
	assert_true(err.name_cut);
	assert_int_equal(strlen(err.name), OSX_ERROR_NAME_MAX - 1);
	assert_memory_equal(err.name, name, OSX_ERROR_NAME_MAX - 1);
}

/* The struct copies the names: it outlives the caller's buffers. */
static void names_are_copied(void **state)
{
	char name[] = "temporary";
	osx_error err;
	char buf[128];

	(void)state;
	osx_error_set(&err, EEXIST, "mkdirat", name, NULL);
	memset(name, 'x', sizeof(name) - 1);
	osx_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "[Errno 17] File exists: 'temporary'");
}

static void null_err_still_sets_errno(void **state)
{
	(void)state;
	errno = 0;
	assert_int_equal(osx_error_set(NULL, EACCES, "openat", "x", NULL), -1);
	assert_int_equal(errno, EACCES);
}

static void repr_alone(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(osx_repr("a\0b", 3, buf, sizeof(buf)), strlen("'a\\x00b'"));
	assert_string_equal(buf, "'a\\x00b'");
	/* A sequence cut short by the end: each byte escaped, as Python's
	 * surrogateescape does. */
	osx_repr("a\xe2\x82", 3, buf, sizeof(buf));
	assert_string_equal(buf, "'a\\udce2\\udc82'");
	osx_repr("\xf0\x9f\x98", 3, buf, sizeof(buf));
	assert_string_equal(buf, "'\\udcf0\\udc9f\\udc98'");
	/* Only the length, as snprintf with no room. */
	assert_int_equal(osx_repr("ab", 2, NULL, 0), 4);
	assert_int_equal(osx_repr("ab", 2, buf, 3), 4);
	assert_string_equal(buf, "'a");
}

static void format_call_into_small_buffer(void **state)
{
	const char *full = "openat: [Errno 2] No such file or directory: 'x'";
	osx_error err;
	char buf[8];

	(void)state;
	osx_error_set(&err, ENOENT, "openat", "x", NULL);
	assert_int_equal(osx_error_format_call(&err, NULL, 0), strlen(full));
	assert_int_equal(osx_error_format_call(&err, buf, sizeof(buf)), strlen(full));
	assert_string_equal(buf, "openat:");
}

/*
 * The library's error-path pattern: the failing call's code is captured,
 * cleanup runs (here a close that itself fails with another errno), and
 * errno on return is still the first failure's code.
 */
static long op_with_failing_cleanup(const char *path, osx_error *err)
{
	struct stat st;
	int fd, r;

	fd = osx__sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return osx_error_set(err, -fd, "openat", path, NULL);
	r = osx__sys_fstat(fd, &st);
	if (r < 0) {
		osx__sys_close(fd); /* cleanup: its own failure must not leak out */
		return osx_error_set(err, -r, "fstat", path, NULL);
	}
	osx__sys_close(fd);
	return 0;
}

/* NULL where a struct or a name should be: an empty text and EINVAL, never
 * a crash; a NULL buffer of any size is measured only, as by snprintf. */
static void format_null_arguments(void **state)
{
	osx_error err;
	char buf[64] = "untouched";

	(void)state;
	errno = 0;
	assert_int_equal(osx_error_format(NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(errno, EINVAL);
	strcpy(buf, "untouched");
	errno = 0;
	assert_int_equal(osx_error_format_call(NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(osx_repr(NULL, 3, buf, sizeof(buf)), 0);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(osx_repr(NULL, 0, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "''");
	osx_error_set(&err, ENOENT, "openat", "x", NULL);
	assert_int_equal(osx_error_format(&err, NULL, 100),
			 strlen("[Errno 2] No such file or directory: 'x'"));
	assert_int_equal(osx_error_format_call(&err, NULL, 100),
			 strlen("openat: [Errno 2] No such file or directory: 'x'"));
	assert_int_equal(osx_repr("ab", 2, NULL, 5), 4);
}

static void errno_survives_cleanup(void **state)
{
	osx_error err;

	(void)state;
	osx__fault_fail(OSX__SYS_fstat, 1, 1, EIO);
	osx__fault_fail(OSX__SYS_close, 1, 1, EBADF);
	errno = 0;
	assert_int_equal(op_with_failing_cleanup("/dev/null", &err), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(err.code, EIO);
	assert_string_equal(err.call, "fstat");
	assert_string_equal(err.name, "/dev/null");
	assert_int_equal(osx__fault_count(OSX__SYS_close), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		OSX_TEST(format_matches_python),
		OSX_TEST(format_with_call_prefix),
		OSX_TEST(format_into_small_buffer),
		OSX_TEST(long_names_are_cut_visibly),
		OSX_TEST(names_are_copied),
		OSX_TEST(null_err_still_sets_errno),
		OSX_TEST(repr_alone),
		OSX_TEST(format_call_into_small_buffer),
		OSX_TEST(long_names_cut_on_four_bytes_or_bytes),
		OSX_TEST(errno_survives_cleanup),
		OSX_TEST(format_null_arguments),
	};
	return OSX_RUN(tests);
}
