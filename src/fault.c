/* The fault-injection engine behind the shim (instrumented builds only). */
#include <errno.h>
#include <string.h>

#include "fault.h"

#define MAX_RULES 16

struct rule {
	unsigned long first; /* first attempt (1-based) to fail */
	unsigned long last;  /* last attempt to fail, inclusive */
	enum osx__sys sys;
	int error;
};

static unsigned long counts[OSX__SYS_COUNT];
static size_t caps[OSX__SYS_COUNT];
static struct rule rules[MAX_RULES];
static int nrules;

static const char *const names[] = {
#define OSX__SYS_NAME(name) #name,
	OSX__SYSCALLS(OSX__SYS_NAME)
#undef OSX__SYS_NAME
};

int osx__fault_hit(enum osx__sys sys)
{
	unsigned long n = ++counts[sys];
	int i;

	for (i = 0; i < nrules; i++)
		if (rules[i].sys == sys && n >= rules[i].first && n <= rules[i].last)
			return rules[i].error;
	return 0;
}

size_t osx__fault_cap_len(enum osx__sys sys, size_t len)
{
	if (caps[sys] == OSX__FAULT_STALL)
		return 0;
	return caps[sys] && len > caps[sys] ? caps[sys] : len;
}

void osx__fault_reset(void)
{
	memset(counts, 0, sizeof(counts));
	memset(caps, 0, sizeof(caps));
	nrules = 0;
}

int osx__fault_fail(enum osx__sys sys, unsigned long nth, unsigned long times, int error)
{
	if (nrules == MAX_RULES || nth == 0 || times == 0)
		return -1;
	rules[nrules].sys = sys;
	rules[nrules].first = counts[sys] + nth;
	rules[nrules].last = times > OSX__FAULT_ALWAYS - rules[nrules].first
				     ? OSX__FAULT_ALWAYS
				     : rules[nrules].first + times - 1;
	rules[nrules].error = error;
	nrules++;
	return 0;
}

void osx__fault_cap(enum osx__sys sys, size_t max)
{
	caps[sys] = max;
}

unsigned long osx__fault_count(enum osx__sys sys)
{
	return counts[sys];
}

unsigned long osx__fault_total(void)
{
	unsigned long total = 0;
	int i;

	for (i = 0; i < OSX__SYS_COUNT; i++)
		total += counts[i];
	return total;
}

const char *osx__sys_name(enum osx__sys sys)
{
	return (unsigned)sys < OSX__SYS_COUNT ? names[sys] : "?";
}
