/* The environment area: process environment, osx_env objects, expanders. */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "env_cases.h"
#include "env_internal.h"

extern char **environ;

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* "name=value\n" for every entry, in iteration order (plain malloc: the
 * test's own memory is never fault-injected). */
static char *dump(const osx_env *e)
{
	const char *name, *value;
	size_t pos = 0, len = 1, off = 0;
	char *out;

	while (osx_env_next(e, &pos, &name, &value))
		len += strlen(name) + strlen(value) + 2;
	out = malloc(len);
	if (!out)
		abort();
	pos = 0;
	while (osx_env_next(e, &pos, &name, &value))
		off += (size_t)sprintf(out + off, "%s=%s\n", name, value);
	out[off] = '\0';
	return out;
}

static void assert_dump(const osx_env *e, const char *expect)
{
	char *d = dump(e);

	assert_string_equal(d, expect);
	free(d);
}

static void assert_error(int rc, const osx_error *err, int code)
{
	assert_int_equal(rc, -1);
	assert_int_equal(err->code, code);
	assert_int_equal(errno, code);
}

/* ---- the process environment ---- */

static void process_name_validation(void **state)
{
	static const char *bad[] = {"", "A=B", "=", "=A"};
	osx_error err;
	char buf[8];
	size_t i;

	(void)state;
	for (i = 0; i < COUNT(bad); i++) {
		assert_error(osx_setenv(bad[i], "v", &err), &err, EINVAL);
		assert_string_equal(err.call, "environ");
		assert_string_equal(err.name, bad[i]);
		assert_error((int)osx_getenv(bad[i], buf, sizeof(buf), &err), &err, EINVAL);
		assert_error(osx_unsetenv(bad[i], &err), &err, EINVAL);
	}
	assert_error(osx_setenv(NULL, "v", &err), &err, EINVAL);
	assert_error(osx_setenv("OSXT_V", NULL, &err), &err, EINVAL);
	assert_null(getenv("OSXT_V"));
	/* "A=B" must not have set A to "B=v". */
	assert_null(getenv("A"));
}

static void process_set_get_unset(void **state)
{
	static const char *values[] = {"plain", "", "a=b=c", "=", "caf\303\251 \346\227\245",
				       "\377\376 not utf-8", "line\nbreak"};
	osx_error err;
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < COUNT(values); i++) {
		assert_int_equal(osx_setenv("OSXT_VAL", values[i], &err), 0);
		assert_string_equal(getenv("OSXT_VAL"), values[i]);
		assert_int_equal(osx_getenv("OSXT_VAL", buf, sizeof(buf), &err),
				 (ssize_t)strlen(values[i]));
		assert_string_equal(buf, values[i]);
	}
	/* Too small: truncated, NUL-terminated, full length returned. */
	assert_int_equal(osx_setenv("OSXT_VAL", "0123456789", &err), 0);
	assert_int_equal(osx_getenv("OSXT_VAL", buf, 4, &err), 10);
	assert_string_equal(buf, "012");
	assert_int_equal(osx_getenv("OSXT_VAL", NULL, 0, &err), 10);
	assert_int_equal(osx_unsetenv("OSXT_VAL", &err), 0);
	assert_null(getenv("OSXT_VAL"));
	assert_error((int)osx_getenv("OSXT_VAL", buf, sizeof(buf), &err), &err, ENOENT);
	assert_string_equal(err.call, "getenv");
	assert_string_equal(err.name, "OSXT_VAL");
	/* Unsetting what is not set is fine. */
	assert_int_equal(osx_unsetenv("OSXT_VAL", &err), 0);
}

/* environ with a duplicate, an entry without '=' and one with an empty
 * name: getenv, osx_getenv and the snapshot all take the first DUP. */
static void process_duplicates(void **state)
{
	char *fake[] = {"NOEQ", "=empty", "DUP=first", "OSXT_X=1", "DUP=second", NULL};
	char **saved = environ;
	osx_error err;
	osx_env *e;
	char buf[16];

	(void)state;
	environ = fake;
	e = osx_env_snapshot(&err);
	assert_int_equal(osx_getenv("DUP", buf, sizeof(buf), &err), 5);
	environ = saved;
	assert_non_null(e);
	assert_string_equal(buf, "first");
	assert_dump(e, "DUP=first\nOSXT_X=1\n");
	osx_env_free(e);
}

/* getenv's rule, plainly: the value of the first entry "name=...".
 * (glibc's own getenv reads two bytes of every entry, one past the end
 * of an empty one, so it cannot be the oracle here.) */
static const char *first_entry(char **env, const char *name)
{
	size_t len = strlen(name);

	for (; *env; env++)
		if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
			return *env + len + 1;
	return NULL;
}

/* osx_getenv against getenv's rule on environs of 0 to 9 entries (the
 * scan takes two at a time: odd and even lengths), names of one to four
 * bytes sharing first bytes, each looked up as itself, as its prefixes
 * and with a byte more.  Every entry is its own malloc'd string of
 * exactly its size, the empty one too, so a read past one is an error
 * under ASan and valgrind. */
