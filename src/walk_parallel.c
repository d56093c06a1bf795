/*
 * osx_walk_parallel: the walk of walk.c, run by several workers at once.
 *
 * Each worker runs an ordinary single-threaded walk over a subtree, and
 * calls the caller's callback on its own thread for every event: the
 * events point into that walk's path buffer and fds, which stay valid and
 * unshared, so every property of the single walk holds unchanged (fd
 * relative, no PATH_MAX limit, O_NOFOLLOW opens, the fd budget, ELOOP
 * with FOLLOW, XDEV, max_depth, prune, errors as events).
 *
 * Work is handed out, never taken: when some worker is idle, a busy one
 * gives it work at its next event, in one of two forms.  Preferably the
 * rest of a directory it is in: of the shallowest directory on its path
 * with subdirectories still to visit, the later half of those (and the
 * entries between them), as a task holding a duplicate of the directory's
 * fd and the entries' names.  The shallowest, because what is left there
 * is most likely the most work: handing out the directory just reached
 * gives, in most trees, a leaf, and the idle worker is idle again a moment
 * later (on /usr, 2 workers, most of the second one's time went so).
 * Otherwise, when the DIR event of a directory was just delivered and its
 * parent has more entries to go on with, that directory itself, open.  A
 * task carries its path, a duplicate of its parent's fd (for its POST and
 * to reopen it), the identities of the directories above it (for FOLLOW's
 * loop check).  The rest of a directory has no DIR or POST of its own:
 * those stay with the directory's first worker (through its join).
 *
 * Post-order is kept along every path: a directory's POST comes after
 * every event below it.  A directory that handed out subtrees has a join
 * counting them; if they still run when its own entries are done, its
 * worker leaves the POST to the join (with its fd and a duplicate of its
 * parent's) and goes on; whichever worker finishes the last subtree
 * delivers it, and the same for the join above.  Nothing ever waits for
 * another worker but an idle one for work (or, when a join cannot be
 * prepared for lack of memory or fds, a worker for its own subtrees).
 *
 * One mutex guards the queue and the joins; it is taken per hand-out and
 * per join, not per entry.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <osx/dir.h>
#include <osx/proc.h>

#include "fail.h"
#include "shim.h"
#include "walk_internal.h"

/* Joins alive at once at most (a detached one holds two fds). */
#define MAX_JOINS 64
#define MAX_THREADS 256

/* A directory handed to another worker, open, its DIR event delivered. */
struct task {
	struct task *next;
	int fd, pfd;                  /* its fd, a duplicate of its parent's */
	int own_pfd;                  /* 0: pfd is the caller's dirfd */
	int cont;                     /* the rest of a directory: entries below */
	struct rec *recs;             /* cont: the entries, names in names */
	size_t nrecs;
	char *names;
	size_t nameslen;
	char *path;                   /* its path, parent's ends at dirlen */
	size_t pathlen, nameoff, dirlen;
	unsigned depth;
	uint64_t d_ino;
	struct osx__walk_id id;
	unsigned char have_id;
	dev_t root_dev;               /* XDEV: the root's device */
	struct osx__walk_join *parent; /* the join its POST releases */
	struct osx__walk_id *anc;     /* the directories above it (FOLLOW) */
	size_t nanc;
};

/* A directory that handed out subtrees: pending counts them (and its own
 * subdirectories whose POST waits on a join of their own). */
struct osx__walk_join {
	struct osx__walk_join *all;   /* every join of the walk, freed at its end */
	struct osx__walk_join *parent; /* set when detached */
	unsigned pending;
	int detached;
	/* The POST, kept by a detached join until the last subtree is done. */
	char *path;
	size_t pathlen, nameoff, dirlen;
	unsigned depth;
	uint64_t d_ino;
	int fd, pfd, own_pfd;
	int err_code;
	const char *err_call;
	/* The rest of a directory: its subtrees done, nothing to deliver. */
	int no_post;
};

struct osx__walk_pool {
	pthread_mutex_t lock;
	pthread_cond_t work;          /* a task was queued, or the walk ended */
	pthread_cond_t joined;        /* a join's pending count dropped */
	struct task *queue;
	unsigned idle, queued, busy;
	atomic_int hungry;            /* idle > queued, read without the lock */
	atomic_int stop;
	int done;
	atomic_uint njoins;
	struct osx__walk_join *joins;
	osx_walk_options opt;
	osx_walk_callback *cb;
	void *arg;
};

