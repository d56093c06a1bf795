/* os.path.expandvars and os.path.expanduser (posixpath, bytes flavour). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <osx/env.h>

#include "env_internal.h"
#include "shim.h"

/* Python's \w under re.ASCII. */
static int is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/*
 * The first '}' at or after p, or NULL when the string has none from there.
 * *brace remembers the last answer: a '}' found past p is still the first
 * one for any later p up to it, and "none after q" holds for every p after
 * q, so each byte is searched at most once and a run of unterminated "${"
 * costs linear time (CPython's gh-136065 was quadratic here).
 */
static const char *close_brace(const char *p, const char **brace, int *none)
{
	if (*none)
		return NULL;
	if (!*brace || *brace < p) {
		const char *q = strchr(p, '}');

		OSX__WORK((q ? q : p + strlen(p)) - p);
		if (!q) {
			*none = 1;
			return NULL;
		}
		*brace = q;
	}
	return *brace;
}

/* Where the previous close_brace() search ended, for one expand() pass. */
struct scan {
	const char *brace;
	int none;
};

/*
 * Python's \$(\w+|\{[^}]*\}) at p (which is a '$'): the name and where the
 * match ends, or 0 when there is no match here.
 */
static int match_var(const char *p, struct scan *sc, const char **name, size_t *len,
		     const char **end)
{
	const char *q;

	if (is_word(p[1])) {
		for (q = p + 1; is_word(*q); q++)
			;
		*name = p + 1;
		*len = (size_t)(q - *name);
		*end = q;
		return 1;
	}
	if (p[1] == '{' && (q = close_brace(p + 2, &sc->brace, &sc->none))) {
		*name = p + 2;
		*len = (size_t)(q - *name);
		*end = q + 1;
		return 1;
	}
	return 0;
}

/*
 * One pass of the expansion: counts the result's length, and writes it
 * too when out is not NULL.  Like Python, a value is never scanned again
 * and an unknown ${...} is skipped as a whole (no expansion inside it).
 * SIZE_MAX when the length does not fit.
 */
static size_t expand(const char *path, const osx_env *env, char *out)
{
	const char *p = path, *name, *end, *v;
	size_t n = 0, len, vlen, chunk;
	struct scan sc = { NULL, 0 };

	while (*p) {
		if (*p != '$') {
			chunk = strcspn(p, "$");
			v = p;
			p += chunk;
		} else if (!match_var(p, &sc, &name, &len, &end)) {
			v = p++;
			chunk = 1;
		} else if ((v = osx__env_lookup(env, name, len, &vlen))) {
			chunk = vlen;
			p = end;
		} else {
			v = p;
			chunk = (size_t)(end - p);
			p = end;
		}
		if (chunk > SIZE_MAX - 1 - n)
			return SIZE_MAX;
		if (out)
			memcpy(out + n, v, chunk);
		n += chunk;
	}
	if (out)
		out[n] = '\0';
	return n;
}

char *osx_expandvars(const char *path, const osx_env *env, osx_error *err)
{
	char *out = NULL;
	size_t len;

	if (!path) {
		osx_error_set(err, EINVAL, "expandvars", NULL, NULL);
		return NULL;
	}
	/* Both passes under the lock, so they see the same environ. */
	if (!env)
		osx__env_lock();
	len = expand(path, env, NULL);
	if (len != SIZE_MAX)
		out = osx__malloc(len + 1);
	if (out)
		expand(path, env, out);
	if (!env)
		osx__env_unlock();
	if (!out)
		osx_error_set(err, ENOMEM, "malloc", path, NULL);
	return out;
}

/* home without its trailing '/', then rest; "/" when both are empty. */
static char *join_home(const char *home, size_t hlen, const char *rest)
{
	size_t rlen = strlen(rest);
	char *out;

	while (hlen > 0 && home[hlen - 1] == '/')
		hlen--;
	if (hlen + rlen == 0) {
		home = "/";
		hlen = 1;
	}
	/* Two strings in memory: their lengths plus one cannot wrap. */
	out = osx__malloc(hlen + rlen + 1);
	if (out) {
		memcpy(out, home, hlen);
		memcpy(out + hlen, rest, rlen + 1);
	}
	return out;
}

/* Buffers past this are not worth trying: no passwd entry is that big. */
#define PW_BUF_MAX (1u << 20)

/*
 * The passwd entry of the user named (user, ulen), or of getuid() when
 * user is NULL; then the expansion of rest.  *out is NULL for an unknown
 * user.  Returns NULL or the step that failed, with *code its errno.
 */
static const char *expand_pw(const char *user, size_t ulen, const char *rest,
			     char **out, int *code)
{
	size_t size = 1024;
	struct passwd pw, *res;
	const char *call = user ? "getpwnam_r" : "getpwuid_r";
	char *buf;
	int r;

	for (;;) {
		/* The name goes in front of the lookup's buffer: one block. */
		buf = osx__malloc(ulen + 1 + size);
		if (!buf) {
			*code = ENOMEM;
			return "malloc";
		}
		res = NULL;
		if (user) {
			memcpy(buf, user, ulen);
			buf[ulen] = '\0';
			r = osx__sys_getpwnam_r(buf, &pw, buf + ulen + 1, size, &res);
		} else {
			r = osx__sys_getpwuid_r(osx__sys_getuid(), &pw, buf + ulen + 1,
						size, &res);
		}
		if (r != -ERANGE || size >= PW_BUF_MAX)
			break;
		free(buf);
		size *= 2;
	}
	*out = NULL;
	/* Not found is 0 with no result; some NSS modules say ENOENT or
	 * ESRCH instead (getpwnam_r(3)). */
	if (r == 0 || r == -ENOENT || r == -ESRCH) {
		call = NULL;
		if (res && !(*out = join_home(pw.pw_dir, strlen(pw.pw_dir), rest))) {
			call = "malloc";
			r = -ENOMEM;
		}
	}
	free(buf);
	*code = -r;
	return call;
}

char *osx_expanduser(const char *path, const osx_env *env, osx_error *err)
{
	const char *rest, *home, *failed;
	char *out = NULL;
	size_t hlen, len;
	int code;

	if (!path) {
		osx_error_set(err, EINVAL, "expanduser", NULL, NULL);
		return NULL;
	}
	if (path[0] != '~')
		goto copy;
	rest = strchrnul(path + 1, '/');
	if (rest == path + 1) {
		if (!env)
			osx__env_lock();
		home = osx__env_lookup(env, "HOME", 4, &hlen);
		if (home)
			out = join_home(home, hlen, rest);
		if (!env)
			osx__env_unlock();
		if (home) {
			if (!out)
				osx_error_set(err, ENOMEM, "malloc", path, NULL);
			return out;
		}
		failed = expand_pw(NULL, 0, rest, &out, &code);
	} else {
		failed = expand_pw(path + 1, (size_t)(rest - path - 1), rest, &out, &code);
	}
	if (failed) {
		osx_error_set(err, code, failed, path, NULL);
		return NULL;
	}
	if (out)
		return out;
copy:
	len = strlen(path) + 1;
	out = osx__malloc(len);
	if (!out) {
		osx_error_set(err, ENOMEM, "malloc", path, NULL);
		return NULL;
	}
	return memcpy(out, path, len);
}
