/*
 * osx-du [-s] [-b] [-j N] [--] [ROOT...]
 *
 * A small du(1) on the walk: the disk usage of each ROOT (default ".") in
 * KiB, or with -b its apparent size in bytes (du -b); every directory with
 * its total, after its contents (du's order), or with -s only each ROOT's
 * total (du -s).  A file with several hard links counts once, as du
 * counts it: the first link met.  Errors go to stderr in Python's OSError
 * form; the exit status is 1 if there was any.
 *
 * With -s the walk runs on one worker per CPU this process may use
 * (osx_walk_parallel), or on N with -j N (-j 1: the single walk): each
 * worker stats the entries of the directories it reads, so the stats of
 * one directory overlap the reads of others.  The totals are du's either
 * way; without -s every directory is printed in du's order, by one worker.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osx/osx.h>

struct du {
	int apparent, summary;
	unsigned jobs;
	int status;
	pthread_mutex_t lock; /* status, stderr and the hard links */
	/* (dev, ino) of the files with more than one link seen so far: an
	 * open-addressed set, grown at half full */
	uint64_t (*links)[2];
	size_t nlinks, caplinks;
};

static void usage(void)
{
	fputs("usage: osx-du [-s] [-b] [-j N] [--] [ROOT...]\n", stderr);
	exit(2);
}

static void failed(struct du *du, const osx_error *err)
{
	char msg[2 * OSX_ERROR_NAME_MAX + 128];

	osx_error_format(err, msg, sizeof(msg));
	pthread_mutex_lock(&du->lock);
	fprintf(stderr, "osx-du: %s\n", msg);
	du->status = 1;
	pthread_mutex_unlock(&du->lock);
}

static size_t link_slot(uint64_t (*set)[2], size_t cap, uint64_t dev, uint64_t ino)
{
	size_t i = (size_t)((ino * 0x9e3779b97f4a7c15u) ^ dev) & (cap - 1);

	while ((set[i][0] || set[i][1]) && (set[i][0] != dev || set[i][1] != ino))
		i = (i + 1) & (cap - 1);
	return i;
}

/* 1 the first time (dev, ino) is seen.  (dev 0 ino 0 is no file.) */
static int first_link(struct du *du, uint64_t dev, uint64_t ino)
{
	int first;
	size_t i;

	pthread_mutex_lock(&du->lock);
	if (2 * (du->nlinks + 1) > du->caplinks) {
		size_t cap = du->caplinks ? 2 * du->caplinks : 1024;
		uint64_t (*set)[2] = calloc(cap, sizeof(*set));

		if (!set) {
			perror("osx-du");
			exit(1);
		}
		for (i = 0; i < du->caplinks; i++)
			if (du->links[i][0] || du->links[i][1])
				memcpy(set[link_slot(set, cap, du->links[i][0], du->links[i][1])],
				       du->links[i], sizeof(*set));
		free(du->links);
		du->links = set;
		du->caplinks = cap;
	}
	i = link_slot(du->links, du->caplinks, dev, ino);
	first = !du->links[i][0] && !du->links[i][1];
	if (first) {
		du->links[i][0] = dev;
		du->links[i][1] = ino;
		du->nlinks++;
	}
	pthread_mutex_unlock(&du->lock);
	return first;
}

/* What the entry adds: its bytes (-b) or its blocks' bytes; 0 for a hard
 * link seen before. */
static uint64_t entry_size(struct du *du, osx_walk_entry *e)
{
	osx_stat_result st;
	osx_error err;

	if (osx_dirent_stat(&e->ent, 0, &st, &err) < 0) {
		if (err.code != ENOENT)
			failed(du, &err);
		return 0;
	}
	if (!S_ISDIR(st.mode) && st.nlink > 1 && !first_link(du, st.dev, st.ino))
		return 0;
	return du->apparent ? (uint64_t)st.size : (uint64_t)st.blocks * 512;
}

static void print_size(const struct du *du, uint64_t bytes, const char *path)
{
	/* du's default unit: KiB, rounded up. */
	printf("%llu\t%s\n", (unsigned long long)(du->apparent ? bytes : (bytes + 1023) / 1024),
	       path);
}

/* One event; sums[depth] holds the running total of each directory on the
 * path (single walk), or sums[0] the worker's total (-s). */
