/*
 * Stress: SPAWNERS threads each spawn and wait for the no-op ROUNDS times
 * (envp NULL: the environment copied under its lock) while churn threads
 * open and close fds, install and remove signal handlers (and signal the
 * process), and set and unset environment variables.  Fails on any failed
 * spawn or wait, any fd left open, any child left unreaped.
 *
 * Where the system calls are emulated (the spawn's clone copies the
 * memory: qemu-user, valgrind), the signal sent is flipped between two
 * handlers, never to SIG_IGN: qemu-user 7.2 itself crashes (SIGSEGV in the
 * guest, without any spawn) when a signal arrives while another thread
 * sets it to SIG_IGN.  SIGUSR2 is still flipped to SIG_IGN and back.
 *
 *   stress-spawn PROGRAM [ROUNDS]   (OSX_TEST_UNDER_VALGRIND: 50 rounds;
 *                                    system calls emulated: 500)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <osx/osx.h>

#include "probe.h"

#define SPAWNERS 4

static char *prog_argv[2];
static atomic_int stop, failures;
static osx_spawn_attr *attr;
static int rounds = 5000;
static int emulated; /* see above */

static void *spawner(void *arg)
{
	osx_child ch;
	osx_wait_status st;
	osx_error err;
	char msg[256];

	(void)arg;
	for (int i = 0; i < rounds; i++) {
		if (osx_spawn(attr, &ch, &err) < 0 || osx_child_wait(&ch, &st, &err) < 0) {
			osx_error_format(&err, msg, sizeof(msg));
			if (atomic_fetch_add(&failures, 1) < 5)
				fprintf(stderr, "stress-spawn: round %d: %s: %s\n", i,
					err.call ? err.call : "?", msg);
		} else if (!st.exited || st.code != 0) {
			atomic_fetch_add(&failures, 1);
		}
	}
	return NULL;
}

static void *churn_fds(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		int p[2], fd = open("/dev/null", O_RDONLY); /* inheritable on purpose */

		if (fd >= 0)
			close(fd);
		if (pipe2(p, O_CLOEXEC) == 0) {
			close(p[0]);
			close(p[1]);
		}
	}
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void on_usr1_too(int sig)
{
	(void)sig;
}

static void *churn_handlers(void *arg)
{
	struct sigaction sa;

	(void)arg;
	memset(&sa, 0, sizeof(sa));
	for (unsigned i = 0; !atomic_load(&stop); i++) {
		sa.sa_handler = i % 2 ? on_usr1 : SIG_IGN;
		sigaction(SIGUSR2, &sa, NULL);
		if (emulated && !(i % 2))
			sa.sa_handler = on_usr1_too;
		sigaction(SIGUSR1, &sa, NULL);
		if (i % 2)
			kill(getpid(), SIGUSR1);
		if (i % 64 == 0)
			usleep(100);
	}
	return NULL;
}

static void *churn_env(void *arg)
{
	char name[32];
	osx_error err;

	(void)arg;
	for (unsigned i = 0; !atomic_load(&stop); i++) {
		snprintf(name, sizeof(name), "OSX_STRESS_%u", i % 97);
		if (i % 194 < 97)
			osx_setenv(name, "a value long enough to make environ grow", &err);
		else
			osx_unsetenv(name, &err);
	}
	return NULL;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own */
}

int main(int argc, char **argv)
{
	void *(*churns[])(void *) = { churn_fds, churn_handlers, churn_env };
	pthread_t sp[SPAWNERS], ch[3];
	struct sigaction ign;
	osx_error err;
	int fds_before, fds_after, zombies = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: stress-spawn PROGRAM [ROUNDS]\n");
		return 2;
	}
	emulated = !osx_test_vfork_shares_memory();
	if (argc > 2)
		rounds = atoi(argv[2]);
	else if (getenv("OSX_TEST_UNDER_VALGRIND"))
		rounds = 50;
	else if (emulated)
		rounds = 500; /* each spawn a fork of the emulator: ~35 times slower */
	if (emulated)
		printf("stress-spawn: system calls emulated here: SIGUSR1 is never set to "
		       "SIG_IGN while it is sent\n");
	prog_argv[0] = argv[1];
	attr = osx_spawn_attr_new(&err);
	if (!attr || osx_spawn_attr_set_argv(attr, prog_argv, &err) < 0)
		return 2;
	/* SIGUSR1 is sent to the process: never its default (death). */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGUSR1, &ign, NULL);
	fds_before = count_fds();
	for (int i = 0; i < 3; i++)
		if (pthread_create(&ch[i], NULL, churns[i], NULL) != 0)
			return 2;
	for (int i = 0; i < SPAWNERS; i++)
		if (pthread_create(&sp[i], NULL, spawner, NULL) != 0)
			return 2;
	for (int i = 0; i < SPAWNERS; i++)
		pthread_join(sp[i], NULL);
	atomic_store(&stop, 1);
	for (int i = 0; i < 3; i++)
		pthread_join(ch[i], NULL);
	fds_after = count_fds();
	while (waitpid(-1, NULL, WNOHANG) > 0)
		zombies++;
	if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
		zombies++;
	osx_spawn_attr_free(attr);
	printf("stress-spawn: %d threads x %d spawns: %d failures, %d fds leaked, %d children left\n",
	       SPAWNERS, rounds, atomic_load(&failures), fds_after - fds_before, zombies);
	return atomic_load(&failures) || fds_after != fds_before || zombies ? 1 : 0;
}
