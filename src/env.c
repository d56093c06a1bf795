/*
 * The process environment behind a lock, and environment objects: an
 * insertion-ordered entry array indexed by an open-addressing hash table
 * (the layout of CPython's dict), so 10 000 variables cost O(1) per lookup
 * and the envp export is an array of pointers to strings the entries
 * already hold.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <osx/env.h>

#include "env_internal.h"
#include "shim.h"

extern char **environ;

/* One variable, stored once as "NAME=VALUE\0NAME\0": the first string goes
 * to envp as it is, the second gives a NUL-terminated name to iterators. */
struct entry {
	char *kv; /* NULL: deleted (kept until compaction to preserve order) */
	size_t nlen;
	size_t vlen;
	uint64_t hash;
};

struct osx_env {
	struct entry *ent;
	size_t used;      /* slots of ent in use, deleted ones included */
	size_t cap;
	size_t live;      /* variables */
	uint32_t *index;  /* entry number + 1, 0 for an empty slot */
	size_t mask;      /* index slots - 1; at least 2 * cap slots */
	char **envp;
	size_t envp_cap;
	int envp_fresh;
};

/* ---- the process environment ---- */

static pthread_mutex_t env_mutex = PTHREAD_MUTEX_INITIALIZER;

void osx__env_lock(void)
{
	pthread_mutex_lock(&env_mutex);
}

void osx__env_unlock(void)
{
	pthread_mutex_unlock(&env_mutex);
}

static int valid_name(const char *name, size_t len)
{
	return len > 0 && !memchr(name, '=', len) && !memchr(name, '\0', len);
}

static int check_name(const char *name, osx_error *err)
{
	if (!name)
		return osx_error_set(err, EINVAL, "environ", NULL, NULL);
	if (!valid_name(name, strlen(name)))
		return osx_error_set(err, EINVAL, "environ", name, NULL);
	return 0;
}

/*
 * environ is scanned here rather than through getenv() because the
 * expanders look names up as slices of a longer string; the rule is
 * getenv's: the first entry with the name wins.
 */
static const char *environ_lookup(const char *name, size_t len, size_t *vlen)
{
	char **p;

	for (p = environ; p && *p; p++) {
		if (strncmp(*p, name, len) == 0 && (*p)[len] == '=') {
			*vlen = strlen(*p + len + 1);
			return *p + len + 1;
		}
	}
	return NULL;
}

ssize_t osx_getenv(const char *name, char *buf, size_t size, osx_error *err)
{
	const char *v;
	size_t len;

	if (check_name(name, err) < 0)
		return -1;
	osx__env_lock();
	v = environ_lookup(name, strlen(name), &len);
	/* Copied while the lock is held: no other osx_ call can free or move
	 * the string meanwhile. */
	if (v && size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(buf, v, n);
		buf[n] = '\0';
	}
	osx__env_unlock();
	if (!v)
		return osx_error_set(err, ENOENT, "getenv", name, NULL);
	return (ssize_t)len;
}

int osx_setenv(const char *name, const char *value, osx_error *err)
{
	int r;

	if (check_name(name, err) < 0)
		return -1;
	if (!value)
		return osx_error_set(err, EINVAL, "setenv", name, NULL);
	osx__env_lock();
	r = osx__sys_setenv(name, value, 1);
	osx__env_unlock();
	if (r < 0)
		return osx_error_set(err, -r, "setenv", name, NULL);
	return 0;
}

int osx_unsetenv(const char *name, osx_error *err)
{
	int r;

	if (check_name(name, err) < 0)
		return -1;
	osx__env_lock();
	r = osx__sys_unsetenv(name);
	osx__env_unlock();
	if (r < 0)
		return osx_error_set(err, -r, "unsetenv", name, NULL);
	return 0;
}

/* ---- environment objects ---- */

static uint64_t hash_name(const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 0x100000001b3u;
	}
	return h;
}

static const char *entry_name(const struct entry *en)
{
	return en->kv + en->nlen + en->vlen + 2;
}

