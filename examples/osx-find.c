/*
 * osx-find [-0] [-type f|d|l] [-L] [-xdev] [-maxdepth N] [-count] [-j N] [--] ROOT...
 *
 * A small find(1) on osx_walk: prints every entry under each ROOT (not ROOT
 * itself), as `find ROOT -mindepth 1` does, one per line or NUL-terminated
 * with -0; -count prints only how many matched.  Errors go to stderr in
 * Python's OSError form; the exit status is 1 if there was any.
 *
 * -j N walks with N workers (osx_walk_parallel; 0: one per CPU this process
 * may use), as bfs -j does: the same entries, in an order that differs
 * between directories.  Each worker fills an output buffer of its own and
 * writes it whole, under a lock, so lines never mix.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osx/osx.h>

#include "tool.h"

static const struct tool tool = {
	"osx-find",
	"Usage: osx-find [-0] [-type f|d|l] [-L] [-xdev] [-maxdepth N] [-count] [-j N] [--] ROOT...\n"
	"Print every entry under each ROOT, as find ROOT -mindepth 1 does.\n"
	"  -0            end each name with a NUL instead of a newline\n"
	"  -type f|d|l   only regular files, directories or symlinks\n"
	"  -L            follow symlinks\n"
	"  -xdev         stay on ROOT's filesystem\n"
	"  -maxdepth N   go at most N levels down\n"
	"  -count        print only how many entries matched\n"
	"  -j N          walk with N worker threads (0: one per CPU)\n"
	"  --help        display this help and exit\n"
	"  --version     output version information and exit\n",
	1,
};

struct find {
	osx_walk_options opt;
	unsigned maxdepth; /* -1u: none */
	int type;          /* DT_REG, DT_DIR, DT_LNK or 0 for any */
	int count_only;
	char term;
	unsigned long long count;
	int status;
	unsigned jobs;          /* 1: osx_walk; else osx_walk_parallel's threads */
	pthread_mutex_t lock;   /* -j: stdout, stderr, status */
};

/* -j: one worker's output and count. */
struct out {
	char buf[1 << 16];
	size_t len;
	unsigned long long count;
};

static void report(const osx_error *err)
{
	char msg[2 * OSX_ERROR_NAME_MAX + 128];

	osx_error_format(err, msg, sizeof(msg));
	fprintf(stderr, "osx-find: %s\n", msg);
}

static OSX_NORETURN void usage(void)
{
	tool_usage_error(&tool, NULL);
}

/* The type -type tests: with -L, a symlink's target unless it dangles. */
static int entry_type(const struct find *fd, osx_walk_entry *ev)
{
	osx_stat_result st;

	if (ev->ent.type == DT_LNK && (fd->opt.flags & OSX_WALK_FOLLOW) &&
	    osx_dirent_stat(&ev->ent, 1, &st, NULL) == 0)
		return (int)IFTODT(st.mode);
	return ev->ent.type;
}

/* Is the entry printed (and counted)? */
static int matches(const struct find *fd, osx_walk_entry *ev)
{
	if (ev->depth == 0 || ev->depth > fd->maxdepth)
		return 0;
	return !fd->type || entry_type(fd, ev) == fd->type;
}

/* -j: write a worker's buffer out whole. */
static void flush_out(struct find *fd, struct out *o)
{
	pthread_mutex_lock(&fd->lock);
	fwrite(o->buf, 1, o->len, stdout);
	pthread_mutex_unlock(&fd->lock);
	o->len = 0;
}

/* Print a matching entry: to stdout, or (o non-NULL) to a worker's buffer. */
static void match(struct find *fd, struct out *o, osx_walk_entry *ev)
{
	if (!matches(fd, ev))
		return;
	if (o) {
		o->count++;
		if (fd->count_only)
			return;
		if (o->len + ev->pathlen + 1 > sizeof(o->buf))
			flush_out(fd, o);
		if (ev->pathlen + 1 > sizeof(o->buf)) {
			pthread_mutex_lock(&fd->lock);
			fwrite(ev->path, 1, ev->pathlen, stdout);
			putchar(fd->term);
			pthread_mutex_unlock(&fd->lock);
			return;
		}
		memcpy(o->buf + o->len, ev->path, ev->pathlen);
		o->buf[o->len + ev->pathlen] = fd->term;
		o->len += ev->pathlen + 1;
		return;
	}
	fd->count++;
	if (fd->count_only)
		return;
	fwrite(ev->path, 1, ev->pathlen, stdout);
	putchar(fd->term);
}

