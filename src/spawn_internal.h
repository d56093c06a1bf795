/* What spawn.c gives the runners (run.c): the attribute object itself, so
 * they can build one on the stack or override its stdio for one run. */
#ifndef OSX_SPAWN_INTERNAL_H
#define OSX_SPAWN_INTERNAL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <osx/proc.h>

enum osx__fd_op { OSX__FD_DUP, OSX__FD_CLOSE, OSX__FD_OPEN };

/* One fd action; the stdio settings are three more, run first. */
struct osx__fd_action {
	enum osx__fd_op op;
	int fd;           /* the child's fd it makes */
	int src;          /* OSX__FD_DUP: the parent's fd */
	int flags;        /* OSX__FD_OPEN */
	unsigned mode;
	const char *path; /* OSX__FD_OPEN (borrowed) */
};

struct osx__rlimit {
	int resource;
	uint64_t soft, hard;
};

struct osx_spawn_attr {
	char *const *argv;
	char *const *envp;      /* NULL: a copy of environ */
	const char *program;    /* NULL: argv[0] */
	int program_fd;         /* >= 0: execveat(AT_EMPTY_PATH) */
	const char *cwd;
	int search_path;
	int stdio[3];           /* a parent fd or OSX_SPAWN_* */
	struct osx__fd_action *actions;
	size_t n_actions, cap_actions;
	int close_fds;
	int new_session;
	pid_t pgroup;           /* -1: unchanged */
	int reset_signals;
	int restore_signals;    /* SIGPIPE, SIGXFSZ to SIG_DFL */
	int has_sigdefault, has_sigmask;
	sigset_t sigdefault, sigmask;
	uid_t uid;              /* (uid_t)-1: unchanged */
	gid_t gid;
	gid_t *groups;          /* set_groups: has_groups */
	size_t n_groups;
	int has_groups;
	int umask;              /* -1: unchanged */
	struct osx__rlimit *rlimits;
	size_t n_rlimits;
	int cgroup;             /* -1: the parent's */
};

/* Defaults of osx_spawn_attr_new, for an attribute object that is not
 * allocated (it then owns nothing: never osx_spawn_attr_free it). */
void osx__spawn_attr_defaults(struct osx_spawn_attr *a);

#endif
