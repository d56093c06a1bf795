/* osx-stat: GNU stat -c for a subset of its format letters, on osx_stat.
 *
 *   osx-stat [-L] -c FORMAT FILE...
 *
 * %n name, %s size, %a octal mode, %A mode as ls shows it, %F file type,
 * %i inode, %h links, %u uid, %g gid, %X %Y %Z access, modification and
 * change time in seconds, %W birth time in seconds (0 if unknown), %% a %.
 * Any other letter prints "?", as stat does.  A newline ends each file's
 * line.  Exit 1 if any FILE could not be stat'ed. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <osx/osx.h>

#include "tool.h"

static const char *type_name(const osx_stat_result *st)
{
	switch (st->mode & S_IFMT) {
	case S_IFREG:
		return st->size ? "regular file" : "regular empty file";
	case S_IFDIR:
		return "directory";
	case S_IFLNK:
		return "symbolic link";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "socket";
	case S_IFCHR:
		return "character special file";
	case S_IFBLK:
		return "block special file";
	default:
		return "weird file";
	}
}

/* ls -l's mode string, setuid/setgid/sticky included. */
static void mode_string(unsigned mode, char out[11])
{
	static const char types[] = "?pc?d?b?-?l?s???";
	static const char rwx[] = "rwxrwxrwx";
	int i;

	out[0] = types[(mode & S_IFMT) >> 12];
	for (i = 0; i < 9; i++)
		out[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
	if (mode & S_ISUID)
		out[3] = out[3] == 'x' ? 's' : 'S';
	if (mode & S_ISGID)
		out[6] = out[6] == 'x' ? 's' : 'S';
	if (mode & S_ISVTX)
		out[9] = out[9] == 'x' ? 't' : 'T';
	out[10] = '\0';
}

static void show(const char *name, const osx_stat_result *st, const char *fmt)
{
	char mode[11];

	for (; *fmt; fmt++) {
		if (*fmt != '%' || !fmt[1]) {
			putchar(*fmt);
			continue;
		}
		switch (*++fmt) {
		case 'n': fputs(name, stdout); break;
		case 's': printf("%lld", (long long)st->size); break;
		case 'a': printf("%o", st->mode & 07777u); break;
		case 'A': mode_string(st->mode, mode); fputs(mode, stdout); break;
		case 'F': fputs(type_name(st), stdout); break;
		case 'i': printf("%llu", (unsigned long long)st->ino); break;
		case 'h': printf("%llu", (unsigned long long)st->nlink); break;
		case 'u': printf("%u", st->uid); break;
		case 'g': printf("%u", st->gid); break;
		case 'X': printf("%lld", (long long)st->atime.sec); break;
		case 'Y': printf("%lld", (long long)st->mtime.sec); break;
		case 'Z': printf("%lld", (long long)st->ctime.sec); break;
		case 'W':
			printf("%lld", st->valid & OSX_STAT_BIRTHTIME ? (long long)st->birthtime.sec : 0LL);
			break;
		case '%': putchar('%'); break;
		default: putchar('?'); break;
		}
	}
	putchar('\n');
}

static const struct tool tool = {
	"osx-stat",
	"Usage: osx-stat [-L] -c FORMAT [--] FILE...\n"
	"Print FORMAT for each FILE, as GNU stat -c.\n"
	"  -L, --dereference  follow symbolic links\n"
	"  -c, --format=FORMAT  %n %s %a %A %F %i %h %u %g %X %Y %Z %W %%\n"
	"      --help         display this help and exit\n"
	"      --version      output version information and exit\n",
	1,
};

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{"dereference", no_argument, NULL, 'L'},
		{"format", required_argument, NULL, 'c'},
		TOOL_LONG_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	const char *fmt = NULL;
	int follow = 0, status = 0, c, i;

	while ((c = getopt_long(argc, argv, "Lc:", longs, NULL)) != -1) {
		if (c == 'L')
			follow = 1;
		else if (c == 'c')
			fmt = optarg;
		else
			tool_option(&tool, c);
	}
	if (optind == argc)
		tool_usage_error(&tool, "missing operand");
	if (!fmt)
		tool_usage_error(&tool, "-c FORMAT is required");
	for (i = optind; i < argc; i++) {
		osx_stat_result st;
		osx_error err;
		char msg[2200];

		if (osx_stat(OSX_AT_CWD, argv[i], follow, &st, &err) < 0) {
			osx_error_format(&err, msg, sizeof(msg));
			fprintf(stderr, "osx-stat: %s\n", msg);
			status = 1;
			continue;
		}
		show(argv[i], &st, fmt);
	}
	if (fflush(stdout) != 0)
		status = 1;
	return status;
}
