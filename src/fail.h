/*
 * The internal failure record: how a failure travels inside the library,
 * from the helper where a syscall failed up to the public function that
 * reports it.
 *
 * A helper that fails records what failed (the errno, the call, the names)
 * and returns -1 (or NULL); its callers pass the record up untouched.  The
 * public function does its cleanup and then reports the record once, last:
 * osx__fail_report() fills the caller's osx_error and sets errno.  So the
 * call named is always the one that failed, and errno equals err->code
 * whatever the cleanup did, by construction rather than by care at each site.
 *
 * The first failure recorded wins: a cleanup step that fails after it (a
 * close, an unlink of a temp file) is not the cause and cannot overwrite it.
 *
 * Names are borrowed, not copied: they must stay valid until the report (the
 * caller's arguments always are; a buffer of the library's own is freed only
 * after osx__fail_report(), or reported with osx__fail_fill() first).
 */
#ifndef OSX_FAIL_H
#define OSX_FAIL_H

#include <errno.h>

#include <osx/error.h>

typedef struct osx__fail {
	int code;          /* errno; 0 while nothing has failed */
	const char *call;  /* static string: the syscall or step that failed */
	const char *name;  /* Python's filename (borrowed), or NULL */
	const char *name2; /* Python's filename2 (borrowed), or NULL */
} osx__fail;

#define OSX__FAIL_INIT { 0, NULL, NULL, NULL }

/*
 * Record a failure unless one is recorded already.  code is the errno; a
 * negative value is taken as the shim's -errno, so `osx__fail_set(f, r,
 * "openat", path, NULL)` works with what a shim call returned.  Always
 * returns -1, for `return osx__fail_set(...)`.
 */
static inline int osx__fail_set(osx__fail *f, long code, const char *call,
				const char *name, const char *name2)
{
	if (f->code == 0) {
		f->code = (int)(code < 0 ? -code : code);
		f->call = call;
		f->name = name;
		f->name2 = name2;
	}
	return -1;
}

/* Has anything failed? */
static inline int osx__failed(const osx__fail *f)
{
	return f->code != 0;
}

/* Forget a failure that was handled (e.g. a fallback took over). */
static inline void osx__fail_clear(osx__fail *f)
{
	f->code = 0;
	f->call = f->name = f->name2 = NULL;
}

/* Take over a failure another public function already reported in an
 * osx_error (its names then live in that struct). */
static inline int osx__fail_from(osx__fail *f, const osx_error *e)
{
	return osx__fail_set(f, e->code, e->call, e->has_name ? e->name : NULL,
			     e->has_name2 && e->has_name ? e->name2 : NULL);
}

/* Copy the record into err (when err is non-NULL) without touching errno:
 * for a function that must free the buffer a name lives in before it
 * returns.  It then ends with osx__fail_errno(). */
void osx__fail_fill(const osx__fail *f, osx_error *err);

/* Set errno to the recorded code, last; returns -1. */
static inline int osx__fail_errno(const osx__fail *f)
{
	errno = f->code;
	return -1;
}

/* Report the record: fill err (when non-NULL), then errno = code.  The
 * last thing a failing public function does.  Returns -1. */
int osx__fail_report(const osx__fail *f, osx_error *err);

#endif
