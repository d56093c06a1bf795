/* os.path.realpath (fs.h), computed as CPython's posixpath does: a
 * component at a time with lstat and readlink, remembering each symlink
 * resolved (and the ones being resolved, to detect loops). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <osx/fs.h>

#include "fs_internal.h"
#include "shim.h"

/* A growing NUL-terminated string. */
struct str {
	char *p;
	size_t len, cap;
};

/* The symlinks met: val NULL while the link is being resolved. */
struct link {
	char *key, *val;
};
struct seen {
	struct link *e;
	size_t n, cap;
};

struct rp {
	int dir_fd, strict;
	struct seen seen;
	osx__fail *f;
	char *name; /* the failing name, owned until the report */
	char proc[32]; /* "/proc/self/fd/N" of dir_fd, also for the report */
};

static int fail(struct rp *rp, int code, const char *call, const char *name)
{
	return osx__fail_set(rp->f, code, call, name, NULL);
}

/* A failure naming the path resolved so far: the string is kept (taken
 * from s) until the report. */
static int fail_at(struct rp *rp, int code, const char *call, struct str *s)
{
	if (!osx__failed(rp->f)) {
		rp->name = s->p;
		s->p = NULL;
		s->len = s->cap = 0;
	}
	return fail(rp, code, call, rp->name);
}

static int put(struct rp *rp, struct str *s, const char *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t cap = (s->len + n + 1) * 2;
		char *q = osx__realloc(s->p, cap);

		if (!q)
			return fail(rp, ENOMEM, "realloc", NULL);
		s->p = q;
		s->cap = cap;
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->p[s->len] = '\0';
	return 0;
}

static int set(struct rp *rp, struct str *s, const char *p, size_t n)
{
	s->len = 0;
	return put(rp, s, p, n);
}

/* posixpath.join(s, b[0..n)): b replaces s when absolute. */
static int join(struct rp *rp, struct str *s, const char *b, size_t n)
{
	if (n && b[0] == '/')
		return set(rp, s, b, n);
	if (s->len && s->p[s->len - 1] != '/' && put(rp, s, "/", 1) < 0)
		return -1;
	return put(rp, s, b, n);
}

/* posixpath.split(s): s becomes the head; the tail's start is returned. */
static size_t split_head(struct str *s)
{
	size_t i = s->len, head;

	while (i > 0 && s->p[i - 1] != '/')
		i--;
	head = i;
	while (head > 0 && s->p[head - 1] == '/')
		head--;
	s->len = head ? head : i;
	return i;
}

