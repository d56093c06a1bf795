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
#include <sys/auxv.h>
#include <sys/random.h>

#include <osx/env.h>

#include "env_internal.h"
#include "fail.h"
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

/*
 * Whether the process has only ever had one thread (glibc 2.32's
 * __libc_single_threaded, set false before a second thread starts and
 * never set back).  While it is true no other thread can be inside
 * osx_setenv, so a lookup need not take the lock: the two atomic
 * operations of a mutex are most of the cost of a short getenv.
 */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
#include <sys/single_threaded.h>
#define ENV_SINGLE_THREADED() (__libc_single_threaded != 0)
#endif
#ifndef ENV_SINGLE_THREADED
#define ENV_SINGLE_THREADED() 0
#endif

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

/* The name's length, or -1 (EINVAL) for NULL, "" or a name holding '=';
 * one pass over the name, as it is on every getenv's path. */
static ssize_t check_name(const char *name, osx_error *err)
{
	size_t len;

	if (!name)
		return osx_error_set(err, EINVAL, "environ", NULL, NULL);
	len = (size_t)(strchrnul(name, '=') - name);
	if (len == 0 || name[len])
		return osx_error_set(err, EINVAL, "environ", name, NULL);
	return (ssize_t)len;
}

/*
 * environ is scanned here rather than through getenv() because the
 * expanders look names up as slices of a longer string; the rule is
 * getenv's: the first entry with the name wins.
 */
/* Whether entry s, whose first two bytes are the name's (len >= 2), is
 * "name=...".  No read passes the entry's end: the name holds no NUL, so
 * the entry's own NUL ends the comparison. */
static inline int entry_is(const unsigned char *s, const unsigned char *want, size_t len)
{
	size_t i = 2;

	while (i < len && s[i] == want[i])
		i++;
	return i >= len && s[len] == '=';
}

static const char *environ_lookup(const char *name, size_t len, size_t *vlen)
{
	const unsigned char *want = (const unsigned char *)name;
	const unsigned char c0 = want[0], c1 = len > 1 ? want[1] : '=';
	char **p = environ, *hit = NULL;

	if (!p)
		return NULL;
	if (len == 1) {
		for (; *p && !hit; p++)
			if ((*p)[0] == name[0] && (*p)[1] == '=')
				hit = *p;
		goto out;
	}
	/* Two entries a step (fewer loop branches), each passed over on its
	 * first byte (how most entries differ), then its second, before any
	 * loop: [1] is read only when [0] matched, so not past a NUL. */
	for (;; p += 2) {
		const unsigned char *a = (const unsigned char *)p[0], *b;

		if (!a || !(b = (const unsigned char *)p[1]))
			break;
		if (a[0] == c0 && a[1] == c1 && entry_is(a, want, len)) {
			hit = p[0];
			goto out;
		}
		if (b[0] == c0 && b[1] == c1 && entry_is(b, want, len)) {
			hit = p[1];
			goto out;
		}
	}
	if (*p) {
		const unsigned char *a = (const unsigned char *)*p;

		if (a[0] == c0 && a[1] == c1 && entry_is(a, want, len))
			hit = *p;
	}
out:
	if (!hit)
		return NULL;
	*vlen = strlen(hit + len + 1);
	return hit + len + 1;
}

