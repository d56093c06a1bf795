/* Test harness: leak checks, temp dirs, fault-injection sweeps.  Test code
 * may call libc directly; only the library is bound to the shim. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static osx_fdset fds_at_start;
static char tmpdir[256];
/* Parts of the running test noted as not run here (osx_test_unchecked). */
static int unchecked;

/* ---- fault call sites, for tests/fault-sites.sh ---- */

/* OSX_FAULT_SITES, copied at start-up: a test may change the environment. */
static char sites_file[PATH_MAX];

__attribute__((constructor)) static void sites_init(void)
{
	const char *file = getenv("OSX_FAULT_SITES");
	size_t len = file ? strlen(file) : 0;

	if (len && len < sizeof(sites_file))
		memcpy(sites_file, file, len + 1);
}

/* The module a site is in: its name ("" for the main program) and load
 * bias, found with dl_iterate_phdr (glibc and musl; dladdr1 is glibc's). */
struct site_module {
	uintptr_t site, bias;
	const char *name;
};

static int find_module(struct dl_phdr_info *info, size_t size, void *data)
{
	struct site_module *m = data;
	int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && m->site >= lo && m->site - lo < ph->p_memsz) {
			m->bias = info->dlpi_addr;
			m->name = info->dlpi_name;
			return 1;
		}
	}
	return 0;
}

/* One site as "<module> <address>": the address minus the module's load
 * bias, the ELF virtual address addr2line takes, PIE or not.  "?" for a
 * module not found, which the checker fails on. */
static int site_line(const void *site, char *line, size_t size)
{
	static char self[PATH_MAX];
	struct site_module m = {(uintptr_t)site, 0, "?"};
	const char *module;
	int len;

	dl_iterate_phdr(find_module, &m);
	module = m.name ? m.name : "";
	if (!module[0]) { /* the main program: its entry has no name */
		if (!self[0]) {
			ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

			if (n < 0)
				return -1;
			self[n] = '\0';
		}
		module = self;
	}
	len = snprintf(line, size, "%s %#lx\n", module,
		       (unsigned long)((uintptr_t)site - m.bias));
	return len > 0 && (size_t)len < size ? len : -1;
}

/*
 * At exit, append the sites faults were faked at (src/fault.c records
 * them) to OSX_FAULT_SITES.  A forked child that exits appends its copy
 * too; the checker merges duplicates.  One write per line, so the test
 * programs meson runs in parallel do not mix their lines.
 */
__attribute__((destructor)) static void sites_dump(void)
{
	static const void *sites[OSX__FAULT_MAX_SITES];
	char line[PATH_MAX + 64];
	size_t n, i;
	int fd, len;

	if (!sites_file[0])
		return;
	fd = open(sites_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	n = osx__fault_sites(sites, OSX__FAULT_MAX_SITES);
	/* An overflowed table lost sites: say so, and the checker fails. */
	if (n > OSX__FAULT_MAX_SITES) {
		n = OSX__FAULT_MAX_SITES;
		if (write(fd, "lost -\n", 7) != 7)
			n = 0;
	}
	for (i = 0; i < n; i++) {
		len = site_line(sites[i], line, sizeof(line));
		if (len < 0 || write(fd, line, (size_t)len) != len)
			break;
	}
	close(fd);
}

void osx_fdset_take(osx_fdset *set)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int self;

	memset(set, 0, sizeof(*set));
	assert_non_null(d);
	self = dirfd(d);
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name || fd == self)
			continue;
		if (fd >= (long)(8 * sizeof(set->bits)))
			set->over++; /* valgrind keeps its own fds up there */
		else
			set->bits[fd / (8 * sizeof(long))] |= 1UL << (fd % (8 * sizeof(long)));
	}
	closedir(d);
}

void osx_fdset_assert_same(const osx_fdset *before, const char *where)
{
	osx_fdset now;
	size_t i;

	osx_fdset_take(&now);
	for (i = 0; i < 8 * sizeof(now.bits); i++) {
		unsigned long bit = 1UL << (i % (8 * sizeof(long)));
		size_t w = i / (8 * sizeof(long));
		if ((now.bits[w] & bit) && !(before->bits[w] & bit)) {
			char link[64], target[256] = "?";
			ssize_t n;
			snprintf(link, sizeof(link), "/proc/self/fd/%zu", i);
			n = readlink(link, target, sizeof(target) - 1);
			if (n >= 0)
				target[n] = '\0';
			close((int)i); /* so one leak is not blamed on every later test */
			fail_msg("%s: fd %zu leaked (%s)", where, i, target);
		}
	}
	if (now.over > before->over)
		fail_msg("%s: an fd above 1023 leaked", where);
}