static int stopped(struct osx__walk_pool *p)
{
	return atomic_load_explicit(&p->stop, memory_order_acquire);
}

/* Under the lock. */
static void set_hungry(struct osx__walk_pool *p)
{
	atomic_store_explicit(&p->hungry, p->idle > p->queued, memory_order_relaxed);
}

static void stop(struct osx__walk_pool *p)
{
	/* Seen by every worker at its next event from now on, before this
	 * one waits for the lock (which a busy worker may hold): only the
	 * callbacks already running then still deliver their event. */
	atomic_store_explicit(&p->stop, 1, memory_order_release);
	pthread_mutex_lock(&p->lock);
	pthread_cond_broadcast(&p->work);
	pthread_cond_broadcast(&p->joined);
	pthread_mutex_unlock(&p->lock);
}

static void task_free(struct task *t)
{
	if (t->fd >= 0)
		osx__sys_close(t->fd);
	if (t->own_pfd && t->pfd >= 0)
		osx__sys_close(t->pfd);
	free(t->path);
	free(t->anc);
	free(t->recs);
	free(t->names);
	free(t);
}

/* Release the join's fds and path: its POST was delivered, or never will be. */
static void join_clear(struct osx__walk_join *j)
{
	if (j->fd >= 0)
		osx__sys_close(j->fd);
	if (j->own_pfd && j->pfd >= 0)
		osx__sys_close(j->pfd);
	j->fd = j->pfd = -1;
	j->own_pfd = 0;
	free(j->path);
	j->path = NULL;
}

/* A new join, on the walk's list; NULL when there are too many already or
 * no memory (the caller then does not hand out). */
static struct osx__walk_join *join_new(struct osx__walk_pool *p)
{
	struct osx__walk_join *j;

	if (atomic_load_explicit(&p->njoins, memory_order_relaxed) >= MAX_JOINS)
		return NULL;
	j = osx__calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->fd = j->pfd = -1;
	atomic_fetch_add_explicit(&p->njoins, 1, memory_order_relaxed);
	pthread_mutex_lock(&p->lock);
	j->all = p->joins;
	p->joins = j;
	pthread_mutex_unlock(&p->lock);
	return j;
}

/* The join's POST was delivered: it no longer counts (its memory stays on
 * the list until the walk ends). */
static void join_done(struct osx__walk_pool *p, struct osx__walk_join *j)
{
	join_clear(j);
	atomic_fetch_sub_explicit(&p->njoins, 1, memory_order_relaxed);
}

/* Deliver a detached join's POST, as the walk's emit_post() would have
 * (event: OSX_WALK_DIR_POST), or an error event for its directory. */
static int emit_join(struct osx__walk_pool *p, struct osx__walk_join *j, unsigned worker,
		     int event)
{
	osx_walk_entry ev;

	memset(&ev, 0, sizeof(ev));
	ev.event = event;
	ev.depth = j->depth;
	ev.path = j->path;
	ev.pathlen = j->pathlen;
	ev.fd = event == OSX_WALK_DIR_POST ? j->fd : -1;
	ev.ent.name = j->path + j->nameoff;
	ev.ent.namelen = j->pathlen - j->nameoff;
	ev.ent.dirfd = j->pfd;
	ev.ent.dir_ = j->depth > 0 ? j->path : NULL;
	ev.ent.dirlen_ = j->dirlen;
	ev.ent.ino = j->d_ino;
	ev.ent.type = DT_DIR;
	if (j->err_code)
		osx_error_set(&ev.error, j->err_code, j->err_call, j->path, NULL);
	return p->cb(&ev, worker, p->arg);
}

/* One subtree below j is done: the last one delivers j's POST if j's own
 * walk has left it, and so on up. */
static void join_release(struct osx__walk_pool *p, struct osx__walk_join *j, unsigned worker)
{
	while (j) {
		struct osx__walk_join *up;
		int fire;

		pthread_mutex_lock(&p->lock);
		fire = --j->pending == 0 && j->detached;
		if (j->pending == 0)
			pthread_cond_broadcast(&p->joined);
		pthread_mutex_unlock(&p->lock);
		if (!fire)
			return;
		if (!stopped(p) && !j->no_post &&
		    emit_join(p, j, worker, OSX_WALK_DIR_POST) == OSX_WALK_STOP)
			stop(p);
		up = j->parent;
		join_done(p, j);
		j = up;
	}
}