static void process_scan_agrees(void **state)
{
	static const char *const pool[] = { "", "A=1", "AB=2", "ABC=3", "B=4", "AA=5",
					     "ABCD=6", "NOEQ", "A=dup", "BA=7" };
	static const char *const names[] = { "A", "AB", "ABC", "ABCD", "ABCDE", "B", "BA",
					     "AA", "AAA", "NOEQ", "N", "C", "BB" };
	char **saved = environ;
	char *fake[11];
	osx_error err;
	char buf[16];

	(void)state;
	for (size_t n = 0; n <= 9; n++) {
		for (size_t i = 0; i < n; i++)
			fake[i] = strdup(pool[(i + n) % 10]); /* a different order per n */
		fake[n] = NULL;
		for (size_t k = 0; k < sizeof(names) / sizeof(*names); k++) {
			const char *want;
			ssize_t r;

			want = first_entry(fake, names[k]);
			environ = fake;
			r = osx_getenv(names[k], buf, sizeof(buf), &err);
			environ = saved;
			if (!want) {
				assert_int_equal(r, -1);
				assert_int_equal(err.code, ENOENT);
			} else {
				assert_int_equal(r, (ssize_t)strlen(want));
				assert_string_equal(buf, want);
			}
		}
		for (size_t i = 0; i < n; i++)
			free(fake[i]);
	}
}

/* No environment at all (environ NULL, as after clearenv()). */
static void process_no_environ(void **state)
{
	char **saved = environ;
	osx_error err;
	osx_env *e;
	char buf[8], *x;

	(void)state;
	environ = NULL;
	assert_error((int)osx_getenv("PATH", buf, sizeof(buf), &err), &err, ENOENT);
	e = osx_env_snapshot(&err);
	x = osx_expandvars("$PATH", NULL, &err);
	environ = saved;
	assert_non_null(e);
	assert_int_equal(osx_env_len(e), 0);
	assert_string_equal(x, "$PATH");
	osx_env_free(e);
	free(x);
}

/*
 * One thread adds and removes variables (so glibc reallocates and shifts
 * environ) while another reads: with the library lock every read sees a
 * whole value.  Without it ASan/valgrind would see reads of freed arrays.
 */
static size_t setter_failures;

/* cmocka's asserts belong to the main thread: count failures here. */
static void *setter(void *arg)
{
	size_t i, n = *(size_t *)arg;
	char key[32];

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "OSXT_T%zu", i);
		setter_failures += osx_setenv(key, "v", NULL) != 0;
	}
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "OSXT_T%zu", i);
		setter_failures += osx_unsetenv(key, NULL) != 0;
	}
	return NULL;
}

