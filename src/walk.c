/*
 * osx_walk: a depth-first tree walk over directory fds.
 *
 * Each directory is opened relative to its parent's fd (O_DIRECTORY, and
 * O_NOFOLLOW unless following), read whole with getdents64 into one shared
 * 64 KiB buffer, its entries kept in the directory's frame, and closed when
 * the walk leaves it.  So a tree deeper than PATH_MAX works, a symlink
 * swapped in for a directory cannot redirect the walk, and a warm directory
 * costs one openat, its getdents64 calls and one close: an entry whose
 * d_type is known is never stat'ed.
 *
 * The path is one buffer: a frame remembers where its path ends and each
 * entry's name is written after it, so no allocation happens per entry.
 * The entries are kept the same way, on one stack for the whole walk: a
 * directory's records and names are pushed on top when it is read and
 * dropped when the walk leaves it.  So memory is what the current path's
 * directories hold, nothing per level beyond its frame (a deep chain costs
 * ~100 bytes a level), and warm buffers are reused by every directory.
 *
 * Deep trees would hold one fd per level, so at most WALK_MAX_FDS stay
 * open: beyond that (or on EMFILE) the shallowest directory not needed by
 * the current event is closed, and reopened through ".." of its child when
 * the walk climbs back, checked by device and inode.  The walk remembers
 * below which depth everything is closed already, so finding the next one
 * to close costs the same at depth 16 000 as at depth 65.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <osx/dir.h>

#include "dirent64.h"
#include "fail.h"
#include "shim.h"
#include "walk_internal.h"

#define top osx__walk_top

static void walk_close(osx_walk *w, int fd)
{
	osx__sys_close(fd);
	w->open_fds--;
}

/* Make *buf hold at least need bytes: a capacity doubled from *cap, or
 * from first for a buffer not allocated yet. */
static int buf_reserve(char **buf, size_t *cap, size_t need, size_t first, osx__fail *fail)
{
	size_t n = *cap ? *cap : first;
	char *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = osx__realloc(*buf, n);
	if (!p)
		return osx__fail_set(fail, ENOMEM, "realloc", NULL, NULL);
	*buf = p;
	*cap = n;
	return 0;
}

/* Make room for len more bytes of path after the first used ones. */
static int path_reserve(osx_walk *w, size_t used, size_t len, osx__fail *fail)
{
	return buf_reserve(&w->path, &w->cappath, used + len, 256, fail);
}

/* A walk with path (len bytes) in its path buffer; NULL with the failure
 * recorded (named path). */
osx_walk *osx__walk_new(int dirfd, const char *path, size_t len, const osx_walk_options *opt,
			osx__fail *fail)
{
	osx_walk *w = osx__calloc(1, sizeof(*w));

	if (!w) {
		osx__fail_set(fail, ENOMEM, "calloc", path, NULL);
		return NULL;
	}
	if (!(w->path = osx__malloc(w->cappath = len + 256))) {
		free(w);
		osx__fail_set(fail, ENOMEM, "malloc", path, NULL);
		return NULL;
	}
	memcpy(w->path, path, len);
	w->path[len] = '\0';
	w->dirfd = dirfd;
	w->flags = opt ? opt->flags : 0;
	w->max_depth = opt ? opt->max_depth : 0;
	w->pending = ROOT;
	return w;
}

osx_walk *osx_fwalk_open(int dirfd, const char *root, const osx_walk_options *opt,
			 osx_error *err)
{
	osx__fail fail = OSX__FAIL_INIT;
	osx_walk *w;

	if (!root)
		osx__fail_set(&fail, EINVAL, "osx_walk_open", NULL, NULL);
	else if ((w = osx__walk_new(dirfd, root, strlen(root), opt, &fail)))
		return w;
	osx__fail_report(&fail, err);
	return NULL;
}

osx_walk *osx_walk_open(const char *root, const osx_walk_options *opt, osx_error *err)
{
	return osx_fwalk_open(AT_FDCWD, root, opt, err);
}

