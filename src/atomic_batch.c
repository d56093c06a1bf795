/*
 * Many atomic writes, one sync point.  Each staged file is an atomic
 * writer whose temp is written at once; the commit then flushes the data
 * of all of them, renames them one by one and fsyncs each directory
 * touched once.  A durable batch of N files in D directories costs one
 * flush per file, done together, and D directory flushes, where N single
 * durable writes cost 2N flushes one after the other.
 *
 * The temps are named from the start, even durable: an O_TMPFILE inode
 * costs ext4 two journaled orphan-list updates and a link through /proc,
 * which for a hundred small files cost more than the flush itself; a
 * killed batch's temps are reclaimed like any killed writer's.
 *
 * The data flush: one syncfs per filesystem the files are on.  Measured
 * (tests/bench/bench_replace.c, ext4), that is several times faster than
 * a flush per file, even one started for all of them at once
 * (sync_file_range) before the fsyncs: it writes all the data out together
 * and commits the journal once, where each fsync of a new file commits it
 * again (and flushes the disk's cache again).  Before Linux 5.8 syncfs did
 * not report writeback errors: there each file is fsynced after it, which
 * does.  The price of syncfs: it also writes whatever else is dirty on
 * that filesystem.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <osx/replace.h>

#include "replace_internal.h"
#include "shim.h"

struct osx_atomic_batch {
	unsigned flags;
	size_t n, cap;
	struct osx_atomic_writer **w;
};

osx_atomic_batch *osx_atomic_batch_new(unsigned flags, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;

	if (flags & ~OSX_ATOMIC_DURABLE) {
		osx__fail_set(&f, EINVAL, "calloc", NULL, NULL);
	} else {
		osx_atomic_batch *b = osx__calloc(1, sizeof(*b));
		if (b) {
			b->flags = flags;
			return b;
		}
		osx__fail_set(&f, ENOMEM, "calloc", NULL, NULL);
	}
	osx__fail_report(&f, err);
	return NULL;
}

/* Room for one more writer in b->w (grown before anything is staged, so
 * that a staged temp never has to be undone for want of memory). */
static int reserve(osx_atomic_batch *b, osx__fail *f, const char *path)
{
	struct osx_atomic_writer **w;
	size_t cap;

	if (b->n < b->cap)
		return 0;
	cap = b->cap ? 2 * b->cap : 16;
	w = osx__realloc(b->w, cap * sizeof(struct osx_atomic_writer *));
	if (!w)
		return osx__fail_set(f, ENOMEM, "realloc", path, NULL);
	b->w = w;
	b->cap = cap;
	return 0;
}

int osx_atomic_batch_add(osx_atomic_batch *b, int dirfd, const char *path, const void *data,
			 size_t len, const osx_atomic_options *opts, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	osx_atomic_options o = {0, 0};
	struct osx_atomic_writer *w;
	size_t n;

	if (!b || !path || (!data && len)) {
		osx__fail_set(&f, EINVAL, "openat", path, NULL);
		return osx__fail_report(&f, err);
	}
	if (reserve(b, &f, path) < 0)
		return osx__fail_report(&f, err);
	n = strlen(path) + 1;
	w = osx__malloc(sizeof(*w) + n);
	if (!w) {
		osx__fail_set(&f, ENOMEM, "malloc", path, NULL);
		return osx__fail_report(&f, err);
	}
	memcpy(w->pathbuf, path, n);
	w->path = w->pathbuf;
	if (opts)
		o = *opts;
	o.flags = (o.flags & ~OSX_ATOMIC_DURABLE) | b->flags;
	if (osx__atomic_start(w, dirfd, &o, 0, &f) == 0) {
		if (osx__atomic_write_all(w, data, len, &f) == 0) {
			b->w[b->n++] = w;
			return 0;
		}
		osx__atomic_discard(w);
	}
	osx__fail_fill(&f, err);
	free(w);
	return osx__fail_errno(&f);
}

/* Does syncfs report writeback errors (Linux 5.8)?  When unsure, no. */
static int syncfs_reports_errors(void)
{
	struct utsname u;
	unsigned long major, minor;
	char *end;

	if (osx__sys_uname(&u) < 0)
		return 0;
	major = strtoul(u.release, &end, 10);
	if (end == u.release || *end != '.')
		return 0;
	minor = strtoul(end + 1, &end, 10);
	return major > 5 || (major == 5 && minor >= 8);
}