static void process_threads(void **state)
{
	size_t i, n = osx_test_under_valgrind() ? 300 : 3000;
	osx_error err;
	pthread_t t;
	char buf[64];

	(void)state;
	assert_int_equal(osx_setenv("OSXT_STEADY", "steady value", &err), 0);
	assert_int_equal(pthread_create(&t, NULL, setter, &n), 0);
	for (i = 0; i < 2 * n; i++) {
		assert_int_equal(osx_getenv("OSXT_STEADY", buf, sizeof(buf), &err), 12);
		assert_string_equal(buf, "steady value");
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(setter_failures, 0);
	assert_int_equal(osx_unsetenv("OSXT_STEADY", &err), 0);
	assert_null(getenv("OSXT_T0"));
}

static long setenv_op(void *ctx, osx_error *err)
{
	(void)ctx;
	return osx_setenv("OSXT_SW", "new", err);
}

static long unsetenv_op(void *ctx, osx_error *err)
{
	(void)ctx;
	return osx_unsetenv("OSXT_SW", err);
}

static void setenv_setup(void *ctx)
{
	(void)ctx;
	assert_int_equal(setenv("OSXT_SW", "old", 1), 0);
}

static void setenv_check(void *ctx, const struct osx_sweep_run *r)
{
	const char *v = getenv("OSXT_SW");

	if (r->sys == OSX__SYS_COUNT)
		return;
	assert_int_equal(r->rc, -1);
	assert_string_equal(r->err.name, "OSXT_SW");
	assert_non_null(v);
	assert_string_equal(v, "old");
	(void)ctx;
}

static void process_sweeps(void **state)
{
	struct osx_sweep sw = {.setup = setenv_setup, .run = setenv_op, .check = setenv_check};

	(void)state;
	assert_int_equal(osx_sweep_run(&sw), 1);
	sw.run = unsetenv_op;
	assert_int_equal(osx_sweep_run(&sw), 1);
	unsetenv("OSXT_SW");
}

/* ---- osx_env objects ---- */

static void env_name_validation(void **state)
{
	static const char *bad[] = {"", "A=B", "="};
	osx_error err;
	osx_env *e = osx_env_new(&err);
	size_t i;

	(void)state;
	assert_non_null(e);
	assert_int_equal(osx_env_set(e, "KEEP", "1", &err), 0);
	for (i = 0; i < COUNT(bad); i++) {
		assert_error(osx_env_set(e, bad[i], "v", &err), &err, EINVAL);
		assert_error(osx_env_unset(e, bad[i], &err), &err, EINVAL);
		assert_false(osx_env_contains(e, bad[i]));
	}
	assert_error(osx_env_set(e, "N", NULL, &err), &err, EINVAL);
	/* NUL can only arrive through the length-taking call. */
	assert_error(osx_env_setn(e, "A\0B", 3, "v", 1, &err), &err, EINVAL);
	assert_error(osx_env_setn(e, "A", 1, "v\0w", 3, &err), &err, EINVAL);
	assert_error(osx_env_setn(e, "A", 0, "v", 1, &err), &err, EINVAL);
	assert_error(osx_env_put(e, "=v", &err), &err, EINVAL);
	assert_error(osx_env_put(e, "noequals", &err), &err, EINVAL);
	assert_dump(e, "KEEP=1\n");
	/* Names are taken by length: "AB" cut to "A". */
	assert_int_equal(osx_env_setn(e, "AB", 1, "xyz", 2, &err), 0);
	assert_string_equal(osx_env_get(e, "A"), "xy");
	osx_env_free(e);
}

static void env_basic(void **state)
{
	osx_error err;
	osx_env *e = osx_env_new(&err);

	(void)state;
	assert_non_null(e);
	assert_int_equal(osx_env_len(e), 0);
	assert_null(osx_env_get(e, "A"));
	assert_int_equal(osx_env_set(e, "A", "1", &err), 0);
	assert_int_equal(osx_env_set(e, "EQ", "x=y=", &err), 0);
	assert_int_equal(osx_env_set(e, "EMPTY", "", &err), 0);
	assert_int_equal(osx_env_put(e, "U=caf\303\251\377", &err), 0);
	assert_int_equal(osx_env_len(e), 4);
	assert_string_equal(osx_env_get(e, "EQ"), "x=y=");
	assert_string_equal(osx_env_get(e, "EMPTY"), "");
	assert_true(osx_env_contains(e, "EMPTY"));
	assert_false(osx_env_contains(e, "EMPT"));
	assert_string_equal(osx_env_get(e, "U"), "caf\303\251\377");
	/* Setting again keeps the place; unset and set again moves to the end. */
	assert_int_equal(osx_env_set(e, "A", "2", &err), 0);
	assert_dump(e, "A=2\nEQ=x=y=\nEMPTY=\nU=caf\303\251\377\n");
	assert_int_equal(osx_env_unset(e, "EQ", &err), 1);
	assert_int_equal(osx_env_unset(e, "EQ", &err), 0);
	assert_int_equal(osx_env_set(e, "EQ", "back", &err), 0);
	assert_dump(e, "A=2\nEMPTY=\nU=caf\303\251\377\nEQ=back\n");
	osx_env_clear(e);
	assert_int_equal(osx_env_len(e), 0);
	assert_dump(e, "");
	assert_int_equal(osx_env_set(e, "Z", "z", &err), 0);
	assert_dump(e, "Z=z\n");
	osx_env_free(e);
	osx_env_free(NULL);
}

static void env_merge_and_copy(void **state)
{
	osx_error err;
	osx_env *a = osx_env_new(&err), *b = osx_env_new(&err), *c;

	(void)state;
	assert_int_equal(osx_env_put(a, "X=1", &err), 0);
	assert_int_equal(osx_env_put(a, "Y=2", &err), 0);
	assert_int_equal(osx_env_put(b, "Z=3", &err), 0);
	assert_int_equal(osx_env_put(b, "X=9", &err), 0);
	assert_int_equal(osx_env_merge(a, b, &err), 0);
	assert_dump(a, "X=9\nY=2\nZ=3\n");
	assert_dump(b, "Z=3\nX=9\n");
	assert_int_equal(osx_env_merge(a, a, &err), 0);
	assert_dump(a, "X=9\nY=2\nZ=3\n");
	c = osx_env_copy(a, &err);
	assert_non_null(c);
	assert_int_equal(osx_env_unset(c, "X", &err), 1);
	assert_int_equal(osx_env_set(c, "Y", "changed", &err), 0);
	assert_dump(a, "X=9\nY=2\nZ=3\n");
	assert_dump(c, "Y=changed\nZ=3\n");
	osx_env_free(a);
	osx_env_free(b);
	osx_env_free(c);
}

/* Unset entries leave holes until the next growth: copy, merge and envp
 * skip them and keep the order. */
static void env_holes(void **state)
{
	osx_error err;
	osx_env *a = osx_env_new(&err), *b = osx_env_new(&err), *c;
	char **envp;

	(void)state;
	assert_int_equal(osx_env_put(a, "A=1", &err), 0);
	assert_int_equal(osx_env_put(a, "B=2", &err), 0);
	assert_int_equal(osx_env_put(a, "C=3", &err), 0);
	envp = osx_env_envp(a, &err);
	assert_string_equal(envp[2], "C=3");
	assert_int_equal(osx_env_unset(a, "B", &err), 1);
	/* The cached array is big enough: rebuilt in place. */
	osx__fault_reset();
	envp = osx_env_envp(a, &err);
	assert_int_equal(osx__fault_count(OSX__SYS_realloc), 0);
	assert_string_equal(envp[0], "A=1");
	assert_string_equal(envp[1], "C=3");
	assert_null(envp[2]);

	c = osx_env_copy(a, &err);
	assert_non_null(c);
	assert_int_equal(osx_env_len(c), 2);
	assert_dump(c, "A=1\nC=3\n");
	assert_int_equal(osx_env_put(b, "C=0", &err), 0);
	assert_int_equal(osx_env_merge(b, a, &err), 0);
	assert_dump(b, "C=3\nA=1\n");

	/* Nothing live to merge: nothing allocated, nothing changed. */
	assert_int_equal(osx_env_unset(a, "A", &err), 1);
	assert_int_equal(osx_env_unset(a, "C", &err), 1);
	osx__fault_reset();
	assert_int_equal(osx_env_merge(b, a, &err), 0);
	assert_int_equal(osx__fault_total(), 0);
	assert_dump(b, "C=3\nA=1\n");
	osx_env_free(a);
	osx_env_free(b);
	osx_env_free(c);
}

/* NULL where a string is wanted: EINVAL or "not set", never a crash. */
static void env_null_arguments(void **state)
{
	osx_error err;
	osx_env *e = osx_env_new(&err);

	(void)state;
	assert_null(osx_env_get(e, NULL));
	assert_false(osx_env_contains(e, NULL));
	assert_error(osx_env_setn(e, "A", 1, NULL, 0, &err), &err, EINVAL);
	assert_error(osx_env_setn(e, NULL, 1, "v", 1, &err), &err, EINVAL);
	assert_error(osx_env_put(e, NULL, &err), &err, EINVAL);
	assert_null(osx_expandvars(NULL, e, &err));
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(errno, EINVAL);
	assert_null(osx_expanduser(NULL, e, &err));
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(osx_env_len(e), 0);
	osx_env_free(e);
}

/* A NULL object: EINVAL (in err where there is one, else in errno and a
 * neutral result), never a crash; no call reads environ for it. */
static void env_null_handles(void **state)
{
	const char *name, *value;
	osx_error err;
	size_t pos = 0;
	osx_env *e;

	(void)state;
	errno = 0;
	assert_int_equal(osx_env_len(NULL), 0);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(setenv("OSXT_NULLH", "1", 1), 0);
	errno = 0;
	assert_null(osx_env_get(NULL, "OSXT_NULLH"));
	assert_int_equal(errno, EINVAL);
	assert_false(osx_env_contains(NULL, "OSXT_NULLH"));
	unsetenv("OSXT_NULLH");
	errno = 0;
	assert_int_equal(osx_env_next(NULL, &pos, &name, &value), 0);
	assert_int_equal(errno, EINVAL);
	osx_env_clear(NULL);
	osx_env_free(NULL);
	assert_error(osx_env_set(NULL, "A", "1", &err), &err, EINVAL);
	assert_error(osx_env_setn(NULL, "A", 1, "1", 1, &err), &err, EINVAL);
	assert_error(osx_env_put(NULL, "A=1", &err), &err, EINVAL);
	assert_error(osx_env_unset(NULL, "A", &err), &err, EINVAL);
	assert_null(osx_env_envp(NULL, &err));
	assert_int_equal(err.code, EINVAL);
	assert_null(osx_env_copy(NULL, &err));
	assert_int_equal(err.code, EINVAL);
	e = osx_env_new(&err);
	assert_non_null(e);
	assert_error(osx_env_merge(NULL, e, &err), &err, EINVAL);
	assert_error(osx_env_merge(e, NULL, &err), &err, EINVAL);
	assert_int_equal(osx_env_next(e, NULL, &name, &value), 0);
	osx_env_free(e);
}

/* FNV-1a as the table hashed names before it was keyed. */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3u;
	}
	return h;
}

