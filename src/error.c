/* The error struct and Python-compatible OSError formatting. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <osx/error.h>

#include "fail.h"
#include "nonprintable.h"

/* Bounded text sink: counts every byte it is given, stores what fits. */
struct sink {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct sink *s, const char *p, size_t n)
{
	if (s->len < s->size) {
		size_t room = s->size - s->len;
		memcpy(s->buf + s->len, p, n < room ? n : room);
	}
	s->len += n;
}

static void puts_(struct sink *s, const char *p)
{
	put(s, p, strlen(p));
}

static size_t finish(struct sink *s)
{
	if (s->size > 0)
		s->buf[s->len < s->size ? s->len : s->size - 1] = '\0';
	return s->len;
}

/*
 * Decode one strictly valid UTF-8 sequence (no overlongs, no surrogates,
 * nothing past U+10FFFF), as Python's decoder does.  Returns its length, or
 * 0 when p[0] does not start one: surrogateescape then maps that single byte
 * to U+DC80..U+DCFF.  Escaping byte by byte gives the same result as
 * Python's maximal-subpart error ranges, because every byte of such a range
 * after the first is a continuation byte, which can never start a sequence.
 */
static size_t utf8_decode(const unsigned char *p, size_t n, unsigned *cp)
{
	unsigned c = p[0], min;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Python's str.isprintable() for one code point >= 0x80. */
static int printable(unsigned cp)
{
	size_t lo = 0, hi = sizeof(osx__nonprintable) / sizeof(osx__nonprintable[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < osx__nonprintable[mid].lo)
			hi = mid;
		else if (cp > osx__nonprintable[mid].hi)
			lo = mid + 1;
		else
			return 0;
	}
	return 1;
}

static void put_escape(struct sink *s, unsigned cp)
{
	char tmp[16];

	if (cp <= 0xff)
		snprintf(tmp, sizeof(tmp), "\\x%02x", cp);
	else if (cp <= 0xffff)
		snprintf(tmp, sizeof(tmp), "\\u%04x", cp);
	else
		snprintf(tmp, sizeof(tmp), "\\U%08x", cp);
	puts_(s, tmp);
}

/* repr() of the name decoded as os.fsdecode() does on Linux. */
static void put_repr(struct sink *s, const char *name, size_t len)
{
	const unsigned char *p = (const unsigned char *)name;
	char quote = '\'';
	size_t i, n;
	unsigned cp;

	/* Python switches to double quotes only when that avoids escaping. */
	if (memchr(name, '\'', len) && !memchr(name, '"', len))
		quote = '"';

	put(s, &quote, 1);
	for (i = 0; i < len; i += n) {
		n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			put_escape(s, 0xdc00 + p[i]);
			n = 1;
		} else if (cp == (unsigned)quote || cp == '\\') {
			put(s, "\\", 1);
			put(s, name + i, 1);
		} else if (cp == '\t') {
			puts_(s, "\\t");
		} else if (cp == '\n') {
			puts_(s, "\\n");
		} else if (cp == '\r') {
			puts_(s, "\\r");
		} else if (cp < 0x20 || cp == 0x7f) {
			put_escape(s, cp);
		} else if (cp < 0x80 || printable(cp)) {
			put(s, name + i, n);
		} else {
			put_escape(s, cp);
		}
	}
	put(s, &quote, 1);
}

/* A sink for (buf, size); a NULL buf holds nothing, as with snprintf. */
static struct sink sink_for(char *buf, size_t size)
{
	struct sink s = {buf, buf ? size : 0, 0};

	return s;
}

size_t osx_repr(const char *name, size_t len, char *buf, size_t size)
{
	struct sink s = sink_for(buf, size);

	if (!name && len) {
		finish(&s);
		errno = EINVAL;
		return 0;
	}
	put_repr(&s, name ? name : "", len);
	return finish(&s);
}

