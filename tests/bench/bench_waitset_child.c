/* The child of bench-waitset: reads its stdin to the end, then exits 0.
 * Built static, so 1000 of them start fast and share little. */
#include <unistd.h>

int main(void)
{
	char buf[64];

	while (read(0, buf, sizeof(buf)) > 0)
		;
	return 0;
}