/* The index slot that holds name, or the empty slot where it would go. */
static size_t probe(const osx_env *e, const char *name, size_t len, uint64_t h)
{
	size_t i = (size_t)h & e->mask;

	for (; e->index[i]; i = (i + 1) & e->mask) {
		const struct entry *en = &e->ent[e->index[i] - 1];

		if (en->kv && en->hash == h && en->nlen == len &&
		    memcmp(en->kv, name, len) == 0)
			break;
	}
	return i;
}

static struct entry *find(const osx_env *e, const char *name, size_t len)
{
	size_t i;

	if (!e->index || !valid_name(name, len))
		return NULL;
	i = probe(e, name, len, hash_name(name, len));
	return e->index[i] ? &e->ent[e->index[i] - 1] : NULL;
}

const char *osx__env_lookup(const osx_env *e, const char *name, size_t len, size_t *vlen)
{
	const struct entry *en;

	if (!e)
		return valid_name(name, len) ? environ_lookup(name, len, vlen) : NULL;
	en = find(e, name, len);
	if (!en)
		return NULL;
	*vlen = en->vlen;
	return en->kv + en->nlen + 1;
}

/* Rebuild index (of mask + 1 slots) from the entries, which hold no
 * deleted one: both callers compact first. */
static void reindex(osx_env *e, uint32_t *index, size_t mask)
{
	size_t n, i;

	memset(index, 0, (mask + 1) * sizeof(*index));
	e->index = index;
	e->mask = mask;
	for (n = 0; n < e->used; n++) {
		for (i = (size_t)e->ent[n].hash & mask; index[i]; i = (i + 1) & mask)
			;
		index[i] = (uint32_t)(n + 1);
	}
}

/* Squeeze out deleted entries, keeping the order; no allocation. */
static void compact(osx_env *e)
{
	size_t n, k = 0;

	for (n = 0; n < e->used; n++)
		if (e->ent[n].kv)
			e->ent[k++] = e->ent[n];
	e->used = k;
	reindex(e, e->index, e->mask);
}

/*
 * Make room for `extra` more entries.  Returns NULL, or the allocator that
 * failed (for the caller to report once it has cleaned up).  On failure
 * nothing observable has changed: a compaction keeps every variable and
 * the order, and the new arrays replace the old ones only once both exist.
 */
static const char *reserve(osx_env *e, size_t extra)
{
	size_t cap, slots;
	struct entry *ent;
	uint32_t *index;

	if (e->used + extra <= e->cap)
		return NULL;
	if (e->live < e->used)
		compact(e);
	if (e->used + extra <= e->cap)
		return NULL;
	cap = e->cap ? e->cap : 8;
	while (cap < e->used + extra) {
		if (cap > (size_t)INT32_MAX / 4)
			return "realloc";
		cap *= 2;
	}
	for (slots = 16; slots < 2 * cap; slots *= 2)
		;
	index = osx__calloc(slots, sizeof(*index));
	if (!index)
		return "calloc";
	ent = osx__realloc(e->ent, cap * sizeof(*ent));
	if (!ent) {
		free(index);
		return "realloc";
	}
	e->ent = ent;
	e->cap = cap;
	free(e->index);
	reindex(e, index, slots - 1);
	return NULL;
}

/* NULL when out of memory. */
static char *make_kv(const char *name, size_t nlen, const char *value, size_t vlen)
{
	char *kv;

	if (nlen > (SIZE_MAX - 3 - vlen) / 2)
		return NULL;
	kv = osx__malloc(2 * nlen + vlen + 3);
	if (!kv)
		return NULL;
	memcpy(kv, name, nlen);
	kv[nlen] = '=';
	memcpy(kv + nlen + 1, value, vlen);
	kv[nlen + 1 + vlen] = '\0';
	memcpy(kv + nlen + vlen + 2, name, nlen);
	kv[2 * nlen + vlen + 2] = '\0';
	return kv;
}

/* Store kv (built by make_kv) under its name; room must be reserved when
 * the name is new.  Cannot fail. */
