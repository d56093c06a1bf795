/* The smallest program to spawn: linked statically (tests/meson.build), so
 * its start is the exec and nothing else, and a spawn benchmark measures
 * the spawn. */
int main(void)
{
	return 0;
}