/*
 * Names prepared to collide (the same low 12 bits of an unkeyed FNV-1a:
 * one probe chain in a table of 4096 slots) do not collide in the keyed
 * hash, so an insert-heavy table cannot be slowed down by chosen names.
 */
static void env_hash_keyed(void **state)
{
	enum { N = 64, MASK = 4095 };
	static char names[N][16];
	unsigned char seen[MASK + 1] = {0};
	uint64_t target = fnv1a("K0") & MASK;
	unsigned long i;
	osx_error err;
	osx_env *e;
	int found = 0, distinct = 0;

	(void)state;
	for (i = 0; found < N; i++) {
		snprintf(names[found], sizeof(names[found]), "K%lu", i);
		if ((fnv1a(names[found]) & MASK) == target)
			found++;
	}
	for (i = 0; i < N; i++) {
		uint64_t h = osx__env_hash(names[i], strlen(names[i])) & MASK;

		distinct += !seen[h];
		seen[h] = 1;
	}
	/* 64 random values in 4096 slots: about 63.5 distinct on average. */
	assert_true(distinct >= 56);
	e = osx_env_new(&err);
	assert_non_null(e);
	for (i = 0; i < N; i++)
		assert_int_equal(osx_env_set(e, names[i], names[i], &err), 0);
	for (i = 0; i < N; i++)
		assert_string_equal(osx_env_get(e, names[i]), names[i]);
	osx_env_free(e);
}

/* The key of another run of this program (a fresh process: the key is made
 * once per process), with getrandom refused there when `refuse`. */