static void store(osx_env *e, char *kv, size_t nlen, size_t vlen)
{
	uint64_t h = hash_name(kv, nlen);
	size_t i = probe(e, kv, nlen, h);
	struct entry *en;

	if (e->index[i]) {
		en = &e->ent[e->index[i] - 1];
		free(en->kv);
	} else {
		en = &e->ent[e->used];
		e->index[i] = (uint32_t)++e->used;
		e->live++;
	}
	en->kv = kv;
	en->nlen = nlen;
	en->vlen = vlen;
	en->hash = h;
	e->envp_fresh = 0;
}

osx_env *osx_env_new(osx_error *err)
{
	osx_env *e = osx__calloc(1, sizeof(*e));

	if (!e)
		osx_error_set(err, ENOMEM, "calloc", NULL, NULL);
	return e;
}

void osx_env_free(osx_env *e)
{
	if (!e)
		return;
	osx_env_clear(e);
	free(e->ent);
	free(e->index);
	free(e->envp);
	free(e);
}

void osx_env_clear(osx_env *e)
{
	size_t n;

	for (n = 0; n < e->used; n++)
		free(e->ent[n].kv);
	e->used = 0;
	e->live = 0;
	if (e->index)
		memset(e->index, 0, (e->mask + 1) * sizeof(*e->index));
	e->envp_fresh = 0;
}

size_t osx_env_len(const osx_env *e)
{
	return e->live;
}

const char *osx_env_get(const osx_env *e, const char *name)
{
	size_t vlen;

	return name ? osx__env_lookup(e, name, strlen(name), &vlen) : NULL;
}

int osx_env_contains(const osx_env *e, const char *name)
{
	return osx_env_get(e, name) != NULL;
}

int osx_env_setn(osx_env *e, const char *name, size_t name_len,
		 const char *value, size_t value_len, osx_error *err)
{
	const char *failed;
	char *kv;

	/* No name in the error: this one need not be a string. */
	if (!name || !valid_name(name, name_len) || !value ||
	    memchr(value, '\0', value_len))
		return osx_error_set(err, EINVAL, "environ", NULL, NULL);
	if (!find(e, name, name_len) && (failed = reserve(e, 1)))
		return osx_error_set(err, ENOMEM, failed, NULL, NULL);
	kv = make_kv(name, name_len, value, value_len);
	if (!kv)
		return osx_error_set(err, ENOMEM, "malloc", NULL, NULL);
	store(e, kv, name_len, value_len);
	return 0;
}

int osx_env_set(osx_env *e, const char *name, const char *value, osx_error *err)
{
	if (check_name(name, err) < 0)
		return -1;
	if (!value)
		return osx_error_set(err, EINVAL, "environ", name, NULL);
	return osx_env_setn(e, name, strlen(name), value, strlen(value), err);
}

int osx_env_put(osx_env *e, const char *assignment, osx_error *err)
{
	const char *eq = assignment ? strchr(assignment, '=') : NULL;

	if (!eq || eq == assignment)
		return osx_error_set(err, EINVAL, "environ", assignment, NULL);
	return osx_env_setn(e, assignment, (size_t)(eq - assignment), eq + 1,
			    strlen(eq + 1), err);
}

int osx_env_unset(osx_env *e, const char *name, osx_error *err)
{
	struct entry *en;

	if (check_name(name, err) < 0)
		return -1;
	en = find(e, name, strlen(name));
	if (!en)
		return 0;
	/* The index slot keeps pointing at the dead entry so probes for
	 * other names still pass over it; compaction drops both. */
	free(en->kv);
	en->kv = NULL;
	e->live--;
	e->envp_fresh = 0;
	return 1;
}

int osx_env_next(const osx_env *e, size_t *pos, const char **name, const char **value)
{
	for (; *pos < e->used; (*pos)++) {
		const struct entry *en = &e->ent[*pos];

		if (en->kv) {
			*name = entry_name(en);
			*value = en->kv + en->nlen + 1;
			(*pos)++;
			return 1;
		}
	}
	return 0;
}

/*
 * Copy the (count) entries into e, which must be new or have none of
 * these names (snapshot, copy), keeping the first of duplicates.
 */