ssize_t osx_getenv(const char *name, char *buf, size_t size, osx_error *err)
{
	ssize_t nlen = check_name(name, err);
	const char *v;
	size_t len;
	int locked;

	if (nlen < 0)
		return -1;
	locked = !ENV_SINGLE_THREADED();
	/* cppcheck-suppress knownConditionTrueFalse ; always so without glibc's flag */
	if (locked)
		pthread_mutex_lock(&env_mutex);
	v = environ_lookup(name, (size_t)nlen, &len);
	/* Copied while the lock is held: no other osx_ call can free or move
	 * the string meanwhile. */
	if (v && size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(buf, v, n);
		buf[n] = '\0';
	}
	if (locked)
		pthread_mutex_unlock(&env_mutex);
	if (v)
		return (ssize_t)len;
	return osx_error_set(err, ENOENT, "getenv", name, NULL);
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

/* ---- the names' hash: SipHash-1-3 (as CPython's str hash), keyed per process ---- */

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static void sipround(uint64_t v[4])
{
	v[0] += v[1], v[1] = rotl(v[1], 13), v[1] ^= v[0], v[0] = rotl(v[0], 32);
	v[2] += v[3], v[3] = rotl(v[3], 16), v[3] ^= v[2];
	v[0] += v[3], v[3] = rotl(v[3], 21), v[3] ^= v[0];
	v[2] += v[1], v[1] = rotl(v[1], 17), v[1] ^= v[2], v[2] = rotl(v[2], 32);
}

static uint64_t load64(const unsigned char *p, size_t n)
{
	uint64_t m = 0;

	while (n--) /* little-endian, whatever the machine */
		m |= (uint64_t)p[n] << (8 * n);
	return m;
}

static uint64_t siphash13(const uint64_t k[2], const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t v[4] = { k[0] ^ 0x736f6d6570736575u, k[1] ^ 0x646f72616e646f6du,
			  k[0] ^ 0x6c7967656e657261u, k[1] ^ 0x7465646279746573u };
	uint64_t m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = load64(p + i, 8);
		v[3] ^= m;
		sipround(v);
		v[0] ^= m;
	}
	m = load64(p + i, len - i) | (uint64_t)len << 56;
	v[3] ^= m;
	sipround(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	sipround(v);
	sipround(v);
	sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint64_t hash_key[2];
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;

/*
 * The key: 16 bytes of getrandom; where that fails (no getrandom before
 * Linux 3.17 or under a seccomp filter, an unseeded pool at early boot),
 * derived from the 16 random bytes the kernel gives every process at exec
 * (AT_RANDOM).  Those also seed libc's stack protector, so they are passed
 * through the hash rather than used as they are: timing the table can then
 * tell nothing about them.
 */
static void hash_init(void)
{
	static const char label[] = "libosx environment hash key";
	/* getauxval hands the pointer over as an integer. */
	const unsigned char *at =
		(const unsigned char *)getauxval(AT_RANDOM); /* NOLINT(performance-no-int-to-ptr) */
	uint64_t seed[2] = { (uint64_t)(uintptr_t)&hash_key, (uint64_t)(uintptr_t)label };

	if (osx__sys_getrandom(hash_key, sizeof(hash_key), GRND_NONBLOCK) == sizeof(hash_key))
		return;
	if (at) {
		seed[0] ^= load64(at, 8);
		seed[1] ^= load64(at + 8, 8);
	}
	hash_key[0] = siphash13(seed, label, sizeof(label) - 1);
	hash_key[1] = siphash13(seed, label, sizeof(label) - 2);
}

uint64_t osx__env_hash(const char *name, size_t len)
{
	pthread_once(&hash_once, hash_init);
	return siphash13(hash_key, name, len);
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
	i = probe(e, name, len, osx__env_hash(name, len));
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
 * Make room for `extra` more entries: 0, or -1 with the allocator that
 * failed in f.  On failure nothing observable has changed: a compaction
 * keeps every variable and the order, and the new arrays replace the old
 * ones only once both exist.
 */
static int reserve(osx_env *e, size_t extra, osx__fail *f)
{
	size_t cap, slots;
	struct entry *ent;
	uint32_t *index;

	if (e->used + extra <= e->cap)
		return 0;
	if (e->live < e->used)
		compact(e);
	if (e->used + extra <= e->cap)
		return 0;
	cap = e->cap ? e->cap : 8;
	while (cap < e->used + extra) {
		/* The index holds 32-bit entry numbers. */
		if (cap > (size_t)INT32_MAX / 4)
			return osx__fail_set(f, ENOMEM, "realloc", NULL, NULL);
		cap *= 2;
	}
	for (slots = 16; slots < 2 * cap; slots *= 2)
		;
	index = osx__calloc(slots, sizeof(*index));
	if (!index)
		return osx__fail_set(f, ENOMEM, "calloc", NULL, NULL);
	ent = osx__realloc(e->ent, cap * sizeof(*ent));
	if (!ent) {
		free(index);
		return osx__fail_set(f, ENOMEM, "realloc", NULL, NULL);
	}
	e->ent = ent;
	e->cap = cap;
	free(e->index);
	reindex(e, index, slots - 1);
	return 0;
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
	uint64_t h = osx__env_hash(kv, nlen);
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

	if (!e)
		return;
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
	if (!e) {
		errno = EINVAL;
		return 0;
	}
	return e->live;
}

const char *osx_env_get(const osx_env *e, const char *name)
{
	size_t vlen;

	/* Never environ (e == NULL): a pointer into it would outlive the
	 * lock; osx_getenv copies the process environment's values. */
	if (!e || !name) {
		errno = EINVAL;
		return NULL;
	}
	return osx__env_lookup(e, name, strlen(name), &vlen);
}

int osx_env_contains(const osx_env *e, const char *name)
{
	return osx_env_get(e, name) != NULL;
}

int osx_env_setn(osx_env *e, const char *name, size_t name_len,
		 const char *value, size_t value_len, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	char *kv;

	/* No name in the error: this one need not be a string. */
	if (!e || !name || !valid_name(name, name_len) || !value ||
	    memchr(value, '\0', value_len))
		return osx_error_set(err, EINVAL, "environ", NULL, NULL);
	if (!find(e, name, name_len) && reserve(e, 1, &f) < 0)
		return osx__fail_report(&f, err);
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

	if (!e)
		return osx_error_set(err, EINVAL, "environ", NULL, NULL);
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
	if (!e || !pos || !name || !value) {
		errno = EINVAL;
		return 0;
	}
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
static int add_new(osx_env *e, char *const *kvs, size_t count, osx__fail *f)
{
	size_t n;

	if (reserve(e, count, f) < 0)
		return -1;
	for (n = 0; n < count; n++) {
		const char *s = kvs[n], *eq = strchr(s, '=');
		char *kv;

		if (!eq || eq == s || find(e, s, (size_t)(eq - s)))
			continue;
		kv = make_kv(s, (size_t)(eq - s), eq + 1, strlen(eq + 1));
		if (!kv)
			return osx__fail_set(f, ENOMEM, "malloc", NULL, NULL);
		store(e, kv, (size_t)(eq - s), strlen(eq + 1));
	}
	return 0;
}

osx_env *osx_env_snapshot(osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	osx_env *e = osx_env_new(err);
	size_t count = 0;
	int r;

	if (!e)
		return NULL;
	osx__env_lock();
	while (environ && environ[count])
		count++;
	r = count ? add_new(e, environ, count, &f) : 0;
	osx__env_unlock();
	if (r < 0) {
		osx_env_free(e);
		return osx__fail_report(&f, err), NULL;
	}
	return e;
}

osx_env *osx_env_copy(const osx_env *src, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	osx_env *e;
	size_t n;

	if (!src) {
		osx_error_set(err, EINVAL, "environ", NULL, NULL);
		return NULL;
	}
	if (!(e = osx_env_new(err)))
		return NULL;
	if (reserve(e, src->live, &f) < 0)
		goto fail;
	for (n = 0; n < src->used; n++) {
		const struct entry *s = &src->ent[n];
		char *kv;

		if (!s->kv)
			continue;
		kv = make_kv(s->kv, s->nlen, s->kv + s->nlen + 1, s->vlen);
		if (!kv) {
			osx__fail_set(&f, ENOMEM, "malloc", NULL, NULL);
			goto fail;
		}
		store(e, kv, s->nlen, s->vlen);
	}
	return e;
fail:
	osx_env_free(e);
	return osx__fail_report(&f, err), NULL;
}

int osx_env_merge(osx_env *dst, const osx_env *src, osx_error *err)
{
	osx__fail f = OSX__FAIL_INIT;
	size_t n, k = 0, fresh = 0;
	char **kvs;

	if (!dst || !src)
		return osx_error_set(err, EINVAL, "environ", NULL, NULL);
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
		if (!kvs[k]) {
			osx__fail_set(&f, ENOMEM, "malloc", NULL, NULL);
			goto fail;
		}
		k++;
		if (!find(dst, s->kv, s->nlen))
			fresh++;
	}
	if (reserve(dst, fresh, &f) < 0)
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
	return osx__fail_report(&f, err);
}

char **osx_env_envp(osx_env *e, osx_error *err)
{
	size_t n, k = 0;

	if (!e) {
		osx_error_set(err, EINVAL, "environ", NULL, NULL);
		return NULL;
	}
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
