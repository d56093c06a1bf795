/*
 * libFuzzer target: error formatting of arbitrary names.
 * Input: byte 0 picks the errno, the rest is split at the first NUL into
 * name and name2.  Checks what must hold for every input: the text is
 * valid UTF-8 with no raw control character (every byte of a name is
 * either printable or escaped), the reported length matches, truncation
 * into a small buffer is a terminated prefix, and repr() is quoted.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <osx/osx.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every sequence valid UTF-8, no C0 control or DEL. */
static int clean_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
		if (len == 0 || i + len > n || c < 0x20 || c == 0x7f)
			return 0;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[4 * 2 * OSX_ERROR_NAME_MAX * 10 + 256], small[24];
	char *buf, *name, *name2 = NULL, *nul;
	osx_error err;
	size_t n, m;

	if (size < 1)
		return 0;
	buf = malloc(size);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	name = buf;
	nul = memchr(buf, '\0', size - 1);
	if (nul && nul + 1 < buf + size - 1)
		name2 = nul + 1;

	osx_error_set(&err, data[0] % 140, "fuzz", name, name2);
	n = osx_error_format(&err, text, sizeof(text));
	assert(n < sizeof(text));
	assert(strlen(text) == n);
	assert(clean_utf8((const unsigned char *)text, n));
	m = osx_error_format(&err, small, sizeof(small));
	assert(m == n);
	assert(strlen(small) == (n < sizeof(small) ? n : sizeof(small) - 1));
	assert(memcmp(small, text, strlen(small)) == 0);

	n = osx_repr(name, strlen(name), text, sizeof(text));
	assert(n >= 2 && n < sizeof(text));
	assert(text[0] == text[n - 1] && (text[0] == '\'' || text[0] == '"'));
	assert(clean_utf8((const unsigned char *)text, n));
	free(buf);
	return 0;
}