static uint64_t child_hash(int refuse)
{
	static char self[4096];
	char *argv[] = { self, refuse ? "--env-hash-refused" : "--env-hash", NULL };
	unsigned long long h = 0;
	int p[2], status;
	ssize_t n;
	FILE *f;
	pid_t pid;

	/* The program's own path, not /proc/self/exe: under valgrind that
	 * would be valgrind. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%llx", &h), 1);
	fclose(f);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return h;
}

/* What child_hash() runs: the hash of one name, after a table round trip. */
static int env_hash_child(int refuse)
{
	osx_error err;
	osx_env *e;

	if (refuse)
		osx__fault_fail(OSX__SYS_getrandom, 1, 1, ENOSYS);
	e = osx_env_new(&err);
	if (!e || osx_env_set(e, "PATH", "/bin", &err) < 0 ||
	    strcmp(osx_env_get(e, "PATH"), "/bin") != 0)
		return 1;
	if (refuse && osx__fault_count(OSX__SYS_getrandom) != 1)
		return 2;
	printf("%llx\n", (unsigned long long)osx__env_hash("PATH", 4));
	osx_env_free(e);
	return 0;
}

/* Each process has a key of its own, also where getrandom is refused. */
static void env_hash_per_process(void **state)
{
	uint64_t self = osx__env_hash("PATH", 4), a = child_hash(0), b = child_hash(1);

	(void)state;
	assert_true(self != a);
	assert_true(self != b);
	assert_true(a != b);
}

/*
 * Runs of "${" without a '}': the work grows linearly with the input
 * (CPython's test_expandvars_large, gh-136065: quadratic there once).
 * The result is the input unchanged, as in Python.
 */
static void expandvars_linear(void **state)
{
	size_t pairs[2] = {20000, 40000}, k, i;
	unsigned long work[2];
	osx_error err;
	char *in, *out;

	(void)state;
	for (k = 0; k < 2; k++) {
		in = malloc(2 * pairs[k] + 1);
		assert_non_null(in);
		for (i = 0; i < pairs[k]; i++)
			memcpy(in + 2 * i, "${", 2);
		in[2 * pairs[k]] = '\0';
		osx__work = 0;
		out = osx_expandvars(in, NULL, &err);
		work[k] = osx__work;
		assert_non_null(out);
		assert_string_equal(out, in);
		free(out);
		free(in);
	}
	/* Both passes (length, then copy) search each byte at most once. */
	assert_true(work[0] <= 2 * 2 * pairs[0]);
	assert_true(work[1] <= 2 * work[0] + 16);
}

/* Changing the object leaves environ alone, and the other way round. */
static void env_snapshot_independence(void **state)
{
	const char *name, *value;
	osx_error err;
	osx_env *e;
	size_t pos = 0, n = 0;
	char **p;

	(void)state;
	assert_int_equal(setenv("OSXT_SNAP", "before", 1), 0);
	e = osx_env_snapshot(&err);
	assert_non_null(e);
	/* The same variables, in environ's order. */
	for (p = environ; *p; p++) {
		assert_true(osx_env_next(e, &pos, &name, &value));
		assert_int_equal(strncmp(*p, name, strlen(name)), 0);
		assert_string_equal(*p + strlen(name) + 1, value);
		n++;
	}
	assert_false(osx_env_next(e, &pos, &name, &value));
	assert_int_equal(osx_env_len(e), n);

	assert_int_equal(osx_env_set(e, "OSXT_SNAP", "object", &err), 0);
	assert_int_equal(osx_env_set(e, "OSXT_ONLY_OBJ", "1", &err), 0);
	assert_int_equal(osx_env_unset(e, "PATH", &err), getenv("PATH") != NULL);
	assert_non_null(osx_env_envp(e, &err));
	assert_string_equal(getenv("OSXT_SNAP"), "before");
	assert_null(getenv("OSXT_ONLY_OBJ"));

	assert_int_equal(osx_setenv("OSXT_SNAP", "process", &err), 0);
	assert_int_equal(osx_setenv("OSXT_ONLY_PROC", "1", &err), 0);
	assert_string_equal(osx_env_get(e, "OSXT_SNAP"), "object");
	assert_false(osx_env_contains(e, "OSXT_ONLY_PROC"));
	unsetenv("OSXT_SNAP");
	unsetenv("OSXT_ONLY_PROC");
	osx_env_free(e);
}

static void env_10000(void **state)
{
	size_t n, count = osx_test_under_valgrind() ? 2000 : 10000;
	const char *name, *value;
	char key[32], val[32];
	unsigned long allocs;
	osx_error err;
	osx_env *e = osx_env_new(&err);
	char **envp, **again;
	size_t pos = 0;

	(void)state;
	for (n = 0; n < count; n++) {
		snprintf(key, sizeof(key), "V%zu", n);
		snprintf(val, sizeof(val), "%zu=%zu", n, n * 7);
		assert_int_equal(osx_env_set(e, key, val, &err), 0);
	}
	assert_int_equal(osx_env_len(e), count);
	for (n = 0; n < count; n++) {
		snprintf(key, sizeof(key), "V%zu", n);
		snprintf(val, sizeof(val), "%zu=%zu", n, n * 7);
		assert_string_equal(osx_env_get(e, key), val);
	}
	/* Unset the even ones; setting new names then compacts in place. */
	for (n = 0; n < count; n += 2) {
		snprintf(key, sizeof(key), "V%zu", n);
		assert_int_equal(osx_env_unset(e, key, &err), 1);
	}
	for (n = 0; n < count / 2; n++) {
		snprintf(key, sizeof(key), "W%zu", n);
		assert_int_equal(osx_env_set(e, key, "w", &err), 0);
	}
	assert_int_equal(osx_env_len(e), count);
	for (n = 0; n < count; n++) {
		assert_true(osx_env_next(e, &pos, &name, &value));
		if (n < count / 2)
			snprintf(key, sizeof(key), "V%zu", 2 * n + 1);
		else
			snprintf(key, sizeof(key), "W%zu", n - count / 2);
		assert_string_equal(name, key);
	}
	assert_false(osx_env_next(e, &pos, &name, &value));

	envp = osx_env_envp(e, &err);
	assert_non_null(envp);
	for (n = 0; envp[n]; n++)
		;
	assert_int_equal(n, count);
	assert_string_equal(envp[0], "V1=1=7");
	/* Unchanged: the cached array again, with no allocation at all. */
	osx__fault_reset();
	again = osx_env_envp(e, &err);
	allocs = osx__fault_total();
	assert_ptr_equal(again, envp);
	assert_int_equal(allocs, 0);
	osx_env_free(e);
}

/* Export to a real child: /usr/bin/env -0 prints exactly what it got. */
static void env_envp_child(void **state)
{
	static const char *vars[] = {"A=1", "EMPTY=", "EQ=a=b=c", "U=caf\303\251 \377",
				     "NL=line\nbreak", "SP= lead and trail "};
	char *argv[] = {"env", "-0", NULL};
	char *out, **envp;
	size_t i, n, len = 0, cap = 1 << 16, count;
	osx_error err;
	osx_env *e = osx_env_new(&err);
	int p[2], status;
	ssize_t r;
	pid_t pid;

	(void)state;
	for (i = 0; i < COUNT(vars); i++)
		assert_int_equal(osx_env_put(e, vars[i], &err), 0);
	count = osx_test_under_valgrind() ? 200 : 2000;
	for (n = 0; n < count; n++) {
		char key[16];

		snprintf(key, sizeof(key), "K%zu", n);
		assert_int_equal(osx_env_set(e, key, key, &err), 0);
	}
	envp = osx_env_envp(e, &err);
	assert_non_null(envp);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		execve("/usr/bin/env", argv, envp);
		_exit(127);
	}
	close(p[1]);
	out = malloc(cap);
	assert_non_null(out);
	while ((r = read(p[0], out + len, cap - len)) > 0) {
		len += (size_t)r;
		if (len == cap)
			assert_non_null(out = realloc(out, cap *= 2));
	}
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* NUL-separated, in envp order. */
	for (i = 0, n = 0; envp[i]; i++) {
		assert_true(n < len);
		assert_string_equal(out + n, envp[i]);
		n += strlen(envp[i]) + 1;
	}
	assert_int_equal(n, len);
	free(out);
	osx_env_free(e);
}

