/*
 * The atomic writer's steps, shared by the one-shot write, the streaming
 * writer, the batch (atomic_batch.c) and the locked update
 * (atomic_update.c).  Every step records its failure in an osx__fail and
 * returns -1; the public function reports it.
 */
#ifndef OSX_REPLACE_INTERNAL_H
#define OSX_REPLACE_INTERNAL_H

#include <limits.h>
#include <sys/types.h>

#include <osx/replace.h>

#include "fail.h"

struct osx_atomic_writer {
	int dirfd;
	int fd;
	int failed;              /* errno of a failed write: commit refuses */
	unsigned flags;
	osx_atomic_state state;  /* what is at the target now */
	unsigned char tmpfile;   /* fd is an O_TMPFILE inode, named at commit */
	unsigned char named;     /* tmp names the temp in the directory */
	unsigned char slots;     /* dirfd holds the lock on the target's slot names */
	unsigned char set_mode;  /* fchmod the temp to `mode` before the rename */
	mode_t mode;
	dev_t dev;               /* the temp's inode (O_TMPFILE, or KEEP_MODE) */
	ino_t ino;
	const char *path;        /* the caller's path, for errors */
	const char *base;        /* its last component: the rename target */
	char tmp[NAME_MAX + 1];
	char pathbuf[];          /* a copy of path, for writers that outlive the call */
};

/* path (already in w->path) must name a file: not "" (ENOENT), not ending
 * in "/", "." or ".." (EISDIR), its last component within NAME_MAX.  Sets
 * w->base. */
int osx__atomic_check(struct osx_atomic_writer *w, osx__fail *f);
/* Everything up to an open, empty temp; nothing is left behind on failure.
 * tmpfile: a durable writer uses O_TMPFILE where the filesystem has it
 * (else the named temp). */
int osx__atomic_start(struct osx_atomic_writer *w, int dirfd, const osx_atomic_options *opts,
		      int tmpfile, osx__fail *f);
int osx__atomic_write_all(struct osx_atomic_writer *w, const void *data, size_t len,
			  osx__fail *f);
/* Before the data is flushed: refuse a writer whose write failed, set the
 * kept mode (set-id bits last, after every write). */
int osx__atomic_prepare(struct osx_atomic_writer *w, osx__fail *f);
/* Name the temp and rename it over the target (state REPLACED). */
int osx__atomic_publish(struct osx_atomic_writer *w, osx__fail *f);
/* Remove the temp if it still has a name, close what is open.  Safe to
 * call more than once. */
void osx__atomic_discard(struct osx_atomic_writer *w);

#endif
