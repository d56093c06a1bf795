// The public headers compile as C++ (extern "C", no C-only constructs).
#include <osx/osx.h>

#include <cerrno>
#include <cstdio>

int main()
{
	osx_error err;
	char text[256];

	osx_error_set(&err, EACCES, "openat", "x", nullptr);
	osx_error_format(&err, text, sizeof(text));
	std::puts(text);
	return err.code == EACCES ? 0 : 1;
}
