/* A program built against an installed libosx using only pkg-config:
 * proves the headers, the .pc file and the library (shared or static) fit.
 * It touches every area so a static link pulls each one in. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp under -std=c11 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osx/osx.h>

int main(void)
{
	char dir[] = "/tmp/osx-consumer-XXXXXX", path[64], text[256], *back;
	osx_error err;
	osx_env *env;
	osx_walk *walk;
	osx_walk_entry *ev;
	size_t len;
	int n = 0;

	if (osx_error_set(&err, ENOENT, "openat", "missing.txt", NULL) != -1 || errno != ENOENT)
		return 1;
	osx_error_format(&err, text, sizeof(text));
	if (strcmp(text, "[Errno 2] No such file or directory: 'missing.txt'") != 0)
		return 1;
	if (osx_open("/nonexistent/x", O_RDONLY, 0, &err) != -1 || err.code != ENOENT)
		return 1;
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/f", dir);
	if (osx_atomic_write(path, "data", 4, NULL, NULL, &err) < 0)
		return 1;
	back = osx_read_file(path, &len, &err);
	if (!back || len != 4 || memcmp(back, "data", 4) != 0)
		return 1;
	free(back);
	env = osx_env_new(&err);
	if (!env || osx_env_set(env, "A", "1", &err) < 0 || strcmp(osx_env_envp(env, &err)[0], "A=1"))
		return 1;
	osx_env_free(env);
	if (osx_getpid() != getpid())
		return 1;
	walk = osx_walk_open(dir, NULL, &err);
	while (walk && osx_walk_next(walk, &ev) == 1)
		n += ev->event == OSX_WALK_FILE;
	osx_walk_close(walk);
	if (n != 1 || osx_rmtree(dir, NULL, NULL, &err) < 0)
		return 1;
	puts("consumer: ok");
	return 0;
}
