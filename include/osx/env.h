/* libosx: the process environment, environment objects for children,
 * os.path.expandvars and os.path.expanduser. */
#ifndef OSX_ENV_H
#define OSX_ENV_H

#include <stddef.h>
#include <sys/types.h>

#include <osx/common.h>
#include <osx/error.h>

OSX_BEGIN_DECLS

/*
 * The process environment.  A valid name is non-empty and has no '='
 * (EINVAL otherwise, where Python raises ValueError); a value may be empty
 * and may contain '='.  These three calls and osx_env_snapshot() serialise
 * on one library lock, so they are safe against each other from any
 * thread; code that calls setenv/putenv/unsetenv directly is not covered
 * (see docs/env.md).
 */

/* Copy the value of the process environment's variable name into buf.
 * The copy is NUL-terminated when size > 0; the return value is the full
 * length, as snprintf does: a result >= size means buf was too small.  Not
 * set: -1 with ENOENT (Python's KeyError).  No pointer into environ is ever
 * returned.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API ssize_t osx_getenv(const char *name, char *buf, size_t size, osx_error *err) OSX_NONNULL(1);
/* Set a variable of the process environment, always overwriting.  This
 * is setenv(3) under the library lock.  Returns 0 or -1.
 * Safety: MT-Unsafe (const:env: races with getenv(3) in other threads), AS-Unsafe, non-blocking.
 */
OSX_API int osx_setenv(const char *name, const char *value, osx_error *err) OSX_NONNULL(1, 2);
/* Remove a variable from the process environment.  This is unsetenv(3)
 * under the library lock.  Removing one that is not set succeeds.  Returns
 * 0 or -1.
 * Safety: MT-Unsafe (const:env: races with getenv(3) in other threads), AS-Unsafe, non-blocking.
 */
OSX_API int osx_unsetenv(const char *name, osx_error *err) OSX_NONNULL(1);

/*
 * An environment object: a hash table of NAME=VALUE entries, iterated in
 * insertion order (a name that is set again keeps its place, as in a
 * Python dict).  It never touches environ.  Not thread-safe by itself.
 * Every call that can fail leaves the object exactly as it was.
 */
typedef struct osx_env osx_env;

/* A new, empty environment object.  Returns NULL with ENOMEM on failure.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API osx_env *osx_env_new(osx_error *err);
/* A copy of the process environment taken now (os.environ).  Entries of
 * environ without '=' or with an empty name are skipped; when a name occurs
 * twice the first one wins, as with getenv() and CPython's os.environ.
 * Taken under the library lock, so it is consistent against osx_setenv.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API osx_env *osx_env_snapshot(osx_error *err);
/* An independent copy of e, in the same order.  NULL with ENOMEM on
 * failure.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API osx_env *osx_env_copy(const osx_env *e, osx_error *err) OSX_NONNULL(1);
/* Free e and everything it owns (its entries and envp).  NULL is allowed.
 * Safety: MT-Unsafe (race:e), AS-Unsafe, non-blocking.
 */
OSX_API void osx_env_free(osx_env *e);

/* The number of variables in e.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API size_t osx_env_len(const osx_env *e) OSX_NONNULL(1);
/* The value of name in e, or NULL when it is not set.  The pointer is
 * valid until the next change of e.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API const char *osx_env_get(const osx_env *e, const char *name) OSX_NONNULL(1, 2);
/* Whether name is set in e: 1 or 0.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_env_contains(const osx_env *e, const char *name) OSX_NONNULL(1, 2);
/* Set name to value in e, overwriting (a name set again keeps its place).
 * A name that is empty or has '=' is EINVAL.  Returns 0 or -1; on failure
 * e is unchanged.
 * Safety: MT-Unsafe (race:e), AS-Unsafe, non-blocking.
 */
