/*
 * The old-kernel test mode: a seccomp filter, installed before main, that
 * refuses what an older kernel lacks, so the suite runs "as on Linux 4.19"
 * on a new one.  Driven by the environment:
 *
 *   OSX_TEST_KERNEL=4.19       refuse every call and flag newer than 4.19
 *   OSX_TEST_REFUSE_ERRNO=EPERM  answer missing calls with EPERM, as older
 *                              container runtimes do (default ENOSYS, as
 *                              the kernel does)
 *   OSX_TEST_REFUSE=clone3,getrandom:GRND_INSECURE
 *                              refuse single calls, or a call only when it
 *                              carries a flag
 *
 * A missing call answers the chosen errno; a flag the kernel does not know
 * answers EINVAL, as the kernel does (clone's CLONE_PIDFD before 5.2,
 * getrandom's GRND_INSECURE before 5.6, close_range's CLOSE_RANGE_CLOEXEC
 * before 5.11).  Only flags passed in registers can be matched: clone3's
 * flags are in memory, so clone3 is refused whole or not at all (its
 * CLONE_CLEAR_SIGHAND and CLONE_INTO_CGROUP are not emulated).
 *
 * The filter is inherited by children and kept across execve, so the
 * programs a test runs see the same kernel.  Built into the test harness
 * (a constructor) and, with OSX_SECCOMP_WRAPPER, as osx-seccomp-run, which
 * installs it and runs its arguments: the meson test setups wrap every
 * test with it, shell scripts included.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__) && defined(__ILP32__)
#error "x32 is not supported"
#elif defined(__x86_64__)
#define AUDIT_ARCH_SELF AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define AUDIT_ARCH_SELF AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define AUDIT_ARCH_SELF AUDIT_ARCH_AARCH64
#else
#error "seccomp.c: add this architecture's AUDIT_ARCH"
#endif

/*
 * Calls added since 5.1 have one number on every architecture (424 and
 * up); the older ones come from <sys/syscall.h>, which gives this
 * architecture's numbers.  The C library's headers may predate a call, so
 * the new ones are spelled here.
 */
enum {
	NR_pidfd_send_signal = 424,
	NR_io_uring_setup = 425,
	NR_io_uring_enter = 426,
	NR_io_uring_register = 427,
	NR_open_tree = 428,
	NR_move_mount = 429,
	NR_fsopen = 430,
	NR_fsconfig = 431,
	NR_fsmount = 432,
	NR_fspick = 433,
	NR_pidfd_open = 434,
	NR_clone3 = 435,
	NR_close_range = 436,
	NR_openat2 = 437,
	NR_pidfd_getfd = 438,
	NR_faccessat2 = 439,
	NR_process_madvise = 440,
	NR_epoll_pwait2 = 441,
	NR_mount_setattr = 442,
	NR_quotactl_fd = 443,
	NR_landlock_create_ruleset = 444,
	NR_landlock_add_rule = 445,
	NR_landlock_restrict_self = 446,
	NR_memfd_secret = 447,
	NR_process_mrelease = 448,
	NR_futex_waitv = 449,
	NR_set_mempolicy_home_node = 450,
	NR_cachestat = 451,
	NR_fchmodat2 = 452,
};

/* A flag lives in a register argument; the filter tests its low 32 bits. */
struct flag {
	const char *name;
	unsigned arg;
	unsigned mask;
};

/* One refusable thing: a call (flag.name NULL) or a flag of a call, and
 * the kernel that brought it (major * 100 + minor).  libc_enosys: the C
 * library uses the call itself and falls back only on ENOSYS (glibc 2.34's
 * pthread_create and posix_spawn on clone3, 2.33's faccessat on
 * faccessat2), so a runtime answering EPERM breaks every program, and
 * runtimes answer ENOSYS for these since (Docker 20.10.10, runc 1.0.3):
 * the EPERM profile does too. */
struct feature {
	const char *call;
	long nr;
	struct flag flag;
	int since;
	int libc_enosys;
};

#define CALL(call, nr, since) {#call, nr, {NULL, 0, 0}, since, 0}
#define LIBC_CALL(call, nr, since) {#call, nr, {NULL, 0, 0}, since, 1}
#define FLAG(call, nr, flag, arg, mask, since) {#call, nr, {#flag, arg, mask}, since, 0}

