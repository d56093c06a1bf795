/*
 * osx-find [-0] [-type f|d|l] [-L] [-xdev] [-maxdepth N] [-count] [--] ROOT...
 *
 * A small find(1) on osx_walk: prints every entry under each ROOT (not ROOT
 * itself), as `find ROOT -mindepth 1` does, one per line or NUL-terminated
 * with -0; -count prints only how many matched.  Errors go to stderr in
 * Python's OSError form; the exit status is 1 if there was any.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osx/osx.h>

#include "tool.h"

static const struct tool tool = {
	"osx-find",
	"Usage: osx-find [-0] [-type f|d|l] [-L] [-xdev] [-maxdepth N] [-count] [--] ROOT...\n"
	"Print every entry under each ROOT, as find ROOT -mindepth 1 does.\n"
	"  -0            end each name with a NUL instead of a newline\n"
	"  -type f|d|l   only regular files, directories or symlinks\n"
	"  -L            follow symlinks\n"
	"  -xdev         stay on ROOT's filesystem\n"
	"  -maxdepth N   go at most N levels down\n"
	"  -count        print only how many entries matched\n"
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

static void match(struct find *fd, osx_walk_entry *ev)
{
	if (ev->depth == 0 || ev->depth > fd->maxdepth)
		return;
	if (fd->type && entry_type(fd, ev) != fd->type)
		return;
	fd->count++;
	if (fd->count_only)
		return;
	fwrite(ev->path, 1, ev->pathlen, stdout);
	putchar(fd->term);
}

static void find_root(struct find *fd, const char *root)
{
	osx_walk_entry *ev;
	osx_error err;
	osx_walk *w;

	w = osx_walk_open(root, &fd->opt, &err);
	if (!w) {
		report(&err);
		fd->status = 1;
		return;
	}
	while (osx_walk_next(w, &ev) == 1) {
		switch (ev->event) {
		case OSX_WALK_ERROR:
			/* As find: an entry that exists but cannot be read is
			 * still listed; a loop or a vanished entry is not. */
			if (ev->error.code != ELOOP && ev->error.code != ENOENT)
				match(fd, ev);
			report(&ev->error);
			fd->status = 1;
			break;
		case OSX_WALK_DIR_POST:
			if (ev->error.code) {
				report(&ev->error);
				fd->status = 1;
			}
			break;
		default:
			match(fd, ev);
		}
	}
	osx_walk_close(w);
}

static unsigned parse_depth(const char *s)
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
	struct find fd = { .maxdepth = -1u, .term = '\n' };
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
		} else if (opts && !strcmp(a, "-maxdepth") && i + 1 < argc) {
			fd.maxdepth = parse_depth(argv[++i]);
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
