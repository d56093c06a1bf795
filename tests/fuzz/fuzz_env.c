/*
 * libFuzzer target: osx_env under fuzzed operations, checked against a
 * plain reference model, and osx_expandvars/osx_expanduser on fuzzed
 * strings, checked against a reference of Python's posixpath rules.
 *
 * Input: a sequence of records "op len bytes...": the bytes are split at
 * the first '=' into name and value where an op needs both.
 *   op % 6: 0 setn  1 put  2 unset  3 clear  4 expandvars  5 expanduser
 * After every op the object must equal the model: same entries in the
 * same (insertion) order via osx_env_next and osx_env_envp, same lookups.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <osx/osx.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_VARS 64

static struct { char name[256], value[256]; } model[MAX_VARS];
static size_t nmodel;

static long find(const char *name, size_t len)
{
	for (size_t i = 0; i < nmodel; i++)
		if (strlen(model[i].name) == len && memcmp(model[i].name, name, len) == 0)
			return (long)i;
	return -1;
}

static int valid_name(const char *name, size_t len)
{
	return len > 0 && !memchr(name, '=', len) && !memchr(name, '\0', len);
}

static void check_equal(osx_env *e)
{
	const char *name, *value;
	size_t pos = 0, i = 0;
	char **envp;

	assert(osx_env_len(e) == nmodel);
	while (osx_env_next(e, &pos, &name, &value)) {
		assert(i < nmodel);
		assert(strcmp(name, model[i].name) == 0 && strcmp(value, model[i].value) == 0);
		assert(strcmp(osx_env_get(e, name), value) == 0);
		i++;
	}
	assert(i == nmodel);
	envp = osx_env_envp(e, NULL);
	assert(envp);
	for (i = 0; i < nmodel; i++) {
		size_t n = strlen(model[i].name);
		assert(strncmp(envp[i], model[i].name, n) == 0 && envp[i][n] == '=');
		assert(strcmp(envp[i] + n + 1, model[i].value) == 0);
	}
	assert(envp[nmodel] == NULL);
}

/* posixpath.expandvars: \$(\w+|\{[^}]*\}) with ASCII \w; unknown names
 * are left as they are. */
static int word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static char *ref_expandvars(const char *s)
{
	size_t len = strlen(s), cap = len * 256 + 1, o = 0, i = 0;
	char *out = malloc(cap);

	while (i < len) {
		size_t j = i, nb, ne, end;
		long k;
		if (s[i] != '$') {
			out[o++] = s[i++];
			continue;
		}
		if (word((unsigned char)s[j + 1])) {
			nb = j + 1;
			for (ne = nb; word((unsigned char)s[ne]); ne++)
				;
			end = ne;
		} else if (s[j + 1] == '{' && strchr(s + j + 2, '}')) {
			nb = j + 2;
			ne = (size_t)(strchr(s + nb, '}') - s);
			end = ne + 1;
		} else {
			out[o++] = s[i++];
			continue;
		}
		k = find(s + nb, ne - nb);
		if (k >= 0 && valid_name(s + nb, ne - nb)) {
			size_t vl = strlen(model[k].value);
			memcpy(out + o, model[k].value, vl);
			o += vl;
		} else {
			memcpy(out + o, s + j, end - j);
			o += end - j;
		}
		i = end;
	}
	out[o] = '\0';
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	osx_env *e = osx_env_new(NULL);
	char buf[256];
	size_t i = 0;

	assert(e);
	nmodel = 0;
	while (i + 2 <= size) {
		unsigned op = data[i] % 6;
		size_t len = data[i + 1], nlen;
		const char *eq;
		osx_error err;
		char *out;
		int r;
		long k;

		i += 2;
		if (len > size - i)
			len = size - i;
		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, data + i, len);
		buf[len] = '\0';
		i += len;
		eq = memchr(buf, '=', len);
		nlen = eq ? (size_t)(eq - buf) : len;

		switch (op) {
		case 0: /* setn: name before the first '=', value after (NULs kept) */
			r = osx_env_setn(e, buf, nlen, eq ? eq + 1 : "", eq ? len - nlen - 1 : 0, &err);
			if (!valid_name(buf, nlen) || (eq && memchr(eq + 1, '\0', len - nlen - 1))) {
				assert(r == -1 && err.code == EINVAL && errno == EINVAL);
				break;
			}
			assert(r == 0);
			k = find(buf, nlen);
			if (k < 0) {
				if (nmodel == MAX_VARS) {
					osx_env_unset(e, model[0].name, NULL);
					memmove(model, model + 1, sizeof(model[0]) * --nmodel);
				}
				k = (long)nmodel++;
				memcpy(model[k].name, buf, nlen);
				model[k].name[nlen] = '\0';
			}
			snprintf(model[k].value, sizeof(model[k].value), "%s", eq ? eq + 1 : "");
			break;
		case 1: /* put "NAME=VALUE" as a C string */
			if (strlen(buf) < len || nmodel == MAX_VARS)
				break; /* NULs end the C string: covered by setn */
			r = osx_env_put(e, buf, &err);
			if (!eq || nlen == 0) {
				assert(r == -1 && err.code == EINVAL);
				break;
			}
			assert(r == 0);
			k = find(buf, nlen);
			if (k < 0) {
				k = (long)nmodel++;
				memcpy(model[k].name, buf, nlen);
				model[k].name[nlen] = '\0';
			}
			snprintf(model[k].value, sizeof(model[k].value), "%s", eq + 1);
			break;
		case 2: /* unset */
			r = osx_env_unset(e, buf, &err);
			if (!valid_name(buf, strlen(buf))) {
				assert(r == -1 && err.code == EINVAL);
				break;
			}
			k = find(buf, strlen(buf));
			assert(r == (k >= 0));
			if (k >= 0)
				memmove(model + k, model + k + 1, sizeof(model[0]) * (nmodel - (size_t)k - 1)), nmodel--;
			break;
		case 3:
			if (data[i - len - 2] & 0x80) { /* rarely: clearing ends most runs early */
				osx_env_clear(e);
				nmodel = 0;
			}
			break;
		case 4: {
			char *ref = ref_expandvars(buf);
			out = osx_expandvars(buf, e, &err);
			assert(out && strcmp(out, ref) == 0);
			free(out);
			free(ref);
			break;
		}
		case 5: /* ~ and ~/...: HOME from the object, Python's rstrip('/') */
			if (buf[0] != '~' || buf[1] == '\0' || buf[1] == '/') {
				const char *home = osx_env_get(e, "HOME");
				out = osx_expanduser(buf, e, &err);
				assert(out);
				if (buf[0] != '~') {
					assert(strcmp(out, buf) == 0);
				} else if (home) {
					size_t hl = strlen(home);
					while (hl > 0 && home[hl - 1] == '/')
						hl--;
					if (hl == 0 && buf[1] == '\0')
						assert(strcmp(out, "/") == 0);
					else
						assert(strncmp(out, home, hl) == 0 && strcmp(out + hl, buf + 1) == 0);
				}
				free(out);
			}
			break;
		}
		check_equal(e);
	}
	osx_env_free(e);
	return 0;
}