static void event(struct du *du, osx_walk_entry *e, uint64_t *sums, int per_dir)
{
	uint64_t n;

	switch (e->event) {
	case OSX_WALK_ERROR:
		if (e->error.code == ENOENT && e->depth > 0)
			return; /* gone meanwhile */
		failed(du, &e->error);
		/* A directory that cannot be read still counts itself, as in
		 * du; a root that cannot be reached counts nothing. */
		if (e->depth == 0 || e->error.code == ENOENT)
			return;
		n = entry_size(du, e);
		if (per_dir)
			sums[e->depth - 1] += n;
		else
			sums[0] += n;
		return;
	case OSX_WALK_DIR:
		n = entry_size(du, e);
		if (per_dir)
			sums[e->depth] = n;
		else
			sums[0] += n;
		return;
	case OSX_WALK_DIR_POST:
		if (e->error.code)
			failed(du, &e->error);
		if (!per_dir)
			return;
		if (!du->summary || e->depth == 0)
			print_size(du, sums[e->depth], e->path);
		if (e->depth > 0)
			sums[e->depth - 1] += sums[e->depth];
		return;
	default:
		n = entry_size(du, e);
		if (per_dir && e->depth == 0)
			print_size(du, n, e->path);
		else if (per_dir)
			sums[e->depth - 1] += n;
		else
			sums[0] += n;
	}
}

/* The single walk: a running total per depth. */
static void du_root(struct du *du, const char *root)
{
	uint64_t *sums = NULL;
	size_t cap = 0;
	osx_walk_entry *e;
	osx_error err;
	osx_walk *w = osx_walk_open(root, NULL, &err);

	if (!w) {
		failed(du, &err);
		return;
	}
	while (osx_walk_next(w, &e) == 1) {
		if (e->depth >= cap) {
			cap = cap ? 2 * cap : 64;
			if (!(sums = realloc(sums, cap * sizeof(*sums)))) {
				perror("osx-du");
				exit(1);
			}
		}
		event(du, e, sums, 1);
	}
	osx_walk_close(w);
	free(sums);
}

struct par {
	struct du *du;
	uint64_t (*sums)[8]; /* one per worker, a cache line apart */
	int root_failed;     /* written by worker 0 only, read after the walk */
};

static int par_event(osx_walk_entry *e, unsigned worker, void *arg)
{
	struct par *p = arg;

	if (e->depth == 0 && e->event == OSX_WALK_ERROR)
		p->root_failed = 1;
	event(p->du, e, p->sums[worker], 0);
	return OSX_WALK_CONTINUE;
}

/* -s -j N: a total per worker, added up at the end. */
static void du_root_parallel(struct du *du, const char *root)
{
	unsigned n = du->jobs ? du->jobs : (unsigned)osx_process_cpu_count(NULL);
	struct par p = { du, NULL, 0 };
	uint64_t total = 0;
	osx_error err;
	int r;

	n = n ? n : 1;
	p.sums = calloc(n, sizeof(*p.sums));
	if (!p.sums) {
		perror("osx-du");
		exit(1);
	}
	r = osx_walk_parallel(AT_FDCWD, root, NULL, n, par_event, &p, &err);
	if (r < 0)
		failed(du, &err);
	for (unsigned i = 0; i < n; i++)
		total += p.sums[i][0];
	free(p.sums);
	if (r == 0 && !p.root_failed)
		print_size(du, total, root);
}

int main(int argc, char **argv)
{
	struct du du = { .lock = PTHREAD_MUTEX_INITIALIZER };
	int i, nroots = 0, opts = 1, jobs_given = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (opts && !strcmp(a, "--")) {
			opts = 0;
		} else if (opts && a[0] == '-' && a[1] && strcmp(a, "-j")) {
			for (const char *c = a + 1; *c; c++) {
				if (*c == 's')
					du.summary = 1;
				else if (*c == 'b')
					du.apparent = 1;
				else
					usage();
			}
		} else if (opts && !strcmp(a, "-j")) {
			char *end;

			if (i + 1 >= argc)
				usage();
			errno = 0;
			du.jobs = (unsigned)strtoul(argv[++i], &end, 10);
			jobs_given = 1;
			if (!argv[i][0] || *end || errno || argv[i][0] == '-' || du.jobs > 1024)
				usage();
		} else {
			argv[++nroots] = argv[i];
		}
	}
	if (jobs_given && du.jobs != 1 && !du.summary) {
		fputs("osx-du: -j needs -s (a total per root)\n", stderr);
		return 2;
	}
	if (!jobs_given)
		du.jobs = du.summary ? 0 : 1;
	if (!nroots)
		argv[++nroots] = ".";
	for (i = 1; i <= nroots; i++) {
		if (du.jobs != 1)
			du_root_parallel(&du, argv[i]);
		else
			du_root(&du, argv[i]);
	}
	free(du.links);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("osx-du: stdout");
		return 1;
	}
	return du.status;
}
