/* The library's version at run time. */
#include <osx/version.h>

const char *osx_version(void)
{
	return OSX_VERSION_STRING;
}
