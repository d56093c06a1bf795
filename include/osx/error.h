/* libosx: the error struct every call fills on failure (Python's OSError). */
#ifndef OSX_ERROR_H
#define OSX_ERROR_H

#include <stddef.h>

#include <osx/common.h>

OSX_BEGIN_DECLS

/* Bytes kept of each file name, including the terminating NUL.  A longer
 * name is cut at a UTF-8 character boundary and flagged; the formatter then
 * shows "..." after the quoted part. */
#define OSX_ERROR_NAME_MAX 1024

/*
 * What a failing call leaves behind, when the caller passed a non-NULL
 * osx_error *.  Self-contained: names are copied in, `call` points to a
 * static string, so the struct stays valid after the arguments are freed.
 * On every failure errno equals `code` when the call returns.
 */
typedef struct osx_error {
	int code;                 /* the errno value */
	const char *call;         /* failing syscall or step, e.g. "openat" */
	unsigned char has_name;   /* filename present (it may be "") */
	unsigned char has_name2;  /* filename2 present */
	unsigned char name_cut;   /* filename was truncated */
	unsigned char name2_cut;  /* filename2 was truncated */
	char name[OSX_ERROR_NAME_MAX];
	char name2[OSX_ERROR_NAME_MAX];
} osx_error;

/*
 * Format err as Python's str(OSError) does.  The text goes into buf,
 * always NUL-terminated when size > 0:
 *   [Errno 2] No such file or directory: 'missing.txt'
 *   [Errno 18] Invalid cross-device link: 'a' -> 'b'
 *   [Errno 9] Bad file descriptor
 * Names are quoted as Python's repr() quotes a file name decoded with
 * surrogateescape.  Returns the length of the full text (excluding the NUL),
 * as snprintf does, so a result >= size means it was truncated.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API size_t osx_error_format(const osx_error *err, char *buf, size_t size) OSX_NONNULL(1);

/* Format err as osx_error_format does, prefixed by the failing call:
 * "openat: [Errno 2] ...".  Same return convention.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API size_t osx_error_format_call(const osx_error *err, char *buf, size_t size) OSX_NONNULL(1);

/* Quote a file name as Python's repr() does.  The name is len bytes,
 * decoded with surrogateescape.  Same return convention as
 * osx_error_format.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API size_t osx_repr(const char *name, size_t len, char *buf, size_t size);

/* Fill err (if non-NULL) and set errno = code.  Either name may be NULL.
 * Always returns -1 so callers can write `return osx_error_set(...)`.
 * For programs that report their own failures in the same form.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_error_set(osx_error *err, int code, const char *call,
			  const char *name, const char *name2);

OSX_END_DECLS

#endif
