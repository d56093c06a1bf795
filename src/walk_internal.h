/*
 * The walk's state, shared by walk.c (one walk over directory fds) and
 * walk_parallel.c (workers that each run one on a subtree).
 */
#ifndef OSX_WALK_INTERNAL_H
#define OSX_WALK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <osx/dir.h>

#include "dirent64.h"

struct osx__walk_pool;
struct osx__walk_join;

/* A directory's identity. */
struct osx__walk_id {
	dev_t dev;
	ino_t ino;
};

/* The fds one walk (one worker of a parallel walk) keeps open at most. */
#define WALK_MAX_FDS 64

/* One entry of a directory, its name at off in the walk's names stack. */
struct rec {
	uint64_t ino;
	size_t off, len;
	unsigned char type;
};

/* One directory on the current path from the root. */
struct frame {
	int fd;                 /* -1 while evicted */
	unsigned char read;     /* entries read */
	unsigned char have_id;  /* dev and ino below are known */
	dev_t dev;
	ino_t ino;
	uint64_t d_ino;         /* from the parent's listing, for the POST event */
	size_t nameoff, pathlen; /* its name and path end in w->path */
	/* its entries: recs[rec0 .. rec0 + nrecs) of the walk, names from
	 * names0 on; next is the next one to deliver (relative to rec0) */
	size_t rec0, nrecs, next, names0;
	/* Parallel walk: recs [next, scan) are known to hold no directory
	 * (nothing there to give another worker). */
	size_t scan;
	/* Reading it failed part-way (or it could not be reopened): the
	 * errno and the call, reported by its POST under its path. */
	int err_code;
	const char *err_call;
	/* Parallel walk: what waits for subtrees handed to other workers
	 * (NULL: nothing was handed out from here). */
	struct osx__walk_join *join;
};

enum pending { GO, ROOT, POP, POST_UNENTERED, DONE };

struct osx_walk {
	int dirfd;
	unsigned flags, max_depth;
	enum pending pending;
	dev_t root_dev;
	/* A parallel walk's worker walks a subtree (a task): its first frame
	 * is at depth base_depth, its parent's path ends at root_dirlen, its
	 * dirfd (a duplicate of the parent's fd) is its own, and the
	 * directories above it are in ancestors (FOLLOW's loop check). */
	struct osx__walk_pool *pool;
	unsigned worker, base_depth;
	size_t root_dirlen;
	int own_dirfd, root_detached;
	/* Its first frame goes on with the rest of a directory another
	 * worker entered: that worker delivers the directory's DIR and POST.
	 * Frames below split_floor have no directory left to give away. */
	int cont;
	size_t split_floor;
	struct osx__walk_join *parent_join;
	struct osx__walk_id *ancestors;
	size_t nancestors;
	struct frame *frames;
	size_t nframes, capframes; /* frames[nframes - 1] is the current directory */
	size_t closed_below;       /* frames below it are closed (or stay open) */
	unsigned open_fds;
	struct rec *recs;          /* the entries of the frames, stacked */
	size_t nrecs, caprecs;
	char *names;               /* and their names */
	size_t nameslen, capnames;
	char *path;
	size_t cappath;
	osx_walk_entry ev;
	char buf[OSX__DIRBUF_SIZE];
};

static inline struct frame *osx__walk_top(osx_walk *w)
{
	return &w->frames[w->nframes - 1];
}

/* walk.c, for walk_parallel.c */
struct frame *osx__walk_push_frame(osx_walk *w, int fd, size_t nameoff, size_t pathlen);
void osx__walk_pop_frame(osx_walk *w);
osx_walk *osx__walk_new(int dirfd, const char *path, size_t len, const osx_walk_options *opt,
			struct osx__fail *fail);

/* walk_parallel.c, for walk.c: at f's POST (f the top frame, with a join),
 * hand the POST to the join when subtrees below f still run elsewhere.
 * 1: handed over (f's fd with it), the walk pops f without an event. */
int osx__walk_detach(osx_walk *w, struct frame *f);

#endif