/* ---- expandvars / expanduser against Python ---- */

static char *expected(const char *expect)
{
	char home[4096] = "";
	struct passwd *pw;
	char *out;
	size_t hl;

	if (expect[0] != '\001')
		return strdup(expect);
	pw = getpwuid(getuid());
	assert_non_null(pw);
	snprintf(home, sizeof(home), "%s", pw->pw_dir);
	for (hl = strlen(home); hl > 0 && home[hl - 1] == '/'; hl--)
		home[hl - 1] = '\0';
	hl = strlen(home) + strlen(expect) + 2;
	out = malloc(hl);
	if (!out)
		abort();
	snprintf(out, hl, "%s%s", home, expect + 1);
	if (!out[0])
		strcpy(out, "/");
	return out;
}

static void check_cases(int process)
{
	osx_error err;
	osx_env *e = osx_env_new(&err);
	size_t i;

	for (i = 0; i < COUNT(env_base); i++) {
		assert_int_equal(osx_env_set(e, env_base[i].name, env_base[i].value, &err), 0);
		if (process)
			assert_int_equal(osx_setenv(env_base[i].name, env_base[i].value, &err), 0);
	}
	for (i = 0; i < COUNT(env_cases); i++) {
		const char *home = env_cases[i].home;
		char *got, *want = expected(env_cases[i].expect);

		if (home)
			assert_int_equal(osx_env_set(e, "HOME", home, &err), 0);
		else
			osx_env_unset(e, "HOME", &err);
		if (process) {
			if (home)
				assert_int_equal(osx_setenv("HOME", home, &err), 0);
			else
				assert_int_equal(osx_unsetenv("HOME", &err), 0);
		}
		if (env_cases[i].user)
			got = osx_expanduser(env_cases[i].path, process ? NULL : e, &err);
		else
			got = osx_expandvars(env_cases[i].path, process ? NULL : e, &err);
		assert_non_null(got);
		if (strcmp(got, want) != 0)
			fail_msg("case %zu %s('%s'): got '%s', Python '%s'", i,
				 env_cases[i].user ? "expanduser" : "expandvars",
				 env_cases[i].path, got, want);
		free(got);
		free(want);
	}
	for (i = 0; process && i < COUNT(env_base); i++)
		assert_int_equal(osx_unsetenv(env_base[i].name, &err), 0);
	osx_env_free(e);
}

static void expand_python_cases(void **state)
{
	const char *home = getenv("HOME");
	char *saved = home ? strdup(home) : NULL;

	(void)state;
	assert_true(COUNT(env_cases) >= 15);
	check_cases(0);
	check_cases(1);
	if (saved)
		setenv("HOME", saved, 1);
	else
		unsetenv("HOME");
	free(saved);
}

/* ERANGE from getpw*_r: retried with a larger buffer. */
static void expanduser_erange(void **state)
{
	osx_error err;
	char *got;

	(void)state;
	osx__fault_fail(OSX__SYS_getpwnam_r, 1, 2, ERANGE);
	got = osx_expanduser("~root/x", NULL, &err);
	assert_non_null(got);
	assert_string_equal(got, "/root/x");
	assert_int_equal(osx__fault_count(OSX__SYS_getpwnam_r), 3);
	assert_int_equal(osx__fault_count(OSX__SYS_malloc), 4);
	free(got);
}