void osx_walk_close(osx_walk *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->nframes; i++)
		if (w->frames[i].fd >= 0)
			osx__sys_close(w->frames[i].fd);
	if (w->own_dirfd)
		osx__sys_close(w->dirfd);
	free(w->frames);
	free(w->recs);
	free(w->names);
	free(w->ancestors);
	free(w->path);
	free(w);
}

void osx_walk_prune(osx_walk *w)
{
	if (!w || w->ev.event != OSX_WALK_DIR)
		return;
	if (w->pending == POST_UNENTERED)
		w->pending = GO;
	else if (w->pending == GO && top(w)->fd == w->ev.fd && !top(w)->read)
		w->pending = POP;
}

/* Record the frame's device and inode, to recognise it when reopened. */
static int frame_id(struct frame *f)
{
	struct stat st;
	int r;

	if (f->have_id)
		return 0;
	r = osx__sys_fstat(f->fd, &st);
	if (r < 0)
		return r;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->have_id = 1;
	return 0;
}

/* Close the shallowest open directory below the newest `keep' frames.
 * 0 when one was closed. */
static int evict(osx_walk *w, size_t keep)
{
	size_t i;

	/* A directory whose identity cannot be taken stays open: it could
	 * not be recognised once reopened.  It is not tried again. */
	for (i = w->closed_below; i + keep < w->nframes; i++) {
		struct frame *f = &w->frames[i];

		if (f->fd < 0 || frame_id(f) < 0)
			continue;
		walk_close(w, f->fd);
		f->fd = -1;
		w->closed_below = i + 1;
		return 0;
	}
	w->closed_below = i;
	return -1;
}

/* openat for the walk: within the fd budget, making room on EMFILE.
 * The fd, or -1 with the failure recorded. */
static int walk_openat(osx_walk *w, int dirfd, const char *name, int flags, size_t keep,
		       osx__fail *fail)
{
	int fd;

	if (w->open_fds >= WALK_MAX_FDS)
		evict(w, keep);
	for (;;) {
		fd = osx__sys_openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | flags, 0);
		if ((fd != -EMFILE && fd != -ENFILE) || evict(w, keep) < 0)
			break;
	}
	if (fd < 0)
		return osx__fail_set(fail, fd, "openat", NULL, NULL);
	w->open_fds++;
	return fd;
}

/* fd when it is the directory frames[i] was; else close it, and -1 with
 * the failure recorded (ESTALE for another directory). */
static int check_id(osx_walk *w, size_t i, int fd, osx__fail *fail)
{
	struct stat st;
	int r;

	if (fd < 0)
		return fd;
	r = osx__sys_fstat(fd, &st);
	if (r < 0)
		osx__fail_set(fail, r, "fstat", NULL, NULL);
	else if (st.st_dev != w->frames[i].dev || st.st_ino != w->frames[i].ino)
		r = osx__fail_set(fail, ESTALE, "openat", NULL, NULL);
	if (r < 0) {
		walk_close(w, fd);
		return -1;
	}
	return fd;
}

/* Open frames[i] again by its name from its parent, and the parent from
 * its own, down from the nearest open directory (or the root's path). */
static int reopen_down(osx_walk *w, size_t i, osx__fail *fail)
{
	/* The root's own symlink was followed if the walk follows it. */
	unsigned root_follow = OSX_WALK_FOLLOW | OSX_WALK_FOLLOW_ROOT;
	int fd = -1, prev = w->dirfd;
	size_t j = i + 1;

	while (j > 0 && w->frames[j - 1].fd < 0)
		j--;
	if (j > 0)
		prev = w->frames[j - 1].fd;
	for (; j <= i; j++) {
		struct frame *f = &w->frames[j];
		int root = j == 0 && w->base_depth == 0;
		int follow = (w->flags & (root ? root_follow : OSX_WALK_FOLLOW)) != 0;
		char c = w->path[f->pathlen];

		w->path[f->pathlen] = '\0';
		fd = walk_openat(w, prev, w->path + f->nameoff, follow ? 0 : O_NOFOLLOW,
				 w->nframes - j + (j > 0), fail);
		w->path[f->pathlen] = c;
		fd = check_id(w, j, fd, fail);
		if (j > 0 && prev != w->frames[j - 1].fd)
			walk_close(w, prev);
		if (fd < 0)
			break;
		prev = fd;
	}
	return fd;
}

