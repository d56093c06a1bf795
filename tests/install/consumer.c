/* A program built against an installed libosx using only pkg-config:
 * proves the headers, the .pc file and the library (shared or static) fit. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <osx/osx.h>

int main(void)
{
	osx_error err;
	char text[256];

	if (osx_error_set(&err, ENOENT, "openat", "missing.txt", NULL) != -1 || errno != ENOENT)
		return 1;
	osx_error_format(&err, text, sizeof(text));
	if (strcmp(text, "[Errno 2] No such file or directory: 'missing.txt'") != 0)
		return 1;
	puts("consumer: ok");
	return 0;
}
