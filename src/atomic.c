/*
 * Atomic file writes: the new content goes to a temp file in the target's
 * directory and is renamed over the target, so the name always refers to a
 * whole file, old or new.  Everything after the first step is relative to
 * one directory fd, so a rename of a parent directory midway cannot send
 * the temp and the rename to different places.
 *
 * The temp: the one-shot write creates it under its name straight away,
 * durable or not: that is the hand-written sequence (create, write,
 * [fsync,] close, rename), and the cheapest one.  An O_TMPFILE inode costs
 * more: ext4 journals it on and off its orphan list, and it is linked
 * through /proc and the link checked (a tenth more time for a durable
 * write of 4 KiB on ext4, docs/replace.md).  The durable
 * streaming writer, which may stay open for long, keeps the O_TMPFILE
 * inode: it has no name while the data is written and flushed (a writer
 * killed then leaves nothing), and is linked to a temp name just before
 * the rename.  Either way a killed writer can leave a named temp.  So
 * that those cannot pile up, temp names come from a few slots per target,
 * ".<target>.<0-7>.osx-tmp", and a writer holds a read lock on its slots
 * (an OFD lock on the directory, at an offset derived from the target's
 * name) from before it creates a temp until after the rename.  A writer
 * finding a slot taken asks whether any other open directory holds that
 * lock; if none does, the slots' files are leftovers and are removed
 * (sweep_slots() says how without removing a new writer's temp).  Where
 * the directory cannot be locked, temps get random names and leftovers
 * stay, as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <osx/replace.h>

#include "replace_internal.h"
#include "shim.h"

/* Temp names per target that a writer can reclaim. */
#define SLOTS 8
/* Tries at a fresh random temp name when one is taken.  With 64 random
 * bits a clash means someone else creates the names we pick. */
#define NAME_TRIES 16
/* Bytes of the target's name kept in the temp's name (for humans). */
#define BASE_KEPT 200

/* Where in the directory's lock space this target's slots are: a hash of
 * its name, 8 bytes per target.  Two names with one hash only make each
 * other's leftovers look alive. */
static off_t slot_offset(const char *base)
{
	uint64_t h = 14695981039346656037u;

	while (*base)
		h = (h ^ (unsigned char)*base++) * 1099511628211u;
	return (off_t)((h >> 8) * SLOTS);
}

/* Hold the read lock on the target's slots (shared: every live writer of
 * the target holds it).  A kernel before 3.15 (no OFD locks) or a
 * filesystem without locks refuses: then random names. */
static int lock_slots(struct osx_atomic_writer *w, osx__fail *f)
{
	struct flock l = {.l_type = F_RDLCK, .l_whence = SEEK_SET,
			  .l_start = slot_offset(w->base), .l_len = SLOTS};
	int r = osx__sys_fcntl_lock(w->dirfd, F_OFD_SETLK, &l);

	if (r == 0)
		w->slots = 1;
	else if (r != -EINVAL && r != -ENOLCK && r != -EOPNOTSUPP)
		return osx__fail_set(f, r, "fcntl", w->path, NULL);
	return 0;
}

/* Does another open directory hold a lock on the target's slots, i.e. is
 * another writer of the target alive?  Our own lock never conflicts with
 * the test.  When in doubt, yes. */
static int others_alive(const struct osx_atomic_writer *w)
{
	struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET,
			  .l_start = slot_offset(w->base), .l_len = SLOTS};

	return osx__sys_fcntl_lock(w->dirfd, F_OFD_GETLK, &l) < 0 || l.l_type != F_UNLCK;
}

/* ".<target, up to 200 bytes>" then the suffix, in w->tmp. */
static char *tmp_prefix(struct osx_atomic_writer *w)
{
	size_t kept = strlen(w->base);
	char *p = w->tmp;

	if (kept > BASE_KEPT)
		kept = BASE_KEPT;
	*p++ = '.';
	memcpy(p, w->base, kept);
	p += kept;
	*p++ = '.';
	return p;
}