/*
 * Reopen the evicted frames[i], needed again.  Through the ".." of its
 * child first: one call, and right unless the child was moved or entered
 * through a symlink, which the device and inode check catches.  Failing
 * that, down by name from an open ancestor.  If the directory is gone,
 * the rest of it is skipped and its POST says why.
 */
static void reopen(osx_walk *w, size_t i)
{
	osx__fail fail = OSX__FAIL_INIT;
	struct frame *f = &w->frames[i];
	int fd = -1;

	if (w->frames[i + 1].fd >= 0)
		fd = check_id(w, i, walk_openat(w, w->frames[i + 1].fd, "..", 0,
						w->nframes - i, &fail), &fail);
	if (fd < 0) {
		osx__fail_clear(&fail);
		fd = reopen_down(w, i, &fail);
	}
	if (fd >= 0) {
		f->fd = fd;
		if (w->closed_below > i)
			w->closed_below = i;
		return;
	}
	f->next = f->nrecs;
	if (!f->err_code) {
		f->err_code = fail.code;
		f->err_call = fail.call;
	}
}

/* Push an entry of the top frame f on the walk's stack. */
static int push_rec(osx_walk *w, struct frame *f, const struct osx__dent64 *d,
		    osx__fail *fail)
{
	size_t len = strlen(d->name);

	if (w->nrecs == w->caprecs) {
		size_t cap = w->caprecs ? w->caprecs * 2 : 64;
		struct rec *r = osx__realloc(w->recs, cap * sizeof(*r));

		if (!r)
			return osx__fail_set(fail, ENOMEM, "realloc", NULL, NULL);
		w->recs = r;
		w->caprecs = cap;
	}
	if (buf_reserve(&w->names, &w->capnames, w->nameslen + len + 1, 4096, fail) < 0)
		return -1;
	memcpy(w->names + w->nameslen, d->name, len + 1);
	w->recs[w->nrecs++] = (struct rec){ d->ino, w->nameslen, len, d->type };
	w->nameslen += len + 1;
	f->nrecs++;
	return 0;
}

static int rec_cmp(const void *a, const void *b, void *names)
{
	return strcmp((char *)names + ((const struct rec *)a)->off,
		      (char *)names + ((const struct rec *)b)->off);
}

/* Read the whole directory.  A failure keeps what was read before it. */
static void read_dir(osx_walk *w, struct frame *f)
{
	osx__fail fail = OSX__FAIL_INIT;
	int r = 0;

	f->nrecs = f->next = f->scan = 0;
	f->rec0 = w->nrecs;
	f->names0 = w->nameslen;
	f->read = 1;
	while (r == 0) {
		ssize_t pos, n = osx__sys_getdents64(f->fd, w->buf, sizeof(w->buf));
		if (n <= 0) {
			if (n < 0)
				r = osx__fail_set(&fail, n, "getdents64", NULL, NULL);
			break;
		}
		for (pos = 0; pos < n && r == 0;) {
			const struct osx__dent64 *d = (const struct osx__dent64 *)(w->buf + pos);

			pos += d->reclen;
			if (osx__is_dot(d->name))
				continue;
			r = push_rec(w, f, d, &fail);
		}
	}
	if (r < 0) {
		f->err_code = fail.code;
		f->err_call = fail.call;
	}
	if ((w->flags & OSX_WALK_SORT) && f->nrecs > 1)
		qsort_r(w->recs + f->rec0, f->nrecs, sizeof(*w->recs), rec_cmp, w->names);
}

struct frame *osx__walk_push_frame(osx_walk *w, int fd, size_t nameoff, size_t pathlen)
{
	struct frame *f;