/* The join of frames[i] (made when first needed). */
static struct osx__walk_join *frame_join(osx_walk *w, size_t i)
{
	if (!w->frames[i].join)
		w->frames[i].join = join_new(w->pool);
	return w->frames[i].join;
}

/* The fd of the parent of the top frame, for a POST: the frame below it,
 * or the walk's own dirfd for its first frame. */
static int parent_fd(osx_walk *w)
{
	return w->nframes >= 2 ? w->frames[w->nframes - 2].fd : w->dirfd;
}

static int dup_fd(int fd)
{
	return fd >= 0 ? osx__sys_fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
}

int osx__walk_detach(osx_walk *w, struct frame *f)
{
	struct osx__walk_pool *p = w->pool;
	struct osx__walk_join *j = f->join, *up = NULL;
	size_t i = w->nframes - 1;
	unsigned pending;
	char *path = NULL;
	int pfd = -1, own = 0;

	/* Only this worker adds to j's count: seen at 0, it stays 0. */
	pthread_mutex_lock(&p->lock);
	pending = j->pending;
	pthread_mutex_unlock(&p->lock);
	if (pending == 0 || stopped(p))
		goto deliver_here;
	/* The join above, which this POST will release in its turn: the
	 * previous frame's, or the task's (its count already has us). */
	if (i > 0) {
		up = frame_join(w, i - 1);
		if (!up)
			goto wait;
	} else {
		up = w->parent_join;
	}
	/* The root's parent is the caller's dirfd, open for the whole walk.
	 * (A parent that could not be reopened stays -1, as in the walk.)
	 * The rest of a directory has no POST to prepare. */
	if (i == 0 && w->cont) {
		/* nothing */
	} else if (i == 0 && w->base_depth == 0) {
		pfd = w->dirfd;
	} else if (parent_fd(w) >= 0) {
		pfd = dup_fd(parent_fd(w));
		own = 1;
		if (pfd < 0)
			goto wait;
	}
	if (!(i == 0 && w->cont)) {
		path = osx__malloc(f->pathlen + 1);
		if (!path)
			goto wait;
		memcpy(path, w->path, f->pathlen);
		path[f->pathlen] = '\0';
	}
	pthread_mutex_lock(&p->lock);
	if (j->pending == 0) {
		pthread_mutex_unlock(&p->lock);
		goto wait;
	}
	if (i > 0)
		up->pending++;
	j->parent = up;
	j->path = path;
	j->pathlen = f->pathlen;
	j->nameoff = f->nameoff;
	j->dirlen = i > 0 ? w->frames[i - 1].pathlen : w->root_dirlen;
	j->depth = w->base_depth + (unsigned)i;
	j->d_ino = f->d_ino;
	j->fd = f->fd;
	j->pfd = pfd;
	j->own_pfd = own;
	j->err_code = f->err_code;
	j->err_call = f->err_call;
	j->no_post = i == 0 && w->cont;
	j->detached = 1;
	pthread_mutex_unlock(&p->lock);
	/* The fd is the join's now (-1 if it could not be reopened). */
	if (f->fd >= 0)
		w->open_fds--;
	f->fd = -1;
	if (i == 0)
		w->root_detached = 1;
	f->join = NULL;
	return 1;

wait:
	/* No join could be prepared: wait for the subtrees, then deliver the
	 * POST here.  They run on workers that never wait for this one. */
	free(path);
	if (own && pfd >= 0)
		osx__sys_close(pfd);
	pthread_mutex_lock(&p->lock);
	while (j->pending > 0 && !stopped(p))
		pthread_cond_wait(&p->joined, &p->lock);
	pthread_mutex_unlock(&p->lock);
deliver_here:
	join_done(p, j);
	f->join = NULL;
	return 0;
}

/* A task for frames[i] (its fd not taken yet): its path, depth and
 * identity, a duplicate of its parent's fd, the directories above it;
 * NULL when something could not be had (then nothing is handed out). */
