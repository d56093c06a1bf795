/* Internal interface between env.c and expand.c. */
#ifndef OSX_ENV_INTERNAL_H
#define OSX_ENV_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <osx/env.h>

/* The lock osx_getenv/osx_setenv/osx_unsetenv/osx_env_snapshot and the
 * expanders take around every access to environ. */
void osx__env_lock(void);
void osx__env_unlock(void);

/* The value of the name given by (name, len) in e, or in environ when e is
 * NULL (the caller holds the lock); NULL when not set or not a valid name.
 * *vlen gets the value's length. */
const char *osx__env_lookup(const osx_env *e, const char *name, size_t len, size_t *vlen);

/* The hash of environment objects' names: keyed per process, so names
 * chosen to collide (a denial of service on an insert-heavy table) cannot
 * be prepared in advance. */
uint64_t osx__env_hash(const char *name, size_t len);

#endif