static void failed(struct find *fd, const osx_error *err)
{
	if (fd->jobs != 1)
		pthread_mutex_lock(&fd->lock);
	report(err);
	fd->status = 1;
	if (fd->jobs != 1)
		pthread_mutex_unlock(&fd->lock);
}

/* One event, from either walk. */
static void event(struct find *fd, struct out *o, osx_walk_entry *ev)
{
	switch (ev->event) {
	case OSX_WALK_ERROR:
		/* As find: an entry that exists but cannot be read is still
		 * listed; a loop or a vanished entry is not. */
		if (ev->error.code != ELOOP && ev->error.code != ENOENT)
			match(fd, o, ev);
		failed(fd, &ev->error);
		break;
	case OSX_WALK_DIR_POST:
		if (ev->error.code)
			failed(fd, &ev->error);
		break;
	default:
		match(fd, o, ev);
	}
}

struct par {
	struct find *fd;
	struct out *outs;
};

static int par_event(osx_walk_entry *ev, unsigned worker, void *arg)
{
	struct par *p = arg;

	event(p->fd, &p->outs[worker], ev);
	return OSX_WALK_CONTINUE;
}

static void find_root(struct find *fd, const char *root)
{
	osx_walk_entry *ev;
	osx_error err;
	osx_walk *w;

	if (fd->jobs != 1) {
		unsigned n = fd->jobs ? fd->jobs : (unsigned)osx_process_cpu_count(NULL);
		struct par p = { fd, calloc(n ? n : 1, sizeof(struct out)) };

		if (!p.outs) {
			perror("osx-find");
			exit(1);
		}
		if (osx_walk_parallel(AT_FDCWD, root, &fd->opt, n, par_event, &p, &err) < 0)
			failed(fd, &err);
		for (unsigned i = 0; i < (n ? n : 1); i++) {
			flush_out(fd, &p.outs[i]);
			fd->count += p.outs[i].count;
		}
		free(p.outs);
		return;
	}
	w = osx_walk_open(root, &fd->opt, &err);
	if (!w) {
		failed(fd, &err);
		return;
	}
	while (osx_walk_next(w, &ev) == 1)
		event(fd, NULL, ev);
	osx_walk_close(w);
}

static unsigned parse_number(const char *s)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (!*s || *end || errno || n > 1000000 || s[0] == '-')
		usage();
	return (unsigned)n;
}

int main(int argc, char **argv)
{
	struct find fd = { .maxdepth = -1u, .term = '\n', .jobs = 1,
			   .lock = PTHREAD_MUTEX_INITIALIZER };
	int i, nroots = 0, opts = 1;

	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (opts && !strcmp(a, "--")) {
			opts = 0;
		} else if (opts && !strcmp(a, "--help")) {
			tool_option(&tool, TOOL_HELP);
		} else if (opts && !strcmp(a, "--version")) {
			tool_option(&tool, TOOL_VERSION);
		} else if (opts && !strcmp(a, "-0")) {
			fd.term = '\0';
		} else if (opts && !strcmp(a, "-L")) {
			fd.opt.flags |= OSX_WALK_FOLLOW;
		} else if (opts && !strcmp(a, "-xdev")) {
			fd.opt.flags |= OSX_WALK_XDEV;
		} else if (opts && !strcmp(a, "-count")) {
			fd.count_only = 1;
		} else if (opts && !strcmp(a, "-j") && i + 1 < argc) {
			fd.jobs = parse_number(argv[++i]);
		} else if (opts && !strcmp(a, "-maxdepth") && i + 1 < argc) {
			fd.maxdepth = parse_number(argv[++i]);
			/* The walk's 0 means no limit; depth 0 prints nothing anyway. */
			fd.opt.max_depth = fd.maxdepth ? fd.maxdepth : 1;
		} else if (opts && !strcmp(a, "-type") && i + 1 < argc) {
			a = argv[++i];
			if (!strcmp(a, "f"))
				fd.type = DT_REG;
			else if (!strcmp(a, "d"))
				fd.type = DT_DIR;
			else if (!strcmp(a, "l"))
				fd.type = DT_LNK;
			else
				usage();
		} else if (opts && a[0] == '-' && a[1]) {
			fprintf(stderr, "osx-find: unknown option '%s'\n", a);
			usage();
		} else {
			argv[++nroots] = argv[i];
		}
	}
	if (!nroots) {
		fputs("osx-find: no ROOT given\n", stderr);
		usage();
	}
	for (i = 1; i <= nroots; i++)
		find_root(&fd, argv[i]);
	if (fd.count_only)
		printf("%llu\n", fd.count);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("osx-find: stdout");
		return 1;
	}
	return fd.status;
}
