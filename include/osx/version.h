/* libosx: the version of these headers, and of the library at run time. */
#ifndef OSX_VERSION_H
#define OSX_VERSION_H

#include <osx/common.h>

/* The release these headers belong to (meson.build's project version; the
 * build checks that the two agree). */
#define OSX_VERSION_MAJOR 0
#define OSX_VERSION_MINOR 2
#define OSX_VERSION_PATCH 0
#define OSX_VERSION_STRING "0.2.0"

/* One number that orders releases: 0.2.0 is 200, 1.3.12 is 10312. */
#define OSX_VERSION_NUMBER(major, minor, patch) ((major) * 10000 + (minor) * 100 + (patch))

/* True when these headers are release major.minor.patch or newer:
 * `#if OSX_CHECK_VERSION(0, 2, 0)`. */
#define OSX_CHECK_VERSION(major, minor, patch)                                           \
	(OSX_VERSION_NUMBER(OSX_VERSION_MAJOR, OSX_VERSION_MINOR, OSX_VERSION_PATCH) >= \
	 OSX_VERSION_NUMBER(major, minor, patch))

OSX_BEGIN_DECLS

/*
 * The version of the library the program runs with, "MAJOR.MINOR.PATCH"
 * (OSX_VERSION_STRING of the headers it was built from), in static
 * storage.  It may be newer than the headers the program was compiled
 * with: the shared library's SONAME changes with every incompatible
 * release, so an older one is never loaded in its place.
 * Safety: MT-Safe, AS-Safe, non-blocking.
 */
OSX_API const char *osx_version(void);

OSX_END_DECLS

#endif
