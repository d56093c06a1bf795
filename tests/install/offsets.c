/* A consumer built twice on 32-bit systems, with and without
 * -D_FILE_OFFSET_BITS=64 (tests/install/check-offsets.sh): it prints the
 * size of every public type and uses offsets beyond 4 GiB, so the two
 * builds must print the same and both succeed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osx/osx.h>

#define SIZE(t) printf("%s %zu\n", #t, sizeof(t))

static int die(const char *what, const osx_error *err)
{
	char buf[512];

	osx_error_format(err, buf, sizeof(buf));
	fprintf(stderr, "offsets: %s: %s\n", what, buf);
	return 1;
}

int main(int argc, char **argv)
{
	const int64_t far = (int64_t)5 << 30; /* 5 GiB: beyond any 32-bit off_t */
	osx_error err;
	char c = 0;
	int fd;

	SIZE(osx_error);
	SIZE(osx_dirent);
	SIZE(osx_walk_options);
	SIZE(osx_walk_entry);
	SIZE(osx_wait_status);
	SIZE(osx_child);
	SIZE(osx_run_result);
	SIZE(osx_atomic_options);
	if (argc != 2)
		return 2;
	/* A sparse file with one byte at 5 GiB. */
	fd = osx_open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600, &err);
	if (fd < 0)
		return die("open", &err);
	if (osx_pwrite(fd, "x", 1, far, &err) != 1)
		return die("pwrite", &err);
	if (osx_lseek(fd, 0, SEEK_END, &err) != far + 1)
		return die("lseek", &err);
	if (osx_pread(fd, &c, 1, far, &err) != 1 || c != 'x')
		return die("pread", &err);
	if (osx_ftruncate(fd, far, &err) < 0 || osx_lseek(fd, 0, SEEK_END, &err) != far)
		return die("ftruncate", &err);
	if (osx_lock(fd, far, 1, OSX_LOCK_NOWAIT, &err) < 0 ||
	    osx_unlock(fd, far, 1, 0, &err) < 0)
		return die("lock", &err);
	osx_close(fd, NULL);
	unlink(argv[1]);
	printf("offsets beyond 4 GiB: ok\n");
	return 0;
}
