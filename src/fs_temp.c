/* tempfile.mkstemp and tempfile.mkdtemp (fs.h): random names, O_EXCL,
 * another name on EEXIST. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <osx/fd.h>
#include <osx/fs.h>

#include "fail.h"
#include "shim.h"

/* tempfile's TMP_MAX and alphabet. */
#define TRIES 10000
#define NAME_LEN 8
static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789_";

/* dir "/" prefix XXXXXXXX suffix, with the X's at *rand. */
static char *template_of(const char *dir, const char *prefix, const char *suffix,
			 char **rand)
{
	const char *tmp = getenv("TMPDIR");
	size_t dl, pl, sl;
	char *p;

	if (!dir)
		dir = tmp && *tmp ? tmp : "/tmp";
	prefix = prefix ? prefix : "tmp";
	suffix = suffix ? suffix : "";
	dl = strlen(dir), pl = strlen(prefix), sl = strlen(suffix);
	p = osx__malloc(dl + 1 + pl + NAME_LEN + sl + 1);
	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	/* posixpath.join: no separator after one already there. */
	if (dl && dir[dl - 1] != '/')
		p[dl++] = '/';
	memcpy(p + dl, prefix, pl);
	*rand = p + dl + pl;
	memcpy(*rand + NAME_LEN, suffix, sl + 1);
	return p;
}

/* A fresh random name (rejection sampling: each letter equally likely). */
static int fill_name(char *rand, osx__fail *f)
{
	unsigned char r[NAME_LEN * 2];
	osx_error e;
	size_t i, n = 0;

	while (n < NAME_LEN) {
		/* No names: e lives only here, and has none. */
		if (osx_urandom(r, sizeof(r), &e) < 0)
			return osx__fail_set(f, e.code, e.call, NULL, NULL);
		for (i = 0; i < sizeof(r) && n < NAME_LEN; i++)
			if (r[i] < 256 / 37 * 37)
				rand[n++] = letters[r[i] % 37];
	}
	return 0;
}

/* Create dir_fd-relative names until one is new: mkdirat, or openat
 * O_EXCL.  Returns the fd (or 0 for a directory) or -1. */
static int create(int dir_fd, char *name, char *rand, int is_dir, osx__fail *f)
{
	int i, r;

	for (i = 0; i < TRIES; i++) {
		if (fill_name(rand, f) < 0)
			return -1;
		if (is_dir)
			r = osx__sys_mkdirat(dir_fd, name, 0700);
		else
			r = osx__sys_openat(dir_fd, name,
					    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (r != -EEXIST)
			return r >= 0 ? r : osx__fail_set(f, r, is_dir ? "mkdirat" : "openat",
							  name, NULL);
	}
	/* tempfile's FileExistsError("No usable temporary file name found"). */
	return osx__fail_set(f, EEXIST, is_dir ? "mkdirat" : "openat", NULL, NULL);
}

int osx_mkstemp(int dir_fd, const char *dir, const char *prefix, const char *suffix,
		char **path, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	char *name, *rand;
	int fd;

	if (!path)
		return osx_error_set(err, EINVAL, "openat", NULL, NULL);
	*path = NULL;
	name = template_of(dir, prefix, suffix, &rand);
	if (!name)
		return osx_error_set(err, ENOMEM, "malloc", dir, NULL);
	fd = create(dir_fd, name, rand, 0, &f);
	if (fd < 0) {
		osx__fail_fill(&f, err);
		free(name);
		return osx__fail_errno(&f);
	}
	*path = name;
	return fd;
}

char *osx_mkdtemp(int dir_fd, const char *dir, const char *prefix, const char *suffix,
		  osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	char *name, *rand;

	name = template_of(dir, prefix, suffix, &rand);
	if (!name) {
		osx_error_set(err, ENOMEM, "malloc", dir, NULL);
		return NULL;
	}
	if (create(dir_fd, name, rand, 1, &f) < 0) {
		osx__fail_fill(&f, err);
		free(name);
		osx__fail_errno(&f);
		return NULL;
	}
	return name;
}