/* Kill and reap every child still alive; returns how many there were.
 * Children are found by their parent pid in /proc, since waitpid cannot
 * list live ones. */
static int kill_live_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[64], buf[512], *p;
		long pid = strtol(e->d_name, &p, 10), ppid;
		FILE *f;
		if (*p || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		if (!(f = fopen(path, "re")))
			continue;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		/* "pid (comm) state ppid ...": comm may hold spaces and ')'. */
		if (p && sscanf(p + 1, " %*c %ld", &ppid) == 1 && ppid == getpid()) {
			kill((pid_t)pid, SIGKILL);
			waitpid((pid_t)pid, NULL, 0);
			n++;
		}
	}
	closedir(d);
	return n;
}

void osx_assert_no_children(const char *where)
{
	int left = 0;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		left++; /* zombies nobody reaped */
	left += kill_live_children();
	if (left)
		fail_msg("%s: %d child process(es) left unreaped", where, left);
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)ftw;
	if (type == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

/* Make every directory under path writable and searchable again, so a test
 * that chmod-ed one to 0 does not stop the cleanup. */
static int unlock_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_D || type == FTW_DNR)
		chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

const char *osx_test_python_text(const char *glibc_text, char *out, size_t size)
{
	const char *msg = strstr(glibc_text, "] "), *end;
	int code;

	if (sscanf(glibc_text, "[Errno %d]", &code) != 1 || !msg) {
		snprintf(out, size, "%s", glibc_text);
		return out;
	}
	msg += 2;
	/* The message ends where the quoted file name begins: no strerror
	 * text has a quote in it. */
	end = strstr(msg, ": '");
	if (!end || (strstr(msg, ": \"") && strstr(msg, ": \"") < end))
		end = strstr(msg, ": \"");
	if (!end)
		end = msg + strlen(msg);
	snprintf(out, size, "%.*s%s%s", (int)(msg - glibc_text), glibc_text, strerror(code), end);
	return out;
}

int osx_test_under_valgrind(void)
{
	const char *v = getenv("OSX_TEST_UNDER_VALGRIND");

	return v && *v == '1';
}

const char *osx_test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmpdir[0])
		return tmpdir;
	snprintf(tmpdir, sizeof(tmpdir), "%s/osx-test-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir))
		fail_msg("mkdtemp %s: %s", tmpdir, strerror(errno));
	return tmpdir;
}

const char *osx_test_path(int slot, const char *name)
{
	static char paths[4][4096];

	assert_true(slot >= 0 && slot < 4);
	snprintf(paths[slot], sizeof(paths[slot]), "%s/%s", osx_test_tmpdir(), name);
	return paths[slot];
}

void osx_test_unchecked(const char *what, const char *why)
{
	print_message("%s: not run here: %s\n", what, why);
	unchecked++;
}

void osx_test_skip_unchecked(void)
{
	if (!unchecked)
		return;
	unchecked = -1; /* skipped, as the teardown expects */
	skip();
}

int osx_test_setup(void **state)
{
	(void)state;
	unchecked = 0;
	osx__fault_reset();
	osx_fdset_take(&fds_at_start);
	return 0;
}

int osx_test_teardown(void **state)
{
	(void)state;
	osx__fault_reset();
	if (tmpdir[0]) {
		nftw(tmpdir, unlock_entry, 16, FTW_PHYS);
		nftw(tmpdir, rm_entry, 16, FTW_PHYS | FTW_DEPTH);
		tmpdir[0] = '\0';
	}
	osx_assert_no_children("teardown");
	osx_fdset_assert_same(&fds_at_start, "teardown");
	if (unchecked > 0)
		fail_msg("teardown: a part was noted as not run, but the test was not skipped");
	return 0;
}

static int default_error(enum osx__sys sys)
{
	switch (sys) {
	case OSX__SYS_malloc:
	case OSX__SYS_calloc:
	case OSX__SYS_realloc:
	case OSX__SYS_setenv:
		return ENOMEM;
	default:
		return EIO;
	}
}