static const struct feature features[] = {
	/* before the floor (4.19), for OSX_TEST_KERNEL below it */
	CALL(renameat2, SYS_renameat2, 315),
	CALL(copy_file_range, SYS_copy_file_range, 405),
	CALL(statx, SYS_statx, 411),
	/* 5.1 .. */
	CALL(pidfd_send_signal, NR_pidfd_send_signal, 501),
	CALL(io_uring_setup, NR_io_uring_setup, 501),
	CALL(io_uring_enter, NR_io_uring_enter, 501),
	CALL(io_uring_register, NR_io_uring_register, 501),
	FLAG(clone, SYS_clone, CLONE_PIDFD, 0, 0x00001000, 502),
	CALL(open_tree, NR_open_tree, 502),
	CALL(move_mount, NR_move_mount, 502),
	CALL(fsopen, NR_fsopen, 502),
	CALL(fsconfig, NR_fsconfig, 502),
	CALL(fsmount, NR_fsmount, 502),
	CALL(fspick, NR_fspick, 502),
	CALL(pidfd_open, NR_pidfd_open, 503),
	LIBC_CALL(clone3, NR_clone3, 503),
	FLAG(getrandom, SYS_getrandom, GRND_INSECURE, 2, 0x0004, 506),
	CALL(openat2, NR_openat2, 506),
	CALL(pidfd_getfd, NR_pidfd_getfd, 506),
	LIBC_CALL(faccessat2, NR_faccessat2, 508),
	CALL(close_range, NR_close_range, 509),
	CALL(process_madvise, NR_process_madvise, 510),
	FLAG(close_range, NR_close_range, CLOSE_RANGE_CLOEXEC, 2, 1u << 2, 511),
	CALL(epoll_pwait2, NR_epoll_pwait2, 511),
	CALL(mount_setattr, NR_mount_setattr, 512),
	CALL(landlock_create_ruleset, NR_landlock_create_ruleset, 513),
	CALL(landlock_add_rule, NR_landlock_add_rule, 513),
	CALL(landlock_restrict_self, NR_landlock_restrict_self, 513),
	CALL(quotactl_fd, NR_quotactl_fd, 514),
	CALL(memfd_secret, NR_memfd_secret, 514),
	CALL(process_mrelease, NR_process_mrelease, 515),
	CALL(futex_waitv, NR_futex_waitv, 516),
	CALL(set_mempolicy_home_node, NR_set_mempolicy_home_node, 517),
	CALL(cachestat, NR_cachestat, 605),
	CALL(fchmodat2, NR_fchmodat2, 606),
};
#define NFEATURES (sizeof(features) / sizeof(features[0]))

/* Three instructions per call, five per flag, and the head and tail. */
#define MAX_INSNS (8 + 5 * NFEATURES)

struct prog {
	struct sock_filter insn[MAX_INSNS];
	unsigned short len;
};

static void emit(struct prog *p, struct sock_filter insn)
{
	p->insn[p->len++] = insn;
}

#define LOAD(field) (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (unsigned)(field))
#define NR_FIELD offsetof(struct seccomp_data, nr)
/* The low half of a 64-bit argument: all three architectures are little
 * endian. */
#define ARG_FIELD(i) (offsetof(struct seccomp_data, args) + 8 * (i))

static void emit_refusal(struct prog *p, const struct feature *f, int error)
{
	emit(p, LOAD(NR_FIELD));
	if (!f->flag.name) {
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)f->nr, 0, 1));
		emit(p, (struct sock_filter)BPF_STMT(
				BPF_RET | BPF_K,
				SECCOMP_RET_ERRNO | (unsigned)(f->libc_enosys ? ENOSYS : error)));
		return;
	}
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)f->nr, 0, 3));
	emit(p, LOAD(ARG_FIELD(f->flag.arg)));
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, f->flag.mask, 0, 1));
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL));
}