OSX_API int osx_env_set(osx_env *e, const char *name, const char *value, osx_error *err) OSX_NONNULL(1, 2, 3);
/* Set a name and value given with explicit lengths in e, as osx_env_set.
 * A NUL byte in the name or the value is EINVAL (nothing could carry it to
 * a child).  Returns 0 or -1; on failure e is unchanged.
 * Safety: MT-Unsafe (race:e), AS-Unsafe, non-blocking.
 */
OSX_API int osx_env_setn(osx_env *e, const char *name, size_t name_len,
			 const char *value, size_t value_len, osx_error *err) OSX_NONNULL(1, 2, 4);
/* Set "NAME=VALUE" in e, split at the first '='.  EINVAL without one or
 * with an empty name.  Returns 0 or -1; on failure e is unchanged.
 * Safety: MT-Unsafe (race:e), AS-Unsafe, non-blocking.
 */
OSX_API int osx_env_put(osx_env *e, const char *assignment, osx_error *err) OSX_NONNULL(1, 2);
/* Remove name from e.  Returns 1 when name was set, 0 when it was not; -1
 * (EINVAL) for an invalid name.  Never allocates, never fails otherwise.
 * Safety: MT-Unsafe (race:e), AS-Unsafe, non-blocking.
 */
OSX_API int osx_env_unset(osx_env *e, const char *name, osx_error *err) OSX_NONNULL(1, 2);
/* Remove every variable from e (the object stays usable).
 * Safety: MT-Unsafe (race:e), AS-Unsafe, non-blocking.
 */
OSX_API void osx_env_clear(osx_env *e);
/* Set every variable of src in dst (src wins); all or nothing.  Returns 0
 * or -1; on failure dst is unchanged.
 * Safety: MT-Unsafe (race:dst), AS-Unsafe, non-blocking.
 */
OSX_API int osx_env_merge(osx_env *dst, const osx_env *src, osx_error *err) OSX_NONNULL(1, 2);

/* Iterate over e in insertion order.  Start with *pos = 0; returns 1 and
 * the next entry while there is one, then 0.  The pointers are valid until
 * the next change of e.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API int osx_env_next(const osx_env *e, size_t *pos, const char **name,
			 const char **value) OSX_NONNULL(1, 2, 3, 4);

/* The environment e as an envp array for execve/spawn.  NULL-terminated
 * "NAME=VALUE" strings in iteration order, owned by e and valid until the
 * next change of e.  Cached: calling it again without a change costs
 * nothing.  NULL with ENOMEM on failure.
 * Safety: MT-Unsafe (race:e), AS-Unsafe, non-blocking.
 */
OSX_API char **osx_env_envp(osx_env *e, osx_error *err) OSX_NONNULL(1);

/*
 * Expand shell variables in path, os.path.expandvars.  $NAME and ${NAME}
 * (NAME of ASCII letters, digits and '_'; inside braces anything up to
 * '}') are replaced by their value in env (the process environment when
 * env is NULL); unknown variables and a lone or unterminated '$' are left
 * as they are; values are not expanded again.  Returns a malloc'd string
 * for free(), or NULL with ENOMEM.
 * Safety: MT-Safe, AS-Unsafe, non-blocking.
 */
OSX_API char *osx_expandvars(const char *path, const osx_env *env, osx_error *err) OSX_NONNULL(1);

/*
 * Expand a leading ~ or ~user in path, os.path.expanduser.  "~" and
 * "~/..." use HOME from env (the process environment when env is NULL) or,
 * when HOME is not set, the home of the passwd entry of getuid();
 * "~user..." the home of user's passwd entry.
 * Trailing '/' of the home are dropped ("/" when nothing is left).  An
 * unknown user or uid leaves the path unchanged.  Returns a malloc'd string
 * for free(); NULL on ENOMEM or a failing passwd lookup (call
 * "getpwnam_r"/"getpwuid_r"; Python leaves the path unchanged then).
 * Safety: MT-Safe, AS-Unsafe, blocks (on the passwd lookup: NSS, LDAP, sssd).
 */
OSX_API char *osx_expanduser(const char *path, const osx_env *env, osx_error *err) OSX_NONNULL(1);

OSX_END_DECLS

#endif