static void put_name(struct sink *s, const char *name, int cut)
{
	put_repr(s, name, strlen(name));
	if (cut)
		puts_(s, "...");
}

/*
 * strerror_r comes in two kinds: GNU (glibc with _GNU_SOURCE) returns the
 * text, maybe a static string instead of filling buf; XSI (musl, and POSIX)
 * fills buf and returns 0 or an error number.  _Generic picks the reading
 * that fits the declaration this C library has.
 */
static const char *gnu_text(char *r, const char *buf)
{
	(void)buf;
	return r;
}

static const char *xsi_text(int r, const char *buf)
{
	return r == 0 ? buf : "Unknown error";
}

#define ERROR_TEXT(code, buf)                                                           \
	_Generic(strerror_r((code), (buf), sizeof(buf)), char *: gnu_text, int: xsi_text)( \
		strerror_r((code), (buf), sizeof(buf)), (buf))

static void put_error(struct sink *s, const osx_error *err)
{
	char num[32], msg[256];
	const char *text;

	snprintf(num, sizeof(num), "[Errno %d] ", err->code);
	puts_(s, num);
	text = ERROR_TEXT(err->code, msg);
	puts_(s, text);
	if (err->has_name) {
		puts_(s, ": ");
		put_name(s, err->name, err->name_cut);
		if (err->has_name2) {
			puts_(s, " -> ");
			put_name(s, err->name2, err->name2_cut);
		}
	}
}

size_t osx_error_format(const osx_error *err, char *buf, size_t size)
{
	struct sink s = sink_for(buf, size);

	if (!err) {
		finish(&s);
		errno = EINVAL;
		return 0;
	}
	put_error(&s, err);
	return finish(&s);
}

size_t osx_error_format_call(const osx_error *err, char *buf, size_t size)
{
	struct sink s = sink_for(buf, size);

	if (!err) {
		finish(&s);
		errno = EINVAL;
		return 0;
	}
	if (err->call) {
		puts_(&s, err->call);
		puts_(&s, ": ");
	}
	put_error(&s, err);
	return finish(&s);
}

/* Copy name into dst; if it does not fit, cut it on a UTF-8 character
 * boundary (so the quoted prefix shows no stray \udcXX) and return 1. */
static int copy_name(char dst[OSX_ERROR_NAME_MAX], const char *name)
{
	size_t len = strlen(name), keep, back;

	if (len < OSX_ERROR_NAME_MAX) {
		memcpy(dst, name, len + 1);
		return 0;
	}
	keep = OSX_ERROR_NAME_MAX - 1;
	for (back = 0; back < 3 && (name[keep - back] & 0xc0) == 0x80; back++)
		;
	if ((name[keep - back] & 0xc0) == 0x80)
		back = 0; /* not UTF-8 anyway: a byte cut is as good as any */
	keep -= back;
	memcpy(dst, name, keep);
	dst[keep] = '\0';
	return 1;
}

static void fill(osx_error *err, int code, const char *call, const char *name,
		 const char *name2)
{
	err->code = code;
	err->call = call;
	err->has_name = name != NULL;
	err->has_name2 = name2 != NULL;
	err->name_cut = name ? (unsigned char)copy_name(err->name, name) : 0;
	err->name2_cut = name2 ? (unsigned char)copy_name(err->name2, name2) : 0;
	if (!name)
		err->name[0] = '\0';
	if (!name2)
		err->name2[0] = '\0';
}

int osx_error_set(osx_error *err, int code, const char *call,
		  const char *name, const char *name2)
{
	if (err)
		fill(err, code, call, name, name2);
	/* Last, so nothing above (or any cleanup before the call) can clobber it. */
	errno = code;
	return -1;
}

void osx__fail_fill(const osx__fail *f, osx_error *err)
{
	if (err)
		fill(err, f->code, f->call, f->name, f->name2);
}

int osx__fail_report(const osx__fail *f, osx_error *err)
{
	osx__fail_fill(f, err);
	return osx__fail_errno(f);
}
