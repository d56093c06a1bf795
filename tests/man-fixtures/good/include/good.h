/* gen-man fixture: every way a declaration may carry its own comment. */
#ifndef GOOD_H
#define GOOD_H

/* A group comment: describes the types below, belongs to no function. */
typedef struct good good;

/* Open a good thing.  The second sentence (with os.open, a dot inside a
 * word) is description only.
 *
 * A second paragraph, then an example:
 *   good_open("x", &err);
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API good *good_open(const char *name,
			osx_error *err);
/* Close it, e.g. twice: no.  A line that starts with a dot:
 * .TH is no roff request here, nor is a back\slash.
 * Safety: MT-Unsafe (the handle, not the library), AS-Unsafe, blocks (on a flush, sometimes).
 */
OSX_API void good_close(good *g);
/* One line, no period
 * Safety: MT-Safe, AS-Unsafe, blocks (on the child (its exit)).
 */
OSX_API OSX_NORETURN void good_exit(int status);

#endif