static struct task *task_new(osx_walk *w, size_t i)
{
	struct frame *f = &w->frames[i];
	struct task *t = osx__calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->fd = -1;
	t->own_pfd = 1;
	if (i > 0) {
		t->pfd = dup_fd(w->frames[i - 1].fd);
	} else if (w->own_dirfd) {
		t->pfd = dup_fd(w->dirfd);
	} else {
		/* The caller's dirfd, open for the whole walk. */
		t->pfd = w->dirfd;
		t->own_pfd = 0;
	}
	t->path = osx__malloc(f->pathlen + 1);
	t->nanc = (w->flags & OSX_WALK_FOLLOW) ? w->nancestors + i : 0;
	t->anc = t->nanc ? osx__malloc(t->nanc * sizeof(*t->anc)) : NULL;
	if ((t->own_pfd && t->pfd < 0) || !t->path || (t->nanc && !t->anc)) {
		task_free(t);
		return NULL;
	}
	memcpy(t->path, w->path, f->pathlen);
	t->path[f->pathlen] = '\0';
	t->pathlen = f->pathlen;
	t->nameoff = f->nameoff;
	t->dirlen = i > 0 ? w->frames[i - 1].pathlen : w->root_dirlen;
	t->depth = w->base_depth + (unsigned)i;
	t->d_ino = f->d_ino;
	t->have_id = f->have_id;
	t->id = (struct osx__walk_id){ f->dev, f->ino };
	t->root_dev = w->root_dev;
	if (t->nanc) {
		/* FOLLOW took every directory's identity as it was entered. */
		if (w->nancestors)
			memcpy(t->anc, w->ancestors, w->nancestors * sizeof(*t->anc));
		for (size_t k = 0; k < i; k++)
			t->anc[w->nancestors + k] = (struct osx__walk_id){ w->frames[k].dev,
									   w->frames[k].ino };
	}
	return t;
}

/* Queue t (fd: the directory's, given to it) under join j if a worker is
 * still idle; 0 when none is any more (t is freed, fd is not taken).
 * (After a stop, what is queued is freed at the end, unwalked.) */
static int queue_task(struct osx__walk_pool *p, struct task *t, struct osx__walk_join *j, int fd)
{
	t->parent = j;
	pthread_mutex_lock(&p->lock);
	if (p->idle <= p->queued) {
		pthread_mutex_unlock(&p->lock);
		task_free(t);
		return 0;
	}
	j->pending++;
	t->fd = fd;
	t->next = p->queue;
	p->queue = t;
	p->queued++;
	set_hungry(p);
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return 1;
}

/* Right after the DIR event of the top frame (entered, not read yet):
 * hand it to an idle worker if the parent has more entries to go on
 * with. */
static void maybe_hand_out(osx_walk *w)
{
	size_t n = w->nframes;
	struct frame *f = &w->frames[n - 1], *parent;
	struct osx__walk_join *j;
	struct task *t;

	if (n < 2 || f->read)
		return;
	parent = &w->frames[n - 2];
	if (parent->fd < 0 || parent->next >= parent->nrecs)
		return;
	j = frame_join(w, n - 2);
	if (!j || !(t = task_new(w, n - 1)))
		return;
	if (!queue_task(w->pool, t, j, f->fd))
		return;
	/* The directory is the task's now: leave it without its POST. */
	f->fd = -1;
	w->open_fds--;
	osx__walk_pop_frame(w);
}

/* Whether an entry may be a directory the walk enters. */
static int may_be_dir(const osx_walk *w, const struct rec *r)
{
	return r->type == DT_DIR || r->type == DT_UNKNOWN ||
	       (r->type == DT_LNK && (w->flags & OSX_WALK_FOLLOW));
}

/* Give an idle worker the later half of the subdirectories still to come
 * in the shallowest directory on this worker's path that has any, and
 * everything after the first of them.  1 if it did. */