/* Some NSS modules say "not found" with ENOENT or ESRCH instead of an
 * empty result (getpwnam_r(3)): the path stays as it is; other errors are
 * reported. */
static void expanduser_not_found_codes(void **state)
{
	static const int codes[] = {ENOENT, ESRCH};
	osx_error err;
	char *got;
	size_t i;

	(void)state;
	for (i = 0; i < COUNT(codes); i++) {
		osx__fault_reset();
		osx__fault_fail(OSX__SYS_getpwnam_r, 1, 1, codes[i]);
		got = osx_expanduser("~root/x", NULL, &err);
		assert_non_null(got);
		assert_string_equal(got, "~root/x");
		free(got);
	}
	osx__fault_reset();
	osx__fault_fail(OSX__SYS_getpwnam_r, 1, 1, EIO);
	assert_null(osx_expanduser("~root/x", NULL, &err));
	assert_int_equal(err.code, EIO);
	assert_string_equal(err.call, "getpwnam_r");
}

/* ---- fault sweeps: every allocation path ---- */

struct env_ctx {
	osx_env *e, *src;
	char *before;
	const char *path, *expect;
	int process;
	char **envp;
};

static void fill(osx_env *e, const char *prefix, size_t n)
{
	char key[16];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s%zu", prefix, i);
		assert_int_equal(osx_env_set(e, key, key, NULL), 0);
	}
}

/* dst: 8 variables (a full first block, so one more grows it), one of
 * them unset (so growing first compacts); src: 3, one also in dst. */
static void obj_setup(void *ctx)
{
	struct env_ctx *c = ctx;

	osx_env_free(c->e);
	osx_env_free(c->src);
	free(c->before);
	c->e = osx_env_new(NULL);
	c->src = osx_env_new(NULL);
	assert_non_null(c->e);
	assert_non_null(c->src);
	fill(c->e, "D", 8);
	assert_int_equal(osx_env_unset(c->e, "D3", NULL), 1);
	assert_int_equal(osx_env_set(c->e, "D8", "x", NULL), 0);
	fill(c->src, "S", 2);
	assert_int_equal(osx_env_set(c->src, "D0", "from src", NULL), 0);
	c->envp = osx_env_envp(c->e, NULL);
	assert_non_null(c->envp);
	c->before = dump(c->e);
}

/* A failed call left the object exactly as it was, and it still works. */
static void obj_check(void *ctx, const struct osx_sweep_run *r)
{
	struct env_ctx *c = ctx;
	char **envp;
	size_t n;

	if (r->sys != OSX__SYS_COUNT) {
		assert_int_equal(r->rc, -1);
		assert_int_equal(r->err.code, ENOMEM);
		assert_dump(c->e, c->before);
		envp = osx_env_envp(c->e, NULL);
		assert_non_null(envp);
		for (n = 0; envp[n]; n++)
			;
		assert_int_equal(n, osx_env_len(c->e));
	}
	assert_int_equal(osx_env_set(c->e, "AFTER", "1", NULL), 0);
	assert_string_equal(osx_env_get(c->e, "AFTER"), "1");
}

static long op_set_new(void *ctx, osx_error *err)
{
	return osx_env_set(((struct env_ctx *)ctx)->e, "NEW", "v", err);
}

static long op_set_existing(void *ctx, osx_error *err)
{
	return osx_env_put(((struct env_ctx *)ctx)->e, "D5=changed", err);
}

static long op_merge(void *ctx, osx_error *err)
{
	struct env_ctx *c = ctx;

	return osx_env_merge(c->e, c->src, err);
}

/* A change after the export, so it has to be rebuilt, and larger. */
static void envp_setup(void *ctx)
{
	struct env_ctx *c = ctx;

	obj_setup(ctx);
	assert_int_equal(osx_env_set(c->e, "D9", "y", NULL), 0);
	free(c->before);
	c->before = dump(c->e);
}

static long op_envp(void *ctx, osx_error *err)
{
	return osx_env_envp(((struct env_ctx *)ctx)->e, err) ? 0 : -1;
}

static void obj_sweeps(void **state)
{
	struct env_ctx c = {0};
	struct osx_sweep sw = {.setup = obj_setup, .check = obj_check, .ctx = &c};

	(void)state;
	sw.run = op_set_new;
	assert_int_equal(osx_sweep_run(&sw), 3); /* calloc, realloc, malloc */
	sw.run = op_set_existing;
	assert_int_equal(osx_sweep_run(&sw), 1);
	sw.run = op_merge;
	assert_int_equal(osx_sweep_run(&sw), 6); /* array, 3 strings, grow */
	sw.setup = envp_setup;
	sw.run = op_envp;
	assert_int_equal(osx_sweep_run(&sw), 1);
	osx_env_free(c.e);
	osx_env_free(c.src);
	free(c.before);
}

/* Calls that create an object: on failure nothing is leaked (ASan and
 * valgrind check) and NULL comes with ENOMEM. */
static long op_new(void *ctx, osx_error *err)
{
	osx_env *e = osx_env_new(err);

	(void)ctx;
	osx_env_free(e);
	return e ? 0 : -1;
}

static long op_snapshot(void *ctx, osx_error *err)
{
	osx_env *e = osx_env_snapshot(err);
	long rc = -1;

	(void)ctx;
	if (e) {
		rc = osx_env_len(e) > 0 && osx_env_contains(e, "OSXT_SNAPSW") ? 0 : -2;
		osx_env_free(e);
	}
	return rc;
}

