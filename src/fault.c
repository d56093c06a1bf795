/* The fault-injection engine behind the shim (instrumented builds only). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"

#define MAX_RULES 16
/* Distinct call sites the table holds (the library has about 200). */
#define MAX_SITES 4096

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

/*
 * The call sites faults were faked at, open-addressed by address.  Written
 * with plain stores only (no allocation, no lock, no syscall), so recording
 * is async-signal-safe and works in a CLONE_VM|CLONE_VFORK spawn child,
 * which fills its suspended parent's table.
 */
static const void *sites[MAX_SITES];
static size_t nsites;
static int sites_lost;
/* OSX_FAULT_SITES, copied at start-up: a test may change the environment. */
static char sites_file[PATH_MAX];

static const char *const names[] = {
#define OSX__SYS_NAME(name) #name,
	OSX__SYSCALLS(OSX__SYS_NAME)
#undef OSX__SYS_NAME
};

static void record(const void *site)
{
	size_t i = (uintptr_t)site / 4 % MAX_SITES, n;

	if (!site)
		return;
	for (n = 0; n < MAX_SITES; n++, i = (i + 1) % MAX_SITES) {
		if (sites[i] == site)
			return;
		if (!sites[i]) {
			sites[i] = site;
			nsites++;
			return;
		}
	}
	sites_lost = 1;
}

int osx__fault_hit(enum osx__sys sys, const void *site)
{
	unsigned long n = ++counts[sys];
	int i;

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

size_t osx__fault_sites(const void **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < MAX_SITES; i++)
		if (sites[i] && n < max)
			out[n++] = sites[i];
	return nsites;
}

__attribute__((constructor)) static void sites_init(void)
{
	const char *file = getenv("OSX_FAULT_SITES");
	size_t len = file ? strlen(file) : 0;

	if (len < sizeof(sites_file))
		memcpy(sites_file, file ? file : "", len + 1);
}

/*
 * The table as "<module> <address>" lines, appended to OSX_FAULT_SITES at
 * exit (a forked child that exits appends its copy too; the checker merges
 * duplicates).  The address is the site minus the module's load bias: the
 * ELF virtual address addr2line takes, PIE or not.  libc's calls directly,
 * not the shim's: those would count and inject.  One write per line, so
 * the test programs meson runs in parallel do not mix their lines.
 */
__attribute__((destructor)) static void sites_dump(void)
{
	char self[PATH_MAX], line[PATH_MAX + 64];
	ssize_t selflen = -1;
	size_t i;
	int fd, len;

	if (!sites_file[0])
		return;
	fd = open(sites_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	/* A full table lost sites: say so, and the checker fails. */
	if (sites_lost && write(fd, "lost -\n", 7) != 7)
		goto out;
	for (i = 0; i < MAX_SITES; i++) {
		struct link_map *map = NULL;
		const char *module = "?";
		uintptr_t bias = 0;
		Dl_info info;

		if (!sites[i])
			continue;
		/* Unknown module: written as "?", and the checker fails. */
		if (dladdr1(sites[i], &info, (void **)&map, RTLD_DL_LINKMAP) && map) {
			module = map->l_name;
			bias = map->l_addr;
		}
		if (!module[0]) {
			/* The main program: its link map has no name. */
			if (selflen < 0) {
				selflen = readlink("/proc/self/exe", self, sizeof(self) - 1);
				if (selflen < 0)
					goto out;
				self[selflen] = '\0';
			}
			module = self;
		}
		len = snprintf(line, sizeof(line), "%s %#lx\n", module,
			       (unsigned long)((uintptr_t)sites[i] - bias));
		if (len > 0 && (size_t)len < sizeof(line) && write(fd, line, (size_t)len) < 0)
			goto out;
	}
out:
	close(fd);
}
