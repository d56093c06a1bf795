/* The kernel's getdents64 record, shared by scandir.c and walk.c. */
#ifndef OSX_DIRENT64_H
#define OSX_DIRENT64_H

#include <stdint.h>

/* Directory reads go through one buffer this size: a large directory is
 * then a few getdents64 calls, not one per 32 KiB as with readdir. */
#define OSX__DIRBUF_SIZE (64 * 1024)

/* glibc has no public type for it. */
struct osx__dent64 {
	uint64_t ino;
	/* cppcheck-suppress unusedStructMember ; the kernel's layout */
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* "." or "..": never reported, as os.scandir. */
static inline int osx__is_dot(const char *name)
{
	return name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]));
}

#endif