	if (w->nframes == w->capframes) {
		size_t cap = w->capframes ? w->capframes * 2 : 16;

		f = osx__realloc(w->frames, cap * sizeof(*f));
		if (!f)
			return NULL;
		w->frames = f;
		w->capframes = cap;
	}
	f = &w->frames[w->nframes++];
	f->fd = fd;
	f->read = f->have_id = 0;
	f->d_ino = 0;
	f->nameoff = nameoff;
	f->pathlen = pathlen;
	f->nrecs = f->next = f->scan = 0;
	f->rec0 = w->nrecs;
	f->names0 = w->nameslen;
	f->err_code = 0;
	f->join = NULL;
	return f;
}

void osx__walk_pop_frame(osx_walk *w)
{
	struct frame *f = top(w);

	if (f->fd >= 0)
		walk_close(w, f->fd);
	w->nrecs = f->rec0;
	w->nameslen = f->names0;
	w->nframes--;
	if (w->closed_below > w->nframes)
		w->closed_below = w->nframes;
	if (w->split_floor > w->nframes)
		w->split_floor = w->nframes;
	/* Events of the new current directory need its parent's fd too. */
	if (w->nframes >= 2 && w->frames[w->nframes - 2].fd < 0)
		reopen(w, w->nframes - 2);
}

/* The event's error, named by the entry's path: set as the last step,
 * so the entry fields stay. */
static int ev_error(osx_walk *w, osx__fail *fail)
{
	w->ev.event = OSX_WALK_ERROR;
	w->ev.fd = -1;
	fail->name = w->path;
	fail->name2 = NULL;
	osx__fail_fill(fail, &w->ev.error);
	return 1;
}

/* ev_error() for what osx_dirent_stat() reported in the event's error. */
static int ev_stat_error(osx_walk *w)
{
	osx__fail fail = OSX__FAIL_INIT;

	osx__fail_set(&fail, w->ev.error.code, w->ev.error.call, NULL, NULL);
	return ev_error(w, &fail);
}

/* True when a directory with this identity is on the current path. */
static int is_loop(osx_walk *w, uint64_t dev, uint64_t ino)
{
	size_t i;

	for (i = 0; i < w->nframes; i++) {
		struct frame *f = &w->frames[i];

		if (frame_id(f) == 0 && f->dev == dev && f->ino == ino)
			return 1;
	}
	for (i = 0; i < w->nancestors; i++)
		if (w->ancestors[i].dev == dev && w->ancestors[i].ino == ino)
			return 1;
	return 0;
}

/*
 * Open the directory the event describes and make it the current one.
 * ent.dirfd is its parent's fd; link says it is a symlink being followed.
 */
static int enter(osx_walk *w, int link)
{
	osx__fail fail = OSX__FAIL_INIT;
	osx_walk_entry *ev = &w->ev;
	int follow = link || (w->flags & OSX_WALK_FOLLOW);
	struct frame *f;
	struct stat st;
	osx_stat_result now;
	int fd;

	fd = walk_openat(w, ev->ent.dirfd, ev->ent.name, follow ? 0 : O_NOFOLLOW, 1, &fail);
	if (fd < 0) {
		/* No longer a directory (replaced by a file or a symlink since
		 * it was listed): deliver what is there now, not followed. */
		if ((fail.code == ENOTDIR || fail.code == ELOOP) && !follow && ev->depth > 0 &&
		    osx_dirent_stat(&ev->ent, 0, &now, NULL) == 0) {
			ev->ent.type = (unsigned char)IFTODT(now.mode);
			ev->event = OSX_WALK_FILE;
			return 1;
		}
		return ev_error(w, &fail);
	}
	if (follow || (w->flags & OSX_WALK_XDEV)) {
		int r = osx__sys_fstat(fd, &st);

		if (r == 0 && (w->flags & OSX_WALK_FOLLOW) && is_loop(w, st.st_dev, st.st_ino))
			r = -ELOOP;
		if (r == 0 && ev->depth > 0 && (w->flags & OSX_WALK_XDEV) &&
		    st.st_dev != w->root_dev) {
			walk_close(w, fd);
			ev->event = OSX_WALK_DIR;
			w->pending = POST_UNENTERED;
			return 1;
		}
		if (r < 0) {
			walk_close(w, fd);
			osx__fail_set(&fail, r, r == -ELOOP ? "openat" : "fstat", NULL, NULL);
			return ev_error(w, &fail);
		}
		if (ev->depth == 0)
			w->root_dev = st.st_dev;
	}
	f = osx__walk_push_frame(w, fd, (size_t)(ev->ent.name - w->path), ev->pathlen);
	if (!f) {
		walk_close(w, fd);
		osx__fail_set(&fail, ENOMEM, "realloc", NULL, NULL);
		return ev_error(w, &fail);
	}
	if (follow || (w->flags & OSX_WALK_XDEV)) {
		f->dev = st.st_dev;
		f->ino = st.st_ino;
		f->have_id = 1;
	}
	f->d_ino = ev->ent.ino;
	ev->event = OSX_WALK_DIR;
	ev->fd = fd;
	return 1;
}

