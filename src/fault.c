/* The fault-injection engine behind the shim (instrumented builds only). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fault.h"

#define MAX_RULES 16

struct rule {
	unsigned long first; /* first attempt (1-based) to fail */
	unsigned long last;  /* last attempt to fail, inclusive */
	enum osx__sys sys;
	int error;
};

unsigned long osx__work;

#define MAX_CALLS 4

/* A test's function to run just before the at-th attempt of sys. */
struct call {
	unsigned long at;
	enum osx__sys sys;
	void (*fn)(void *);
	void *arg;
};

static unsigned long counts[OSX__SYS_COUNT];
static size_t caps[OSX__SYS_COUNT];
static struct rule rules[MAX_RULES];
static int nrules;
static struct call calls[MAX_CALLS];

/*
 * The call sites faults were faked at, open-addressed by address.  Written
 * with atomic stores only (no allocation, no lock, no syscall), so recording
 * is async-signal-safe and works in a CLONE_VM|CLONE_VFORK spawn child,
 * which fills its suspended parent's table.
 */
static const void *sites[OSX__FAULT_MAX_SITES];
static size_t nsites;

static const char *const names[] = {
#define OSX__SYS_NAME(name) #name,
	OSX__SYSCALLS(OSX__SYS_NAME)
#undef OSX__SYS_NAME
};

static void record(const void *site)
{
	size_t i = (uintptr_t)site / 4 % OSX__FAULT_MAX_SITES, n;

	if (!site)
		return;
	for (n = 0; n < OSX__FAULT_MAX_SITES; n++, i = (i + 1) % OSX__FAULT_MAX_SITES) {
		const void *empty = NULL;

		if (__atomic_load_n(&sites[i], __ATOMIC_RELAXED) == site)
			return;
		if (__atomic_compare_exchange_n(&sites[i], &empty, site, 0, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED)) {
			__atomic_add_fetch(&nsites, 1, __ATOMIC_RELAXED);
			return;
		}
		if (empty == site)
			return;
	}
	/* the table is full: counted, not kept, so the loss shows */
	__atomic_add_fetch(&nsites, 1, __ATOMIC_RELAXED);
}

int osx__fault_hit(enum osx__sys sys, const void *site)
{
	unsigned long n = __atomic_add_fetch(&counts[sys], 1, __ATOMIC_RELAXED);
	int i;

	for (i = 0; i < MAX_CALLS; i++)
		if (calls[i].fn && calls[i].sys == sys && calls[i].at == n) {
			void (*fn)(void *) = calls[i].fn;

			calls[i].fn = NULL; /* once: fn's own calls come through here too */
			fn(calls[i].arg);
		}
	for (i = 0; i < nrules; i++)
		if (rules[i].sys == sys && n >= rules[i].first && n <= rules[i].last) {
			record(site);
			return rules[i].error;
		}
	return 0;
}

size_t osx__fault_cap_len(enum osx__sys sys, size_t len, const void *site)
{
	size_t n = len;

	if (caps[sys] == OSX__FAULT_STALL)
		n = 0;
	else if (caps[sys] && len > caps[sys])
		n = caps[sys];
	if (n < len)
		record(site);
	return n;
}

void osx__fault_reset(void)
{
	memset(counts, 0, sizeof(counts));
	memset(caps, 0, sizeof(caps));
	memset(calls, 0, sizeof(calls));
	nrules = 0;
}

int osx__fault_call(enum osx__sys sys, unsigned long nth, void (*fn)(void *), void *arg)
{
	int i;

	for (i = 0; i < MAX_CALLS && calls[i].fn; i++)
		;
	if (i == MAX_CALLS || nth == 0 || !fn)
		return -1;
	calls[i].sys = sys;
	calls[i].at = counts[sys] + nth;
	calls[i].fn = fn;
	calls[i].arg = arg;
	return 0;
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
	return __atomic_load_n(&counts[sys], __ATOMIC_RELAXED);
}

unsigned long osx__fault_total(void)
{
	unsigned long total = 0;
	int i;

	for (i = 0; i < OSX__SYS_COUNT; i++)
		total += __atomic_load_n(&counts[i], __ATOMIC_RELAXED);
	return total;
}

const char *osx__sys_name(enum osx__sys sys)
{
	return (unsigned)sys < OSX__SYS_COUNT ? names[sys] : "?";
}

size_t osx__fault_sites(const void **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < OSX__FAULT_MAX_SITES; i++)
		if (sites[i] && n < max)
			out[n++] = sites[i];
	return nsites;
}