static int maybe_split(osx_walk *w)
{
	size_t i, k, ndirs, cut, nameslen;
	struct osx__walk_join *j;
	struct frame *f;
	struct task *t;
	struct rec *r;
	int fd;

	for (i = w->split_floor; i < w->nframes; i++) {
		f = &w->frames[i];
		if (!f->read)
			return 0;
		if (f->scan < f->next)
			f->scan = f->next;
		while (f->scan < f->nrecs && !may_be_dir(w, &w->recs[f->rec0 + f->scan]))
			f->scan++;
		if (f->scan == f->nrecs) {
			/* Nothing to give here, ever: its entries only get fewer. */
			if (i == w->split_floor)
				w->split_floor++;
			continue;
		}
		if (f->fd >= 0 && (i > 0 ? w->frames[i - 1].fd >= 0 : 1))
			break;
	}
	if (i >= w->nframes)
		return 0;
	f = &w->frames[i];
	/* The cut: at the (ndirs / 2)-th directory-like entry, counted from
	 * the first; with one left, at it. */
	r = w->recs + f->rec0;
	for (ndirs = 0, k = f->scan; k < f->nrecs; k++)
		ndirs += may_be_dir(w, &r[k]);
	for (cut = f->scan, k = 0; k < ndirs / 2; cut++)
		k += may_be_dir(w, &r[cut]);
	while (!may_be_dir(w, &r[cut]))
		cut++;
	j = frame_join(w, i);
	if (!j || !(t = task_new(w, i)))
		return 0;
	t->cont = 1;
	t->nrecs = f->nrecs - cut;
	t->recs = osx__malloc(t->nrecs * sizeof(*t->recs));
	for (nameslen = 0, k = cut; k < f->nrecs; k++)
		nameslen += r[k].len + 1;
	t->names = osx__malloc(nameslen);
	fd = dup_fd(f->fd);
	if (!t->recs || !t->names || fd < 0) {
		if (fd >= 0)
			osx__sys_close(fd);
		task_free(t);
		return 0;
	}
	for (nameslen = 0, k = cut; k < f->nrecs; k++) {
		t->recs[k - cut] = (struct rec){ r[k].ino, nameslen, r[k].len, r[k].type };
		memcpy(t->names + nameslen, w->names + r[k].off, r[k].len + 1);
		nameslen += r[k].len + 1;
	}
	t->nameslen = nameslen;
	if (!queue_task(w->pool, t, j, fd)) {
		osx__sys_close(fd);
		return 0;
	}
	f->nrecs = cut;
	return 1;
}

/* Run one walk to its end (or the stop), calling back for every event. */
static void run_walk(struct osx__walk_pool *p, osx_walk *w, unsigned worker)
{
	osx_walk_entry *ev;

	while (!stopped(p) && osx_walk_next(w, &ev) == 1) {
		int r = p->cb(ev, worker, p->arg);

		if (r == OSX_WALK_STOP) {
			stop(p);
			break;
		}
		if (r == OSX_WALK_SKIP)
			osx_walk_prune(w);
		else if (atomic_load_explicit(&p->hungry, memory_order_relaxed) &&
			 !maybe_split(w) && ev->event == OSX_WALK_DIR && ev->fd >= 0 &&
			 w->pending == GO && osx__walk_top(w)->fd == ev->fd)
			maybe_hand_out(w);
	}
}

/* Deliver the POST of a task that cannot be walked (no memory for its
 * walk): its entries are not delivered, and the POST says why.  For the
 * rest of a directory, whose POST is another worker's, an error event. */
static void task_failed(struct osx__walk_pool *p, struct task *t, int pfd,
			const osx__fail *fail, unsigned worker)
{
	struct osx__walk_join j;

	memset(&j, 0, sizeof(j));
	j.path = t->path;
	j.pathlen = t->pathlen;
	j.nameoff = t->nameoff;
	j.dirlen = t->dirlen;
	j.depth = t->depth;
	j.d_ino = t->d_ino;
	j.fd = t->fd;
	j.pfd = pfd;
	j.err_code = fail->code;
	j.err_call = fail->call;
	if (!stopped(p) &&
	    emit_join(p, &j, worker, t->cont ? OSX_WALK_ERROR : OSX_WALK_DIR_POST) == OSX_WALK_STOP)
		stop(p);
}

/* A task's walk: its directory as the first frame, read from the start,
 * or, for the rest of a directory, its entries from the task. */
static void run_task(struct osx__walk_pool *p, struct task *t, unsigned worker)
{
	osx__fail fail = OSX__FAIL_INIT;
	osx_walk *w = osx__walk_new(t->pfd, t->path, t->pathlen, &p->opt, &fail);
	struct frame *f;

	if (!w) {
		task_failed(p, t, t->pfd, &fail, worker);
		goto out;
	}
	w->pool = p;
	w->worker = worker;
	w->base_depth = t->depth;
	w->root_dirlen = t->dirlen;
	w->root_dev = t->root_dev;
	w->own_dirfd = t->own_pfd;
	w->parent_join = t->parent;
	w->ancestors = t->anc;
	w->nancestors = t->nanc;
	w->pending = GO;
	t->pfd = -1;
	t->anc = NULL;
	f = osx__walk_push_frame(w, t->fd, t->nameoff, t->pathlen);
	if (!f) {
		osx__fail_set(&fail, ENOMEM, "realloc", NULL, NULL);
		task_failed(p, t, w->dirfd, &fail, worker);
		osx_walk_close(w);
		goto out;
	}
	t->fd = -1;
	f->have_id = t->have_id;
	f->dev = t->id.dev;
	f->ino = t->id.ino;
	f->d_ino = t->d_ino;
	if (t->cont) {
		/* Its entries were read by the worker that entered it. */
		w->cont = 1;
		w->recs = t->recs;
		w->nrecs = w->caprecs = f->nrecs = t->nrecs;
		w->names = t->names;
		w->nameslen = w->capnames = t->nameslen;
		f->read = 1;
		t->recs = NULL;
		t->names = NULL;
	}
	w->open_fds = 1;
	run_walk(p, w, worker);
	/* Its POST was delivered, or left to its join, which releases the
	 * parent's in its turn. */
	if (w->root_detached) {
		osx_walk_close(w);
		task_free(t);
		return;
	}
	osx_walk_close(w);
out:
	if (!stopped(p))
		join_release(p, t->parent, worker);
	task_free(t);
}

