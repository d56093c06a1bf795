/*
 * osx_rmtree: shutil.rmtree over the fd-relative walk.
 *
 * The walk opens every directory relative to its parent's fd with
 * O_NOFOLLOW, and every removal is an unlinkat() relative to the fd of the
 * directory that was listed.  A directory swapped for a symlink at any
 * moment is therefore removed as a symlink, never entered: the attack of
 * CVE-2022-21658 (and of Python's old path-based rmtree) cannot make it
 * delete outside the tree.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include <osx/dir.h>

#include "fail.h"
#include "shim.h"

struct rmtree {
	osx_rmtree_onerror *onerror;
	void *arg;
	osx_error first; /* a copy: the event's names change as the walk goes */
	int failed;
};

/* 0 to go on, -1 to stop (no onerror: the first failure ends it).  The
 * root's own failures end it too, and are only returned: nothing else is
 * done, so reporting them to onerror as well would say it twice. */
static int fail(struct rmtree *rm, const osx_error *e, int root)
{
	if (!rm->failed)
		rm->first = *e;
	rm->failed = 1;
	if (!rm->onerror || root)
		return -1;
	rm->onerror(e, rm->arg);
	return 0;
}

static int remove_entry(struct rmtree *rm, osx_walk_entry *ev, int flags)
{
	osx_error e;
	int r;

	r = osx__sys_unlinkat(ev->ent.dirfd, ev->ent.name, flags);
	/* Already gone (removed concurrently): what was asked is done. */
	if (r == 0 || r == -ENOENT)
		return 0;
	osx_error_set(&e, -r, "unlinkat", ev->path, NULL);
	return fail(rm, &e, 0);
}

static int handle(struct rmtree *rm, osx_walk_entry *ev)
{
	osx_error e;

	switch (ev->event) {
	case OSX_WALK_FILE:
		if (ev->depth == 0) {
			/* os.rmtree refuses a root that is a file or a symlink. */
			osx_error_set(&e, ENOTDIR, "openat", ev->path, NULL);
			return fail(rm, &e, 1);
		}
		return remove_entry(rm, ev, 0);
	case OSX_WALK_DIR_POST:
		if (ev->error.code && fail(rm, &ev->error, 0) < 0)
			return -1;
		/* Its parent could not be reopened: the parent's POST, next,
		 * says why; an unlinkat on -1 would only add an EBADF. */
		if (ev->ent.dirfd < 0 && ev->depth > 0)
			return 0;
		return remove_entry(rm, ev, AT_REMOVEDIR);
	case OSX_WALK_ERROR:
		if (ev->error.code == ENOENT && ev->depth > 0)
			return 0;
		return fail(rm, &ev->error, ev->depth == 0);
	default:
		return 0;
	}
}

/*
 * rm's refusal (and --preserve-root): a path whose last component is "."
 * or "..", or that is only slashes.  Removing "." would empty the current
 * directory and then fail; ".." and "/" are worse.
 */
static int refused(const char *path)
{
	size_t len = strlen(path), start;

	while (len > 0 && path[len - 1] == '/')
		len--;
	if (len == 0)
		return path[0] == '/';
	start = len;
	while (start > 0 && path[start - 1] != '/')
		start--;
	return (len - start == 1 && path[start] == '.') ||
	       (len - start == 2 && path[start] == '.' && path[start + 1] == '.');
}

int osx_rmtree_at(int dirfd, const char *path, osx_rmtree_onerror *onerror, void *arg,
		  osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	struct rmtree rm = { onerror, arg, { 0 }, 0 };
	osx_walk_entry *ev;
	osx_walk *w;

	if (!path || refused(path)) {
		osx__fail_set(&f, EINVAL, "osx_rmtree", path, NULL);
		return osx__fail_report(&f, err);
	}
	w = osx_fwalk_open(dirfd, path, NULL, err);
	if (!w)
		return -1;
	while (osx_walk_next(w, &ev) == 1) {
		if (handle(&rm, ev) < 0)
			break;
	}
	osx_walk_close(w);
	if (rm.failed) {
		osx__fail_from(&f, &rm.first);
		return osx__fail_report(&f, err);
	}
	return 0;
}

int osx_rmtree(const char *path, osx_rmtree_onerror *onerror, void *arg, osx_error *err)
{
	return osx_rmtree_at(AT_FDCWD, path, onerror, arg, err);
}