static long op_copy(void *ctx, osx_error *err)
{
	struct env_ctx *c = ctx;
	osx_env *e = osx_env_copy(c->e, err);
	char *d;

	if (!e)
		return -1;
	d = dump(e);
	assert_string_equal(d, c->before);
	free(d);
	osx_env_free(e);
	return 0;
}

static void alloc_check(void *ctx, const struct osx_sweep_run *r)
{
	(void)ctx;
	if (r->sys != OSX__SYS_COUNT)
		assert_int_equal(r->rc, -1);
}

static void create_sweeps(void **state)
{
	struct env_ctx c = {0};
	struct osx_sweep sw = {.run = op_new, .check = alloc_check, .ctx = &c};

	(void)state;
	assert_int_equal(osx_sweep_run(&sw), 1);
	assert_int_equal(setenv("OSXT_SNAPSW", "1", 1), 0);
	sw.run = op_snapshot;
	assert_true(osx_sweep_run(&sw) >= 4);
	unsetenv("OSXT_SNAPSW");
	sw.setup = obj_setup;
	sw.run = op_copy;
	assert_int_equal(osx_sweep_run(&sw), 3 + 8);
	osx_env_free(c.e);
	osx_env_free(c.src);
	free(c.before);
}

static long op_expandvars(void *ctx, osx_error *err)
{
	struct env_ctx *c = ctx;
	char *s = osx_expandvars(c->path, c->process ? NULL : c->e, err);

	if (!s)
		return -1;
	assert_string_equal(s, c->expect);
	free(s);
	return 0;
}

static long op_expanduser(void *ctx, osx_error *err)
{
	struct env_ctx *c = ctx;
	char *s = osx_expanduser(c->path, c->process ? NULL : c->e, err);

	if (!s)
		return -1;
	free(s);
	return 0;
}

static void expand_check(void *ctx, const struct osx_sweep_run *r)
{
	struct env_ctx *c = ctx;

	if (r->sys == OSX__SYS_COUNT)
		return;
	assert_int_equal(r->rc, -1);
	assert_string_equal(r->err.name, c->path);
	assert_string_equal(r->err.call, osx__sys_name(r->sys));
}

static void expand_sweeps(void **state)
{
	static const char *user_paths[] = {"~root/x", "~", "~/y", "plain", "~nosuchuser_osx"};
	struct env_ctx c = {0};
	struct osx_sweep sw = {.setup = obj_setup, .run = op_expandvars, .check = expand_check,
			       .ctx = &c};
	const char *home = getenv("HOME");
	char *saved = home ? strdup(home) : NULL;
	size_t i;

	(void)state;
	assert_int_equal(setenv("D1", "<D1>", 1), 0);
	assert_int_equal(setenv("OSXT_EXP", "<OSXT_EXP>", 1), 0);
	/* The object has D1=D1 and no OSXT_EXP; the process both. */
	c.path = "${D1}/<$OSXT_EXP>";
	c.expect = "D1/<$OSXT_EXP>";
	assert_int_equal(osx_sweep_run(&sw), 1);
	c.process = 1;
	c.path = "$D1/$OSXT_EXP";
	c.expect = "<D1>/<OSXT_EXP>";
	assert_int_equal(osx_sweep_run(&sw), 1);
	unsetenv("D1");
	unsetenv("OSXT_EXP");

	sw.run = op_expanduser;
	for (c.process = 0; c.process < 2; c.process++) {
		for (i = 0; i < COUNT(user_paths); i++) {
			c.path = user_paths[i];
			osx_sweep_run(&sw);
		}
		/* HOME unset: the passwd entry of getuid(). */
		unsetenv("HOME");
		c.path = "~/z";
		assert_int_equal(osx_sweep_run(&sw), 3); /* buffer, getpwuid_r, result */
		if (saved)
			setenv("HOME", saved, 1);
	}
	free(saved);
	osx_env_free(c.e);
	osx_env_free(c.src);
	free(c.before);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--env-hash") == 0)
		return env_hash_child(0);
	if (argc == 2 && strcmp(argv[1], "--env-hash-refused") == 0)
		return env_hash_child(1);
	const struct CMUnitTest tests[] = {
		OSX_TEST(process_name_validation),
		OSX_TEST(process_set_get_unset),
		OSX_TEST(process_duplicates),
		OSX_TEST(process_scan_agrees),
		OSX_TEST(process_threads),
		OSX_TEST(process_sweeps),
		OSX_TEST(env_name_validation),
		OSX_TEST(env_basic),
		OSX_TEST(env_merge_and_copy),
		OSX_TEST(env_snapshot_independence),
		OSX_TEST(env_10000),
		OSX_TEST(env_envp_child),
		OSX_TEST(expand_python_cases),
		OSX_TEST(expanduser_erange),
		OSX_TEST(expanduser_not_found_codes),
		OSX_TEST(process_no_environ),
		OSX_TEST(env_holes),
		OSX_TEST(env_null_arguments),
		OSX_TEST(env_hash_keyed),
		OSX_TEST(env_hash_per_process),
		OSX_TEST(env_null_handles),
		OSX_TEST(expandvars_linear),
		OSX_TEST(obj_sweeps),
		OSX_TEST(create_sweeps),
		OSX_TEST(expand_sweeps),
	};

	return OSX_RUN(tests);
}