static void ev_reset(osx_walk_entry *ev)
{
	ev->fd = -1;
	ev->error.code = 0;
	ev->ent.have_lstat_ = ev->ent.have_stat_ = 0;
}

static int visit_root(osx_walk *w)
{
	osx_walk_entry *ev = &w->ev;
	int follow = (w->flags & (OSX_WALK_FOLLOW | OSX_WALK_FOLLOW_ROOT)) != 0;
	osx_stat_result st;
	int r;

	w->pending = GO;
	ev_reset(ev);
	ev->depth = 0;
	ev->path = w->path;
	ev->pathlen = strlen(w->path);
	ev->ent.name = w->path;
	ev->ent.namelen = ev->pathlen;
	ev->ent.dirfd = w->dirfd;
	ev->ent.dir_ = NULL;
	ev->ent.dirlen_ = 0;
	ev->ent.ino = 0;
	/* The root's type: one stat, since no listing gave a d_type. */
	r = osx_dirent_stat(&ev->ent, 0, &st, &ev->error);
	if (r < 0)
		return ev_stat_error(w);
	ev->ent.type = (unsigned char)IFTODT(st.mode);
	ev->ent.ino = st.ino;
	if (S_ISLNK(st.mode) && follow) {
		if (osx_dirent_stat(&ev->ent, 1, &st, NULL) < 0 || !S_ISDIR(st.mode)) {
			ev->event = OSX_WALK_FILE;
			return 1;
		}
		return enter(w, 1);
	}
	if (!S_ISDIR(st.mode)) {
		ev->event = OSX_WALK_FILE;
		return 1;
	}
	return enter(w, 0);
}