static char *dup_str(struct rp *rp, const char *p, size_t n)
{
	char *d = osx__malloc(n + 1);

	if (!d) {
		fail(rp, ENOMEM, "malloc", NULL);
		return NULL;
	}
	memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

static struct link *seen_find(const struct seen *sn, const char *key)
{
	size_t i;

	for (i = 0; i < sn->n; i++)
		if (!strcmp(sn->e[i].key, key))
			return &sn->e[i];
	return NULL;
}

static long seen_add(struct rp *rp, const char *key)
{
	struct seen *sn = &rp->seen;

	if (sn->n == sn->cap) {
		size_t cap = sn->cap ? sn->cap * 2 : 8;
		struct link *e = osx__realloc(sn->e, cap * sizeof(*e));

		if (!e)
			return fail(rp, ENOMEM, "realloc", NULL);
		sn->e = e;
		sn->cap = cap;
	}
	sn->e[sn->n].key = dup_str(rp, key, strlen(key));
	if (!sn->e[sn->n].key)
		return -1;
	sn->e[sn->n].val = NULL;
	return (long)sn->n++;
}

/*
 * _joinrealpath(path, rest, strict, seen): 1 when resolved, 0 when not
 * (strict 0: a loop; path then holds the resolved part joined with the
 * rest), -1 on failure.
 */
static int joinreal(struct rp *rp, struct str *path, const char *rest, size_t n)
{
	struct str newpath = { NULL, 0, 0 };
	int ret = 1;

	if (n && rest[0] == '/') {
		rest++, n--;
		if (set(rp, path, "/", 1) < 0)
			return -1;
	}
	while (n && ret == 1) {
		const char *slash = memchr(rest, '/', n);
		size_t len = slash ? (size_t)(slash - rest) : n;
		const char *name = rest;
		osx_stat_result st;
		osx__fail sf = OSX__FAIL_INIT;
		osx_error e;
		struct link *seen;
		char *target;
		long i;

		rest += len, n -= len;
		if (slash)
			rest++, n--;
		if (len == 0 || (len == 1 && name[0] == '.'))
			continue;
		if (len == 2 && name[0] == '.' && name[1] == '.') {
			size_t old = path->len, t;

			if (!old) {
				ret = set(rp, path, "..", 2) < 0 ? -1 : 1;
				continue;
			}
			t = split_head(path);
			/* The tail it drops is ".." itself: two more up. */
			if (old - t == 2 && path->p[t] == '.' && path->p[t + 1] == '.') {
				path->p[path->len] = '\0';
				ret = join(rp, path, "../..", 5) < 0 ? -1 : 1;
			}
			path->p[path->len] = '\0';
			continue;
		}
		if (set(rp, &newpath, path->p ? path->p : "", path->len) < 0 ||
		    join(rp, &newpath, name, len) < 0) {
			ret = -1;
			break;
		}
		if (osx__statat(rp->dir_fd, newpath.p, AT_SYMLINK_NOFOLLOW, &st, &sf, NULL) < 0) {
			if (rp->strict) {
				ret = fail_at(rp, sf.code, sf.call, &newpath);
				break;
			}
			st.mode = 0;
		}
		if (!S_ISLNK(st.mode)) {
			ret = set(rp, path, newpath.p, newpath.len) < 0 ? -1 : 1;
			continue;
		}
		seen = seen_find(&rp->seen, newpath.p);
		if (seen && seen->val) {
			ret = set(rp, path, seen->val, strlen(seen->val)) < 0 ? -1 : 1;
			continue;
		}
		if (seen) {
			/* A loop.  Python stats it to raise the kernel's ELOOP. */
			if (rp->strict) {
				sf.code = 0;
				if (osx__statat(rp->dir_fd, newpath.p, 0, &st, &sf, NULL) < 0)
					ret = fail_at(rp, sf.code, sf.call, &newpath);
				else
					ret = fail_at(rp, ELOOP, "statx", &newpath);
				break;
			}
			ret = set(rp, path, newpath.p, newpath.len) < 0 ||
			      join(rp, path, rest, n) < 0 ? -1 : 0;
			break;
		}
		i = seen_add(rp, newpath.p);
		if (i < 0) {
			ret = -1;
			break;
		}
		target = osx_readlink_alloc(rp->dir_fd, newpath.p, &len, &e);
		if (!target) {
			ret = fail_at(rp, e.code, e.call, &newpath);
			break;
		}
		ret = joinreal(rp, path, target, len);
		free(target);
		if (ret == 0) {
			if (join(rp, path, rest, n) < 0)
				ret = -1;
			break;
		}
		if (ret == 1) {
			rp->seen.e[i].val = dup_str(rp, path->p, path->len);
			if (!rp->seen.e[i].val)
				ret = -1;
		}
	}
	free(newpath.p);
	return ret;
}

/* posixpath.normpath of an absolute path, in a new string. */
static char *normpath(struct rp *rp, const char *p)
{
	size_t n = strlen(p), len = 0, k;
	/* "//x" keeps its two slashes (POSIX leaves their meaning open);
	 * three or more are one. */
	size_t lead = p[0] == '/' ? (p[1] == '/' && p[2] != '/' ? 2 : 1) : 0;
	char *out = osx__malloc(n + 2);

	if (!out) {
		fail(rp, ENOMEM, "malloc", NULL);
		return NULL;
	}
	memset(out, '/', lead);
	len = lead;
	while (*p) {
		while (*p == '/')
			p++;
		for (k = 0; p[k] && p[k] != '/'; k++)
			;
		if (k == 0 || (k == 1 && p[0] == '.')) {
			/* nothing */
		} else if (k == 2 && p[0] == '.' && p[1] == '.' && len > lead) {
			while (len > lead && out[len - 1] != '/')
				len--;
			if (len > lead)
				len--; /* the separator before it */
		} else if (!(k == 2 && p[0] == '.' && p[1] == '.')) {
			if (len > lead)
				out[len++] = '/';
			memcpy(out + len, p, k);
			len += k;
		}
		p += k;
	}
	out[len] = '\0';
	return out;
}

/* The directory a relative result is relative to. */
static char *base_dir(struct rp *rp)
{
	osx_error e;
	char *dir;

	if (rp->dir_fd == OSX_AT_CWD) {
		dir = osx_getcwd_alloc(&e);
		if (!dir)
			fail(rp, e.code, e.call, NULL);
		return dir;
	}
	snprintf(rp->proc, sizeof(rp->proc), "/proc/self/fd/%d", rp->dir_fd);
	dir = osx_readlink_alloc(OSX_AT_CWD, rp->proc, NULL, &e);
	if (!dir)
		fail(rp, e.code, e.call, rp->proc);
	return dir;
}

char *osx_realpath(int dir_fd, const char *path, int strict, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	struct rp rp = { dir_fd, strict, { NULL, 0, 0 }, &f, NULL, "" };
	struct str p = { NULL, 0, 0 }, abs = { NULL, 0, 0 };
	char *out = NULL, *base = NULL;
	size_t i;

	if (!path) {
		osx_error_set(err, EINVAL, "statx", NULL, NULL);
		return NULL;
	}
	if (set(&rp, &p, "", 0) == 0 && joinreal(&rp, &p, path, strlen(path)) >= 0) {
		if (p.p[0] == '/')
			out = normpath(&rp, p.p);
		else if ((base = base_dir(&rp)) && set(&rp, &abs, base, strlen(base)) == 0 &&
			 join(&rp, &abs, p.p, p.len) == 0)
			out = normpath(&rp, abs.p);
	}
	for (i = 0; i < rp.seen.n; i++) {
		free(rp.seen.e[i].key);
		free(rp.seen.e[i].val);
	}
	free(rp.seen.e);
	free(p.p);
	free(abs.p);
	free(base);
	if (!out) {
		osx__fail_fill(&f, err);
		free(rp.name);
		osx__fail_errno(&f);
	}
	return out;
}