/* Is w[i] on a filesystem one of w[0..i) is on?  st[i]: w[i]'s
 * directory, whose filesystem its temp is on. */
static int fs_seen(const struct stat *st, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (st[j].st_dev == st[i].st_dev)
			return 1;
	return 0;
}

/* Flush the data of every staged file: syncfs per filesystem, and where
 * that reports no errors, fsync each (fsync, not fdatasync: a kept mode
 * is metadata). */
static int sync_data(osx_atomic_batch *b, const struct stat *st, osx__fail *f)
{
	size_t i;
	int r;

	if (b->n > 1) {
		for (i = 0; i < b->n; i++) {
			if (fs_seen(st, i))
				continue;
			r = osx__sys_syncfs(b->w[i]->fd);
			if (r < 0)
				return osx__fail_set(f, r, "syncfs", b->w[i]->path, NULL);
		}
		if (syncfs_reports_errors())
			return 0;
	}
	for (i = 0; i < b->n; i++) {
		r = osx__sys_fsync(b->w[i]->fd);
		if (r < 0)
			return osx__fail_set(f, r, "fsync", b->w[i]->path, NULL);
	}
	return 0;
}

/* fsync each directory the batch renamed into once (st[i]: w[i]'s
 * directory); a file is DURABLE once its directory's fsync succeeded. */
static int sync_dirs(osx_atomic_batch *b, const struct stat *st, osx__fail *f)
{
	size_t i, j;
	int r;

	for (i = 0; i < b->n; i++) {
		if (b->w[i]->state == OSX_ATOMIC_REPLACED_DURABLE)
			continue;
		r = osx__sys_fsync(b->w[i]->dirfd);
		if (r < 0)
			return osx__fail_set(f, r, "fsync", b->w[i]->path, NULL);
		for (j = i; j < b->n; j++)
			if (st[j].st_dev == st[i].st_dev && st[j].st_ino == st[i].st_ino)
				b->w[j]->state = OSX_ATOMIC_REPLACED_DURABLE;
	}
	return 0;
}

/* What each writer's directory is: its filesystem groups the data
 * flushes, its inode the directory flushes.  NULL after a failure. */
static struct stat *stat_dirs(osx_atomic_batch *b, osx__fail *f)
{
	struct stat *st = osx__malloc(b->n * sizeof(*st));
	size_t i;

	if (!st) {
		osx__fail_set(f, ENOMEM, "malloc", b->w[0]->path, NULL);
		return NULL;
	}
	for (i = 0; i < b->n; i++) {
		int r = osx__sys_fstat(b->w[i]->dirfd, &st[i]);
		if (r < 0) {
			osx__fail_set(f, r, "fstat", b->w[i]->path, NULL);
			free(st);
			return NULL;
		}
	}
	return st;
}

/* Free the batch: every writer discarded (a temp not renamed is removed). */
static void release(osx_atomic_batch *b, osx_atomic_state *states)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (states)
			states[i] = b->w[i]->state;
		osx__atomic_discard(b->w[i]);
		free(b->w[i]);
	}
	free(b->w);
	free(b);
}

int osx_atomic_batch_commit(osx_atomic_batch *b, osx_atomic_state *states, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	struct stat *st = NULL;
	size_t i;

	if (!b) {
		osx__fail_set(&f, EINVAL, "renameat2", NULL, NULL);
		return osx__fail_report(&f, err);
	}
	for (i = 0; i < b->n && !osx__failed(&f); i++)
		osx__atomic_prepare(b->w[i], &f);
	if (!osx__failed(&f) && b->n && (b->flags & OSX_ATOMIC_DURABLE) &&
	    (st = stat_dirs(b, &f)) != NULL)
		sync_data(b, st, &f);
	for (i = 0; i < b->n && !osx__failed(&f); i++)
		osx__atomic_publish(b->w[i], &f);
	if (!osx__failed(&f) && st)
		sync_dirs(b, st, &f);
	free(st);
	/* Names live in the writers: into err before they are freed. */
	if (osx__failed(&f))
		osx__fail_fill(&f, err);
	release(b, states);
	return osx__failed(&f) ? osx__fail_errno(&f) : 0;
}

void osx_atomic_batch_abort(osx_atomic_batch *b)
{
	if (b)
		release(b, NULL);
}
