/* Test harness shared by every libosx test program. */
#ifndef OSX_TEST_HARNESS_H
#define OSX_TEST_HARNESS_H

/* cmocka needs these before its own header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <osx/osx.h>

#include "fault.h"
#include "probe.h"

/*
 * Per-test setup and teardown: a test fails when it leaves an fd open that
 * was not open before it, or leaves a child process unreaped (the child is
 * killed and reaped so the next test starts clean).  Faults are reset
 * before and after each test.
 */
int osx_test_setup(void **state);
int osx_test_teardown(void **state);
#define OSX_TEST(fn) cmocka_unit_test_setup_teardown(fn, osx_test_setup, osx_test_teardown)

/*
 * A part of this test that cannot run here, because the system under the
 * tests lacks what it needs (tests/probe.h): prints "<what>: not run
 * here: <why>" and remembers it.  The test runs every other part and then
 * ends with osx_test_skip_unchecked(), which skips it (cmocka skip())
 * when a part was not run; the teardown fails a test that noted one and
 * did not.
 */
void osx_test_unchecked(const char *what, const char *why);
void osx_test_skip_unchecked(void);

/* Run a group of OSX_TEST()s; use from main(). */
#define OSX_RUN(tests) cmocka_run_group_tests(tests, NULL, NULL)

/* A fresh empty directory for this test, removed (with its contents) by the
 * teardown.  Returned path stays valid until then. */
const char *osx_test_tmpdir(void);
/* tmpdir "/" name, in a static buffer of its own per call slot (0..3). */
const char *osx_test_path(int slot, const char *name);

/* True when running under `meson test --setup valgrind`: heavy tests
 * (large transfers, deep trees, many rounds) scale themselves down. */
int osx_test_under_valgrind(void);

/* The errno the old-kernel test mode (tests/seccomp.c, `meson test
 * --setup kernel419`...) answers for call (flag NULL) or for call with
 * flag (EINVAL, as the kernel answers an unknown flag); 0 when it does not
 * refuse it. */
int osx_test_refused(const char *call, const char *flag);

/* Python's OSError text recorded on glibc ("[Errno N] <strerror>...") as
 * Python gives it with this C library: the strerror part replaced by this
 * libc's strerror(N) (musl's texts differ from glibc's).  In out, which is
 * returned. */
const char *osx_test_python_text(const char *glibc_text, char *out, size_t size);

/* Number of open fds and a fingerprint of which (for leak checks inside a
 * test, e.g. around each run of a sweep). */
typedef struct { unsigned long bits[1024 / (8 * sizeof(unsigned long))]; int over; } osx_fdset;
void osx_fdset_take(osx_fdset *set);
/* Fails the test (with a message naming the fd) if `now` has an fd that `before` has not. */
void osx_fdset_assert_same(const osx_fdset *before, const char *where);

/* Fails the test if a child of this process exists; kills and reaps it first. */
void osx_assert_no_children(const char *where);

/*
 * Fault-injection sweep.  The operation runs once untouched (it must
 * succeed), which counts every shim call it makes; then once for each of
 * those calls with exactly that call failing.  After each failing run the
 * sweep asserts:
 *   - a -1 (negative) result comes with err.code == errno, err.call naming
 *     the injected call (see call_ok), and (unless any_error) err.code ==
 *     the injected errno;
 *   - no fd leaked and no child left behind;
 * and then calls check() for what the operation itself promises (the
 * target unchanged, no temp file left, partial progress reported...).
 * A run may also succeed: a fallback took over or a cleanup failure was
 * ignored; check() decides whether that is right.
 * Where a spawn child does not share our memory (tests/probe.h), the calls
 * it makes are neither counted nor failed from here: the sweep fails the
 * parent's calls only and notes the child's part as not run
 * (osx_test_unchecked).
 */
struct osx_sweep_run {
	enum osx__sys sys;    /* the call that was made to fail */
	unsigned long nth;    /* which attempt of it (1-based) */
	int injected;         /* the errno it failed with */
	long rc;              /* what the operation returned */
	int errno_after;      /* errno right after it returned */
	osx_error err;
};

struct osx_sweep {
	/* Restore the operation's inputs before every run (may be NULL). */
	void (*setup)(void *ctx);
	/* The operation: returns < 0 on failure and fills err. */
	long (*run)(void *ctx, osx_error *err);
	/* Operation-specific assertions after each injected run (may be NULL);
	 * must also release anything a successful run returned. */
	void (*check)(void *ctx, const struct osx_sweep_run *run);
	void *ctx;
	/* errno to inject: 0 means EIO, and ENOMEM for the allocators. */
	int error;
	/* Accept any errno in the result (the operation maps errors). */
	int any_error;
	/* A failed run's err.call must name the injected call (checked on
	 * every run, with errno == err.code).  Where the operation reports a
	 * different step on purpose, call_ok() says whether run->err.call is
	 * right for run->sys (may be NULL: no exception). */
	int (*call_ok)(void *ctx, const struct osx_sweep_run *run);
	/* Calls not to fail, e.g. .skip = {[OSX__SYS_close] = 1}. */
	unsigned char skip[OSX__SYS_COUNT];
	/* Cleanup calls, e.g. .cleanup = {[OSX__SYS_close] = 1}: a second
	 * round of injected runs has every attempt of them fail too (with
	 * their default errno), so that the cleanup a failure leads to meets
	 * a failure of its own. */
	unsigned char cleanup[OSX__SYS_COUNT];
};

/* Returns how many injected runs were made (asserts at least one). */
unsigned long osx_sweep_run(const struct osx_sweep *sweep);

#endif