static void slot_name(struct osx_atomic_writer *w, int i)
{
	char *p = tmp_prefix(w);

	*p++ = (char)('0' + i);
	memcpy(p, ".osx-tmp", 9);
}

/* A random name ".<target>.<16 hex>.tmp".  GRND_INSECURE (5.6) never
 * blocks, even early at boot: the name needs to be unlikely to clash, not
 * secret, since O_EXCL/linkat refuse an existing name anyway.  An older
 * kernel refuses the flag (EINVAL): GRND_NONBLOCK then. */
static int random_name(struct osx_atomic_writer *w, osx__fail *f)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[8];
	ssize_t n;
	size_t i;
	char *p;

	n = osx__sys_getrandom(rnd, sizeof(rnd), GRND_INSECURE);
	if (n == -EINVAL)
		n = osx__sys_getrandom(rnd, sizeof(rnd), GRND_NONBLOCK);
	if (n >= 0 && n != (ssize_t)sizeof(rnd))
		n = -EIO; /* requests up to 256 bytes are never short */
	if (n < 0)
		return osx__fail_set(f, n, "getrandom", w->path, NULL);
	p = tmp_prefix(w);
	for (i = 0; i < sizeof(rnd); i++) {
		*p++ = hex[rnd[i] >> 4];
		*p++ = hex[rnd[i] & 15];
	}
	memcpy(p, ".tmp", 5);
	return 0;
}

/* Create the named temp at w->tmp: O_EXCL (never an existing file),
 * O_NOFOLLOW (never through a link). */
static int make_named(struct osx_atomic_writer *w, osx__fail *f)
{
	int r = osx__sys_openat(w->dirfd, w->tmp,
				O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, w->mode);

	if (r < 0)
		return osx__fail_set(f, r, "openat", w->path, NULL);
	w->fd = r;
	w->named = 1;
	return 0;
}

/* Link the O_TMPFILE inode to w->tmp (linkat cannot replace, which is why
 * the target is reached by a rename after it).  Through the calling
 * thread's own fd table, /proc/thread-self (3.17): /proc/self is the
 * thread-group leader's, and in a thread that unshared its fd table (or
 * in any thread, once the leader's table differs) the same number names
 * another file.  AT_SYMLINK_FOLLOW through /proc works unprivileged;
 * AT_EMPTY_PATH, which needs CAP_DAC_READ_SEARCH, is the fallback when
 * /proc is not mounted. */
static int make_link(struct osx_atomic_writer *w, osx__fail *f)
{
	char proc[40];
	int r;

	snprintf(proc, sizeof(proc), "/proc/thread-self/fd/%d", w->fd);
	r = osx__sys_linkat(AT_FDCWD, proc, w->dirfd, w->tmp, AT_SYMLINK_FOLLOW);
	if (r == -ENOENT) {
		int r2 = osx__sys_linkat(w->fd, "", w->dirfd, w->tmp, AT_EMPTY_PATH);
		if (r2 == 0 || r2 == -EEXIST)
			r = r2;
	}
	if (r < 0)
		return osx__fail_set(f, r, "linkat", w->path, NULL);
	w->named = 1;
	return 0;
}

/* The same file: the inode, and its change time, which a reused inode
 * number does not keep. */