static _Noreturn void die(const char *what, const char *detail)
{
	fprintf(stderr, "seccomp: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(125);
}

/* "4.19" -> 419. */
static int parse_kernel(const char *s)
{
	char *end;
	long major = strtol(s, &end, 10), minor;

	if (end == s || *end != '.')
		die("OSX_TEST_KERNEL is not MAJOR.MINOR", s);
	s = end + 1;
	minor = strtol(s, &end, 10);
	if (end == s || *end || major < 3 || major > 99 || minor < 0 || minor > 99)
		die("OSX_TEST_KERNEL is not MAJOR.MINOR", s);
	return (int)(major * 100 + minor);
}

/* OSX_TEST_REFUSE's entries: "call" refuses the call, "call:FLAG" the flag. */
static void add_named(struct prog *p, char *list, int error, char *seen)
{
	char *save = NULL, *item;

	for (item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *flag = strchr(item, ':');
		size_t i;
		int found = 0;

		if (flag)
			*flag++ = '\0';
		for (i = 0; i < NFEATURES; i++) {
			const struct feature *f = &features[i];

			if (strcmp(f->call, item) != 0)
				continue;
			if (flag ? !f->flag.name || strcmp(f->flag.name, flag) != 0 : !!f->flag.name)
				continue;
			found = 1;
			if (!seen[i])
				emit_refusal(p, f, error);
			seen[i] = 1;
		}
		if (!found)
			die("OSX_TEST_REFUSE: no such call or flag here", item);
	}
}

/* What the filter of this process refuses (by features[] index), with
 * which errno; for osx_test_refused. */
static char refused[NFEATURES];
static int refused_error;

/*
 * Install the filter the environment asks for: 1 when installed, 0 when
 * the environment asks none or the process has it already (a test program
 * the wrapper runs inherits its filter).  Either way refused[] records
 * what the environment asks.
 */
static int install(void)
{
	const char *kernel = getenv("OSX_TEST_KERNEL");
	const char *refuse = getenv("OSX_TEST_REFUSE");
	const char *errname = getenv("OSX_TEST_REFUSE_ERRNO");
	static struct prog p;
	char list[1024];
	struct sock_fprog fprog;
	int error = ENOSYS;
	size_t i;

	memset(refused, 0, sizeof(refused));
	p.len = 0;
	if (!(kernel && *kernel) && !(refuse && *refuse))
		return 0;
	if (errname && *errname) {
		if (strcmp(errname, "ENOSYS") == 0)
			error = ENOSYS;
		else if (strcmp(errname, "EPERM") == 0)
			error = EPERM;
		else
			die("OSX_TEST_REFUSE_ERRNO is neither ENOSYS nor EPERM", errname);
	}
	refused_error = error;

	emit(&p, LOAD(offsetof(struct seccomp_data, arch)));
	/* Another architecture's calls (an i386 program on x86-64): allowed. */
	emit(&p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_SELF, 1, 0));
	emit(&p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	if (kernel && *kernel) {
		int version = parse_kernel(kernel);

		for (i = 0; i < NFEATURES; i++)
			if (features[i].since > version && !refused[i]) {
				emit_refusal(&p, &features[i], error);
				refused[i] = 1;
			}
	}
	if (refuse && *refuse) {
		if (strlen(refuse) >= sizeof(list))
			die("OSX_TEST_REFUSE is too long", NULL);
		memcpy(list, refuse, strlen(refuse) + 1);
		add_named(&p, list, error, refused);
	}
	emit(&p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2)
		return 0;
	fprog.len = p.len;
	fprog.filter = p.insn;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		die("prctl(PR_SET_NO_NEW_PRIVS)", strerror(errno));
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) != 0)
		die("prctl(PR_SET_SECCOMP)", strerror(errno));
	return 1;
}

/* Declared in harness.h. */
int osx_test_refused(const char *call, const char *flag);

int osx_test_refused(const char *call, const char *flag)
{
	size_t i;

	for (i = 0; i < NFEATURES; i++) {
		const struct feature *f = &features[i];

		if (!refused[i] || strcmp(f->call, call) != 0)
			continue;
		if (!f->flag.name && !flag)
			return f->libc_enosys ? ENOSYS : refused_error;
		if (f->flag.name && flag && strcmp(f->flag.name, flag) == 0)
			return EINVAL;
	}
	return 0;
}

#ifdef OSX_SECCOMP_WRAPPER
int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: OSX_TEST_KERNEL=4.19 %s program [args...]\n", argv[0]);
		return 2;
	}
	install();
	execvp(argv[1], argv + 1);
	die("execvp", strerror(errno));
}
#elif !defined(OSX_SECCOMP_NO_CONSTRUCTOR)
__attribute__((constructor)) static void seccomp_init(void)
{
	install();
}
#endif