struct worker {
	struct osx__walk_pool *pool;
	unsigned index;
	pthread_t thread;
};

static void *worker_main(void *arg)
{
	struct worker *me = arg;
	struct osx__walk_pool *p = me->pool;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct task *t;

		while (!p->queue && !p->done && !stopped(p)) {
			p->idle++;
			set_hungry(p);
			pthread_cond_wait(&p->work, &p->lock);
			p->idle--;
			set_hungry(p);
		}
		if (stopped(p) || !p->queue)
			break;
		t = p->queue;
		p->queue = t->next;
		p->queued--;
		p->busy++;
		set_hungry(p);
		pthread_mutex_unlock(&p->lock);
		run_task(p, t, me->index);
		pthread_mutex_lock(&p->lock);
		if (--p->busy == 0 && !p->queue) {
			p->done = 1;
			pthread_cond_broadcast(&p->work);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int osx_walk_parallel(int dirfd, const char *root, const osx_walk_options *opt,
		      unsigned threads, osx_walk_callback *cb, void *arg, osx_error *err)
{
	osx__fail fail = OSX__FAIL_INIT;
	struct osx__walk_pool pool = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.work = PTHREAD_COND_INITIALIZER,
		.joined = PTHREAD_COND_INITIALIZER,
	};
	struct worker *workers = NULL;
	unsigned started = 0, i;
	osx_walk *w;
	int stopped_by_cb;

	if (!root || !cb) {
		osx__fail_set(&fail, EINVAL, "osx_walk_parallel", NULL, NULL);
		return osx__fail_report(&fail, err);
	}
	if (threads == 0) {
		int n = osx_process_cpu_count(NULL);

		threads = n > 0 ? (unsigned)n : 1;
	}
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	pool.opt = opt ? *opt : (osx_walk_options){ 0, 0 };
	pool.cb = cb;
	pool.arg = arg;
	w = osx_fwalk_open(dirfd, root, opt, err);
	if (!w)
		return -1;
	w->pool = &pool;
	/* The caller's thread is worker 0 and walks the root; the others
	 * wait for work.  A worker that cannot be started only means fewer. */
	if (threads > 1)
		workers = osx__calloc(threads - 1, sizeof(*workers));
	pool.busy = 1;
	for (i = 0; workers && i + 1 < threads; i++) {
		workers[i].pool = &pool;
		workers[i].index = i + 1;
		if (osx__sys_pthread_create(&workers[i].thread, worker_main, &workers[i]) < 0)
			break;
		started++;
	}
	run_walk(&pool, w, 0);
	osx_walk_close(w);
	pthread_mutex_lock(&pool.lock);
	if (--pool.busy == 0 && !pool.queue) {
		pool.done = 1;
		pthread_cond_broadcast(&pool.work);
	}
	pthread_mutex_unlock(&pool.lock);
	worker_main(&(struct worker){ .pool = &pool, .index = 0 });
	for (i = 0; i < started; i++)
		pthread_join(workers[i].thread, NULL);
	free(workers);
	/* After a stop: what was queued, and the joins still waiting. */
	while (pool.queue) {
		struct task *t = pool.queue;

		pool.queue = t->next;
		task_free(t);
	}
	while (pool.joins) {
		struct osx__walk_join *j = pool.joins;

		pool.joins = j->all;
		join_clear(j);
		free(j);
	}
	stopped_by_cb = atomic_load(&pool.stop);
	return stopped_by_cb ? 1 : 0;
}