/* The error of a failed run names the call that failed: the injected one;
 * in the round where the cleanup calls fail too, possibly one of those
 * (when the operation meets one before the injected call); or what the
 * sweep's own call_ok() accepts. */
static int call_named(const struct osx_sweep *sw, const struct osx_sweep_run *r, int round)
{
	int c;

	if (!r->err.call)
		return 0;
	if (strcmp(r->err.call, osx__sys_name(r->sys)) == 0)
		return 1;
	for (c = 0; round && c < OSX__SYS_COUNT; c++)
		if (sw->cleanup[c] && strcmp(r->err.call, osx__sys_name((enum osx__sys)c)) == 0)
			return 1;
	return sw->call_ok && sw->call_ok(sw->ctx, r);
}

unsigned long osx_sweep_run(const struct osx_sweep *sw)
{
	unsigned long counts[OSX__SYS_COUNT], n, runs = 0;
	struct osx_sweep_run r;
	osx_fdset before;
	char where[160];
	int s, c, round, rounds = 1;

	/* Dry run: learn which calls the operation makes. */
	if (sw->setup)
		sw->setup(sw->ctx);
	memset(&r, 0, sizeof(r));
	osx_fdset_take(&before);
	osx__fault_reset();
	r.rc = sw->run(sw->ctx, &r.err);
	for (s = 0; s < OSX__SYS_COUNT; s++)
		counts[s] = osx__fault_count((enum osx__sys)s);
	osx__fault_reset();
	/* A spawn child that copied our memory counted its calls in its copy. */
	if ((counts[OSX__SYS_clone] || counts[OSX__SYS_clone3]) && !osx_test_vfork_shares_memory())
		osx_test_unchecked("sweep: the spawn child's calls",
				   "a CLONE_VM|CLONE_VFORK child copies the memory here, so its calls "
				   "are not counted; the parent's are failed");
	if (r.rc < 0)
		fail_msg("sweep: the untouched run failed: errno %d in %s", r.err.code,
			 r.err.call ? r.err.call : "?");
	r.sys = OSX__SYS_COUNT; /* tells check() this was the dry run */
	if (sw->check)
		sw->check(sw->ctx, &r);
	osx_fdset_assert_same(&before, "sweep dry run");

	for (c = 0; c < OSX__SYS_COUNT; c++)
		if (sw->cleanup[c])
			rounds = 2;
	for (round = 0; round < rounds; round++) {
		for (s = 0; s < OSX__SYS_COUNT; s++) {
			if (sw->skip[s] || (round && sw->cleanup[s]))
				continue;
			for (n = 1; n <= counts[s]; n++) {
				memset(&r, 0, sizeof(r));
				r.sys = (enum osx__sys)s;
				r.nth = n;
				r.injected = sw->error ? sw->error : default_error(r.sys);
				snprintf(where, sizeof(where), "sweep: %s #%lu failing with errno %d%s",
					 osx__sys_name(r.sys), n, r.injected,
					 round ? ", and every cleanup call" : "");
				if (sw->setup)
					sw->setup(sw->ctx);
				osx_fdset_take(&before);
				osx__fault_reset();
				osx__fault_fail(r.sys, n, 1, r.injected);
				for (c = 0; round && c < OSX__SYS_COUNT; c++)
					if (sw->cleanup[c])
						osx__fault_fail((enum osx__sys)c, 1, OSX__FAULT_ALWAYS,
								default_error((enum osx__sys)c));
				errno = 0;
				r.rc = sw->run(sw->ctx, &r.err);
				r.errno_after = errno;
				osx__fault_reset();
				if (r.rc < 0) {
					if (r.err.code != r.errno_after)
						fail_msg("%s: err.code %d but errno %d", where, r.err.code,
							 r.errno_after);
					if (!r.err.call)
						fail_msg("%s: err.call not set", where);
					if (!sw->any_error && r.err.code != r.injected)
						fail_msg("%s: reported errno %d (%s)", where, r.err.code,
							 r.err.call);
					if (!call_named(sw, &r, round))
						fail_msg("%s: the error names \"%s\"", where, r.err.call);
				}
				if (sw->check)
					sw->check(sw->ctx, &r);
				osx_assert_no_children(where);
				osx_fdset_assert_same(&before, where);
				runs++;
			}
		}
	}
	assert_true(runs > 0);
	return runs;
}
