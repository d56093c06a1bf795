// The public headers compile as C++ (extern "C", no C-only constructs).
#include <osx/osx.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

int main()
{
	osx_error err;
	char text[256];
	osx_env *env = osx_env_new(&err);

	osx_error_set(&err, EACCES, "openat", "x", nullptr);
	osx_error_format(&err, text, sizeof(text));
	std::puts(text);
	if (!env || osx_env_set(env, "K", "v", &err) < 0)
		return 1;
	osx_env_free(env);
	return osx_open("/nonexistent", 0, 0, &err) == -1 && err.code == ENOENT ? 0 : 1;
}