static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * Remove the leftovers in the target's slots; called when a slot is taken
 * and no other writer seemed alive.  "No other writer alive" holds only
 * for the moment of the test: right after it, a writer may begin and take
 * a slot that was free then, and removing its temp would let it rename
 * whatever is at that name next (another writer's unfinished temp) over
 * the target.  So every slot is looked at before the test and again after
 * it, and only a file that was there both times, unchanged, is removed:
 * it was there at the test, when it was nobody's, and nobody else removes
 * a leftover while this writer's lock makes it look alive.  The first slot
 * goes last, and stays while a later one could not be removed, so that the
 * next writer finds it taken and tries again.  Returns whether anything
 * was removed.
 */
static int sweep_slots(struct osx_atomic_writer *w)
{
	struct stat seen[SLOTS], now;
	unsigned there = 0;
	int i, kept = 0, removed = 0;

	for (i = 0; i < SLOTS; i++) {
		slot_name(w, i);
		if (osx__sys_fstatat(w->dirfd, w->tmp, &seen[i], AT_SYMLINK_NOFOLLOW) == 0)
			there |= 1u << i;
	}
	if (!there || others_alive(w))
		return 0;
	for (i = SLOTS - 1; i >= 0; i--) {
		int r;

		if (!(there & 1u << i) || (i == 0 && kept))
			continue;
		slot_name(w, i);
		r = osx__sys_fstatat(w->dirfd, w->tmp, &now, AT_SYMLINK_NOFOLLOW);
		if (r == 0 && same_file(&seen[i], &now))
			r = osx__sys_unlinkat(w->dirfd, w->tmp, 0);
		else if (r == 0)
			continue; /* a new writer's temp */
		removed |= r == 0;
		kept |= r < 0 && r != -ENOENT;
	}
	return removed;
}

/* Give the temp a name with make(): a free slot, else one freed by
 * removing leftovers (when no other writer of the target is alive), else
 * random names. */
static int name_temp(struct osx_atomic_writer *w, int (*make)(struct osx_atomic_writer *, osx__fail *),
		     osx__fail *f)
{
	int i, swept = 0;

	for (i = 0; w->slots && i < SLOTS; i++) {
		slot_name(w, i);
		if (make(w, f) == 0)
			return 0;
		if (f->code != EEXIST)
			return -1;
		osx__fail_clear(f);
		if (!swept) {
			swept = 1;
			if (!others_alive(w) && sweep_slots(w))
				i = -1; /* from the first slot again */
		}
	}
	for (i = 0; i < NAME_TRIES; i++) {
		if (random_name(w, f) < 0)
			return -1;
		if (make(w, f) == 0)
			return 0;
		if (f->code != EEXIST || i == NAME_TRIES - 1)
			return -1;
		osx__fail_clear(f);
	}
	return -1;
}

int osx__atomic_check(struct osx_atomic_writer *w, osx__fail *f)
{
	const char *slash = strrchr(w->path, '/');

	w->base = slash ? slash + 1 : w->path;
	if (!*w->path)
		return osx__fail_set(f, ENOENT, "openat", w->path, NULL);
	if (!*w->base || !strcmp(w->base, ".") || !strcmp(w->base, ".."))
		return osx__fail_set(f, EISDIR, "openat", w->path, NULL);
	if (strlen(w->base) > NAME_MAX)
		return osx__fail_set(f, ENAMETOOLONG, "openat", w->path, NULL);
	return 0;
}

/* Open path's directory into w->dirfd. */
static int open_dir(struct osx_atomic_writer *w, int dirfd, osx__fail *f)
{
	char dir[PATH_MAX];
	int fd;

	if (osx__atomic_check(w, f) < 0)
		return -1;
	if (w->base == w->path) {
		strcpy(dir, ".");
	} else if (w->base == w->path + 1) {
		strcpy(dir, "/");
	} else {
		size_t n = (size_t)(w->base - 1 - w->path);
		if (n >= sizeof(dir))
			return osx__fail_set(f, ENAMETOOLONG, "openat", w->path, NULL);
		memcpy(dir, w->path, n);
		dir[n] = '\0';
	}
	/* Not O_PATH: it is locked (slots) and fsynced (durable). */
	fd = osx__sys_openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return osx__fail_set(f, fd, "openat", w->path, NULL);
	w->dirfd = fd;
	return 0;
}

/* The existing target's owner on the temp now; its permission bits are
 * the temp's from its creation, its set-id bits (and anything the umask
 * took) by osx__atomic_prepare, after the last write: a write by a process
 * without CAP_FSETID clears set-id bits, and so does a chown.  Set-id bits
 * are not copied from a target with other hard links: with
 * protected_hardlinks=0 anyone can link someone's set-id program to the
 * target's name, and the new content would inherit its bits. */
static int keep_owner(struct osx_atomic_writer *w, const struct stat *old, osx__fail *f)
{
	struct stat st;
	int r;

	r = osx__sys_fstat(w->fd, &st);
	if (r < 0)
		return osx__fail_set(f, r, "fstat", w->path, NULL);
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	if (st.st_uid != old->st_uid || st.st_gid != old->st_gid) {
		r = osx__sys_fchown(w->fd, old->st_uid, old->st_gid);
		if (r < 0)
			return osx__fail_set(f, r, "fchown", w->path, NULL);
	}
	w->mode = old->st_mode & 07777;
	if (old->st_nlink > 1)
		w->mode &= ~(mode_t)(S_ISUID | S_ISGID);
	w->set_mode = (st.st_mode & 07777) != w->mode;
	return 0;
}

#define KNOWN_FLAGS (OSX_ATOMIC_DURABLE | OSX_ATOMIC_KEEP_MODE | OSX_ATOMIC_NOFOLLOW | OSX_ATOMIC_MODE)

int osx__atomic_start(struct osx_atomic_writer *w, int dirfd, const osx_atomic_options *opts,
		      int tmpfile, osx__fail *f)
{
	struct stat old;
	int r, have_old = 0;

	w->dirfd = w->fd = -1;
	w->failed = 0;
	w->tmpfile = w->named = w->slots = w->set_mode = 0;
	w->state = OSX_ATOMIC_UNCHANGED;
	w->flags = opts ? opts->flags : 0;
	w->mode = 0666;
	if (w->flags & ~KNOWN_FLAGS)
		return osx__fail_set(f, EINVAL, "openat", w->path, NULL);
	if (w->flags & OSX_ATOMIC_MODE) {
		if (opts->mode & ~(mode_t)07777)
			return osx__fail_set(f, EINVAL, "openat", w->path, NULL);
		w->mode = opts->mode;
	}
	if (open_dir(w, dirfd, f) < 0)
		return -1;
	if (w->flags & (OSX_ATOMIC_KEEP_MODE | OSX_ATOMIC_NOFOLLOW)) {
		r = osx__sys_fstatat(w->dirfd, w->base, &old, AT_SYMLINK_NOFOLLOW);
		if (r == 0 && S_ISLNK(old.st_mode) && (w->flags & OSX_ATOMIC_NOFOLLOW))
			r = -ELOOP;
		if (r < 0 && r != -ENOENT) {
			osx__fail_set(f, r, "fstatat", w->path, NULL);
			goto out;
		}
		have_old = r == 0 && S_ISREG(old.st_mode) && (w->flags & OSX_ATOMIC_KEEP_MODE);
		if (have_old)
			w->mode = old.st_mode & 0777; /* readable as the target is, no more */
	}
	if (lock_slots(w, f) < 0)
		goto out;
	r = -EOPNOTSUPP;
	if (tmpfile && (w->flags & OSX_ATOMIC_DURABLE))
		r = osx__sys_openat(w->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, w->mode);
	/* open(2): EOPNOTSUPP from a filesystem without O_TMPFILE, EISDIR from
	 * a kernel that predates it; EINVAL from some FUSE and network mounts. */
	if (r == -EOPNOTSUPP || r == -EISDIR || r == -EINVAL) {
		if (name_temp(w, make_named, f) < 0)
			goto out;
	} else if (r < 0) {
		osx__fail_set(f, r, "openat", w->path, NULL);
		goto out;
	} else {
		w->fd = r;
		w->tmpfile = 1;
	}
	if (have_old) {
		if (keep_owner(w, &old, f) < 0)
			goto out;
	} else if (w->tmpfile) {
		/* the inode its link is checked against */
		struct stat st;
		r = osx__sys_fstat(w->fd, &st);
		if (r < 0) {
			osx__fail_set(f, r, "fstat", w->path, NULL);
			goto out;
		}
		w->dev = st.st_dev;
		w->ino = st.st_ino;
	}
	return 0;
out:
	osx__atomic_discard(w);
	return -1;
}

void osx__atomic_discard(struct osx_atomic_writer *w)
{
	/* The name goes before the fd (and the slot lock with the dirfd):
	 * while the name exists, its writer's lock shows it alive.  Errors
	 * here are ignored: the caller reports the first failure. */
	if (w->named)
		osx__sys_unlinkat(w->dirfd, w->tmp, 0);
	if (w->fd >= 0)
		osx__sys_close(w->fd);
	if (w->dirfd >= 0)
		osx__sys_close(w->dirfd);
	w->named = 0;
	w->fd = w->dirfd = -1;
}

int osx__atomic_write_all(struct osx_atomic_writer *w, const void *data, size_t len,
			  osx__fail *f)
{
	const char *p = data;

	if (w->failed)
		return osx__fail_set(f, w->failed, "write", w->path, NULL);
	if (!data && len)
		return osx__fail_set(f, EINVAL, "write", w->path, NULL);
	while (len) {
		ssize_t n = osx__sys_write(w->fd, p, len);

		if (n == 0)
			n = -EIO; /* a regular file never takes 0 of >0 bytes */
		if (n < 0) {
			w->failed = (int)-n;
			return osx__fail_set(f, n, "write", w->path, NULL);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int osx__atomic_prepare(struct osx_atomic_writer *w, osx__fail *f)
{
	if (w->failed)
		return osx__fail_set(f, w->failed, "write", w->path, NULL);
	if (w->set_mode) {
		int r = osx__sys_fchmod(w->fd, w->mode);

		if (r < 0)
			return osx__fail_set(f, r, "fchmod", w->path, NULL);
	}
	return 0;
}

/* The O_TMPFILE temp: link it to a name, then make sure the name is the
 * temp's inode before anything is renamed over the target. */
static int link_tmpfile(struct osx_atomic_writer *w, osx__fail *f)
{
	struct stat st;
	int r;

	if (name_temp(w, make_link, f) < 0)
		return -1;
	r = osx__sys_fstatat(w->dirfd, w->tmp, &st, AT_SYMLINK_NOFOLLOW);
	if (r < 0)
		return osx__fail_set(f, r, "fstatat", w->path, NULL);
	if (st.st_dev != w->dev || st.st_ino != w->ino)
		return osx__fail_set(f, EIO, "linkat", w->path, NULL); /* another file linked */
	return 0;
}

static int close_tmp(struct osx_atomic_writer *w, osx__fail *f)
{
	int r = osx__sys_close(w->fd);

	w->fd = -1;
	if (r < 0)
		return osx__fail_set(f, r, "close", w->path, NULL);
	return 0;
}

/*
 *   O_TMPFILE: linkat to a temp name, rename over the target, close;
 *   named temp: close, rename over the target.
 * The named temp is closed before its rename so that a write error only
 * close reports (NFS) still leaves the target alone; the O_TMPFILE one
 * (flushed already: only durable writes use it) after it, so that the
 * window in which it has a name is as short as the kernel allows.  After
 * the rename a failure is still reported, but the new content is in place
 * (state REPLACED) and there is nothing to undo.
 */
int osx__atomic_publish(struct osx_atomic_writer *w, osx__fail *f)
{
	int r;

	if (w->tmpfile ? link_tmpfile(w, f) < 0 : close_tmp(w, f) < 0)
		return -1;
	r = osx__sys_renameat2(w->dirfd, w->tmp, w->dirfd, w->base, 0);
	if (r < 0)
		return osx__fail_set(f, r, "renameat2", w->path, NULL);
	w->named = 0; /* the temp's name is now the target's */
	w->state = OSX_ATOMIC_REPLACED;
	if (w->tmpfile)
		return close_tmp(w, f);
	return 0;
}

/* The end of a single writer: prepare, fsync (durable), publish, fsync
 * the directory (durable).  w is finished (discarded) either way. */
static int finish(struct osx_atomic_writer *w, osx__fail *f)
{
	int durable = (w->flags & OSX_ATOMIC_DURABLE) != 0, r = 0;

	if (osx__atomic_prepare(w, f) < 0)
		goto out;
	if (durable && (r = osx__sys_fsync(w->fd)) < 0) {
		osx__fail_set(f, r, "fsync", w->path, NULL);
		goto out;
	}
	if (osx__atomic_publish(w, f) < 0)
		goto out;
	if (durable) {
		r = osx__sys_fsync(w->dirfd);
		if (r < 0)
			osx__fail_set(f, r, "fsync", w->path, NULL);
		else
			w->state = OSX_ATOMIC_REPLACED_DURABLE;
	}
out:
	/* The directory fd's close result is ignored with the rest of
	 * discard: a read-only directory fd holds no data to lose. */
	osx__atomic_discard(w);
	return osx__failed(f) ? -1 : 0;
}

int osx_atomic_writeat(int dirfd, const char *path, const void *data, size_t len,
		       const osx_atomic_options *opts, osx_atomic_state *state, osx_error *err)
{
	struct osx_atomic_writer w;
	osx__fail f = OSX__FAIL_INIT;

	w.path = path;
	w.state = OSX_ATOMIC_UNCHANGED;
	if (!path || (!data && len)) {
		osx__fail_set(&f, EINVAL, "openat", path, NULL);
	} else if (osx__atomic_start(&w, dirfd, opts, 0, &f) == 0) {
		if (osx__atomic_write_all(&w, data, len, &f) == 0)
			finish(&w, &f);
		osx__atomic_discard(&w);
	}
	if (state)
		*state = w.state;
	if (!osx__failed(&f))
		return 0;
	return osx__fail_report(&f, err);
}

int osx_atomic_write(const char *path, const void *data, size_t len,
		     const osx_atomic_options *opts, osx_atomic_state *state, osx_error *err)
{
	return osx_atomic_writeat(AT_FDCWD, path, data, len, opts, state, err);
}

osx_atomic_writer *osx_atomic_beginat(int dirfd, const char *path,
				      const osx_atomic_options *opts, osx_error *err)
{
	struct osx_atomic_writer *w;
	osx__fail f = OSX__FAIL_INIT;
	size_t n;

	if (!path) {
		osx__fail_set(&f, EINVAL, "openat", NULL, NULL);
		osx__fail_report(&f, err);
		return NULL;
	}
	n = strlen(path) + 1;
	w = osx__malloc(sizeof(*w) + n);
	if (!w) {
		osx__fail_set(&f, ENOMEM, "malloc", path, NULL);
		osx__fail_report(&f, err);
		return NULL;
	}
	memcpy(w->pathbuf, path, n);
	w->path = w->pathbuf;
	if (osx__atomic_start(w, dirfd, opts, 1, &f) < 0) {
		osx__fail_fill(&f, err);
		free(w);
		osx__fail_errno(&f);
		return NULL;
	}
	return w;
}

osx_atomic_writer *osx_atomic_begin(const char *path, const osx_atomic_options *opts,
				    osx_error *err)
{
	return osx_atomic_beginat(AT_FDCWD, path, opts, err);
}

int osx_atomic_writer_fd(const osx_atomic_writer *w)
{
	if (!w) {
		errno = EINVAL;
		return -1;
	}
	return w->fd;
}

int osx_atomic_writer_write(osx_atomic_writer *w, const void *data, size_t len,
			    osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;

	if (!w)
		osx__fail_set(&f, EINVAL, "write", NULL, NULL);
	else if (osx__atomic_write_all(w, data, len, &f) == 0)
		return 0;
	return osx__fail_report(&f, err);
}

int osx_atomic_commit(osx_atomic_writer *w, osx_atomic_state *state, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;

	if (state)
		*state = OSX_ATOMIC_UNCHANGED;
	if (!w) {
		osx__fail_set(&f, EINVAL, "renameat2", NULL, NULL);
		return osx__fail_report(&f, err);
	}
	finish(w, &f);
	if (state)
		*state = w->state;
	if (!osx__failed(&f)) {
		free(w);
		return 0;
	}
	/* The name lives in w: into err before w is freed, errno last. */
	osx__fail_fill(&f, err);
	free(w);
	return osx__fail_errno(&f);
}

void osx_atomic_abort(osx_atomic_writer *w)
{
	if (!w)
		return;
	osx__atomic_discard(w);
	free(w);
}