static const char *add_new(osx_env *e, char *const *kvs, size_t count)
{
	const char *failed;
	size_t n;

	if ((failed = reserve(e, count)))
		return failed;
	for (n = 0; n < count; n++) {
		const char *s = kvs[n], *eq = strchr(s, '=');
		char *kv;

		if (!eq || eq == s || find(e, s, (size_t)(eq - s)))
			continue;
		kv = make_kv(s, (size_t)(eq - s), eq + 1, strlen(eq + 1));
		if (!kv)
			return "malloc";
		store(e, kv, (size_t)(eq - s), strlen(eq + 1));
	}
	return NULL;
}

osx_env *osx_env_snapshot(osx_error *err)
{
	osx_env *e = osx_env_new(err);
	const char *failed;
	size_t count = 0;

	if (!e)
		return NULL;
	osx__env_lock();
	while (environ && environ[count])
		count++;
	failed = count ? add_new(e, environ, count) : NULL;
	osx__env_unlock();
	if (failed) {
		osx_env_free(e);
		osx_error_set(err, ENOMEM, failed, NULL, NULL);
		return NULL;
	}
	return e;
}

osx_env *osx_env_copy(const osx_env *src, osx_error *err)
{
	osx_env *e = osx_env_new(err);
	const char *failed;
	size_t n;

	if (!e)
		return NULL;
	if ((failed = reserve(e, src->live)))
		goto fail;
	for (n = 0; n < src->used; n++) {
		const struct entry *s = &src->ent[n];
		char *kv;

		if (!s->kv)
			continue;
		kv = make_kv(s->kv, s->nlen, s->kv + s->nlen + 1, s->vlen);
		failed = "malloc";
		if (!kv)
			goto fail;
		store(e, kv, s->nlen, s->vlen);
	}
	return e;
fail:
	osx_env_free(e);
	osx_error_set(err, ENOMEM, failed, NULL, NULL);
	return NULL;
}

int osx_env_merge(osx_env *dst, const osx_env *src, osx_error *err)
{
	const char *failed = "malloc";
	size_t n, k = 0, fresh = 0;
	char **kvs;

	if (dst == src || src->live == 0)
		return 0;
	/* Build every string and make room first, so that nothing can fail
	 * once dst starts changing. */
	kvs = osx__malloc(src->live * sizeof(*kvs));
	if (!kvs)
		return osx_error_set(err, ENOMEM, "malloc", NULL, NULL);
	for (n = 0; n < src->used; n++) {
		const struct entry *s = &src->ent[n];

		if (!s->kv)
			continue;
		kvs[k] = make_kv(s->kv, s->nlen, s->kv + s->nlen + 1, s->vlen);
		if (!kvs[k])
			goto fail;
		k++;
		if (!find(dst, s->kv, s->nlen))
			fresh++;
	}
	if ((failed = reserve(dst, fresh)))
		goto fail;
	for (n = 0, k = 0; n < src->used; n++)
		if (src->ent[n].kv)
			store(dst, kvs[k++], src->ent[n].nlen, src->ent[n].vlen);
	free(kvs);
	return 0;
fail:
	while (k > 0)
		free(kvs[--k]);
	free(kvs);
	return osx_error_set(err, ENOMEM, failed, NULL, NULL);
}

char **osx_env_envp(osx_env *e, osx_error *err)
{
	size_t n, k = 0;

	if (e->envp_fresh)
		return e->envp;
	if (e->envp_cap < e->live + 1) {
		char **envp = osx__realloc(e->envp, (e->live + 1) * sizeof(*envp));

		if (!envp) {
			osx_error_set(err, ENOMEM, "realloc", NULL, NULL);
			return NULL;
		}
		e->envp = envp;
		e->envp_cap = e->live + 1;
	}
	for (n = 0; n < e->used; n++)
		if (e->ent[n].kv)
			e->envp[k++] = e->ent[n].kv;
	e->envp[k] = NULL;
	e->envp_fresh = 1;
	return e->envp;
}