/* Deliver the next entry of directory f. */
static int visit(osx_walk *w, struct frame *f, const struct rec *rec)
{
	osx__fail fail = OSX__FAIL_INIT;
	osx_walk_entry *ev = &w->ev;
	size_t at = f->pathlen;
	osx_stat_result st;
	int r;

	/* No separator after a root given with a trailing '/', as find. */
	if (at > 0 && w->path[at - 1] != '/')
		at++;
	ev_reset(ev);
	ev->depth = w->base_depth + (unsigned)w->nframes;
	ev->ent.dirfd = f->fd;
	ev->ent.ino = rec->ino;
	ev->ent.type = rec->type;
	ev->ent.dirlen_ = f->pathlen;
	r = path_reserve(w, at, rec->len + 1, &fail);
	if (r < 0) {
		/* The path cannot be built: name the directory and the entry. */
		w->path[f->pathlen] = '\0';
		ev->path = w->path;
		ev->pathlen = f->pathlen;
		ev->ent.name = w->names + rec->off;
		ev->ent.namelen = rec->len;
		ev->ent.dir_ = w->path;
		return ev_error(w, &fail);
	}
	w->path[f->pathlen] = '/';
	memcpy(w->path + at, w->names + rec->off, rec->len + 1);
	ev->path = w->path;
	ev->pathlen = at + rec->len;
	ev->ent.name = w->path + at;
	ev->ent.namelen = rec->len;
	ev->ent.dir_ = w->path;

	if (ev->ent.type == DT_UNKNOWN) {
		if (osx_dirent_stat(&ev->ent, 0, &st, &ev->error) < 0)
			return ev_stat_error(w);
		ev->ent.type = (unsigned char)IFTODT(st.mode);
	}
	if (ev->ent.type == DT_LNK && (w->flags & OSX_WALK_FOLLOW)) {
		/* A dangling link (or a chain of links too long) is just a link,
		 * as find -L and fts treat it. */
		r = osx_dirent_stat(&ev->ent, 1, &st, &ev->error);
		if (r < 0 && ev->error.code != ENOENT && ev->error.code != ELOOP)
			return ev_stat_error(w);
		ev->error.code = 0;
		if (r < 0 || !S_ISDIR(st.mode)) {
			ev->event = OSX_WALK_FILE;
			return 1;
		}
		/* Known now, entered or not (find -L reports it at max depth). */
		if (is_loop(w, st.dev, st.ino)) {
			osx__fail_set(&fail, ELOOP, "openat", NULL, NULL);
			return ev_error(w, &fail);
		}
	} else if (ev->ent.type != DT_DIR) {
		ev->event = OSX_WALK_FILE;
		return 1;
	}
	if (w->max_depth && ev->depth >= w->max_depth) {
		ev->event = OSX_WALK_DIR;
		w->pending = POST_UNENTERED;
		return 1;
	}
	return enter(w, ev->ent.type == DT_LNK);
}

static int emit_post(osx_walk *w, struct frame *f)
{
	osx_walk_entry *ev = &w->ev;

	w->path[f->pathlen] = '\0';
	ev_reset(ev);
	ev->event = OSX_WALK_DIR_POST;
	ev->depth = w->base_depth + (unsigned)w->nframes - 1;
	ev->path = w->path;
	ev->pathlen = f->pathlen;
	ev->fd = f->fd;
	ev->ent.name = w->path + f->nameoff;
	ev->ent.namelen = f->pathlen - f->nameoff;
	ev->ent.dirfd = w->nframes >= 2 ? w->frames[w->nframes - 2].fd : w->dirfd;
	ev->ent.dir_ = ev->depth > 0 ? w->path : NULL;
	ev->ent.dirlen_ = w->nframes >= 2 ? w->frames[w->nframes - 2].pathlen : w->root_dirlen;
	ev->ent.ino = f->d_ino;
	ev->ent.type = DT_DIR;
	if (f->err_code)
		osx_error_set(&ev->error, f->err_code, f->err_call, w->path, NULL);
	w->pending = POP;
	return 1;
}

int osx_walk_next(osx_walk *w, osx_walk_entry **out)
{
	if (!w || !out) {
		errno = EINVAL;
		return -1;
	}
	*out = &w->ev;
	switch (w->pending) {
	case ROOT:
		return visit_root(w);
	case DONE:
		return 0;
	case POST_UNENTERED:
		w->ev.event = OSX_WALK_DIR_POST;
		w->pending = GO;
		return 1;
	case POP:
		osx__walk_pop_frame(w);
		w->pending = GO;
		break;
	case GO:
		break;
	}
	while (w->nframes > 0) {
		struct frame *f = top(w);

		if (!f->read)
			read_dir(w, f);
		if (f->next < f->nrecs) {
			f->next++;
			return visit(w, f, &w->recs[f->rec0 + f->next - 1]);
		}
		/* Subtrees of it still walked by other workers: the last of
		 * them delivers its POST. */
		if (f->join && osx__walk_detach(w, f)) {
			osx__walk_pop_frame(w);
			continue;
		}
		/* The rest of a directory another worker delivers the POST of. */
		if (w->cont && w->nframes == 1) {
			osx__walk_pop_frame(w);
			continue;
		}
		return emit_post(w, f);
	}
	w->pending = DONE;
	return 0;
}
