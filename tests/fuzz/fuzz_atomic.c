/*
 * libFuzzer target: the streaming atomic writer driven by fuzzed call
 * sequences, with one fuzzed fault injected into the shim.
 *
 * Input: [flags] [syscall] [nth] [errno] then ops, each one byte:
 *   op % 4 == 0: write the next (op / 4) bytes of input
 *   op % 4 == 1: the same bytes through the fd (pwrite at the end)
 *   op % 4 == 2: commit          op % 4 == 3: abort
 * A missing writer is begun before a write.  After every commit or abort:
 * the target holds exactly one whole version (the last committed one, or
 * the new one when the failure came after the rename), no temp file is
 * left in the directory (but the temps of writers whose cleanup unlinkat
 * was failed, which the next write must reclaim, all of them), and a
 * failure leaves errno == err.code.
 */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osx/osx.h>

#include "fault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], target[96];
static const int errnos[] = {EIO, ENOSPC, EINTR, EOPNOTSUPP, EINVAL, EEXIST, ENOMEM, EDQUOT, EPERM};

static size_t read_target(char *buf, size_t cap)
{
	int fd = open(target, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert(fd >= 0);
	n = read(fd, buf, cap);
	assert(n >= 0);
	close(fd);
	return (size_t)n;
}

/* A slot temp's name, ".t.<0-7>.osx-tmp". */
static int slot_temp(const char *name)
{
	return !strncmp(name, ".t.", 3) && name[3] >= '0' && name[3] <= '7' &&
	       !strcmp(name + 4, ".osx-tmp");
}

/* Nothing but the target; with leftover_ok also the temps of writers
 * whose cleanup unlinkat failed, in any slot (the next write reclaims
 * them). */
static void assert_only_target(int leftover_ok)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert(d);
	while ((e = readdir(d)))
		assert(!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		       !strcmp(e->d_name, "t") || (leftover_ok && slot_temp(e->d_name)));
	closedir(d);
}

static void setup(void)
{
	int fd;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/osx-fuzz-atomic-XXXXXX");
		assert(mkdtemp(dir));
		snprintf(target, sizeof(target), "%s/t", dir);
	}
	fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert(fd >= 0);
	assert(write(fd, "old", 3) == 3);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char committed[1 << 16], pending[1 << 16], now[1 << 16 + 1];
	size_t ncommitted = 3, npending = 0, i;
	osx_atomic_options opts;
	osx_atomic_writer *w = NULL;
	osx_error err;

	if (size < 4)
		return 0;
	setup();
	memcpy(committed, "old", 3);
	opts.flags = data[0] & (OSX_ATOMIC_DURABLE | OSX_ATOMIC_KEEP_MODE | OSX_ATOMIC_MODE);
	opts.mode = 0600 | (data[0] & 0x70);
	osx__fault_reset();
	if (data[1] < OSX__SYS_COUNT)
		osx__fault_fail((enum osx__sys)data[1], 1 + data[2] % 8, 1 + data[2] / 64,
				errnos[data[3] % (sizeof(errnos) / sizeof(errnos[0]))]);

	for (i = 4; i < size; i++) {
		unsigned op = data[i] % 4, len = data[i] / 4;
		int r;

		if (op <= 1) {
			if (!w && !(w = osx_atomic_begin(target, &opts, &err))) {
				assert(errno == err.code);
				continue;
			}
			if (len > size - i - 1)
				len = (unsigned)(size - i - 1);
			if (npending + len > sizeof(pending))
				break;
			if (op == 0) {
				r = osx_atomic_writer_write(w, data + i + 1, len, &err);
				if (r < 0)
					assert(errno == err.code);
			} else {
				int fd = osx_atomic_writer_fd(w);
				ssize_t n = pwrite(fd, data + i + 1, len, (off_t)npending);
				/* pwrite leaves the offset: move it so writes append. */
				r = n == (ssize_t)len && lseek(fd, 0, SEEK_END) >= 0 ? 0 : -1;
			}
			if (r == 0) {
				memcpy(pending + npending, data + i + 1, len);
				npending += len;
			} else {
				osx_atomic_abort(w); /* a failed write leaves only abort */
				w = NULL, npending = 0;
			}
			i += len;
			continue;
		}
		if (!w)
			continue;
		if (op == 2) {
			r = osx_atomic_commit(w, NULL, &err);
			size_t n = read_target(now, sizeof(now));
			if (r == 0) {
				assert(n == npending && memcmp(now, pending, n) == 0);
			} else {
				assert(errno == err.code);
				/* Old, or new when only the post-rename steps failed. */
				assert((n == ncommitted && memcmp(now, committed, n) == 0) ||
				       (n == npending && memcmp(now, pending, n) == 0));
			}
			memcpy(committed, now, n);
			ncommitted = n;
		} else {
			osx_atomic_abort(w);
			assert(read_target(now, sizeof(now)) == ncommitted);
		}
		w = NULL, npending = 0;
		assert_only_target(data[1] == OSX__SYS_unlinkat);
	}
	if (w)
		osx_atomic_abort(w);
	osx__fault_reset();
	assert_only_target(data[1] == OSX__SYS_unlinkat);
	/* a leftover is gone after the next write */
	assert(osx_atomic_write(target, "old", 3, NULL, NULL, NULL) == 0);
	assert_only_target(0);
	return 0;
}
