/*
 * What the system under the tests really does, found by trying it rather
 * than by the machine's or the emulator's name.  qemu-user (the aarch64
 * run) and valgrind answer the system calls themselves and do not do all
 * a kernel does; a test asks these before it expects that behaviour.
 * Plain libc calls, no cmocka: stress-spawn uses them too.  Each result
 * is found once and kept.
 */
#ifndef OSX_TEST_PROBE_H
#define OSX_TEST_PROBE_H

/* A clone(CLONE_VM | CLONE_VFORK) child shares our memory: a variable it
 * writes is seen here.  0 where the clone copies the memory like fork
 * (qemu-user, valgrind): a spawn child's writes to its parent's memory
 * (the fault counters, the report) are then lost. */
int osx_test_vfork_shares_memory(void);

/* prctl(PR_SET_CHILD_SUBREAPER) works (qemu-user 7.2 says EINVAL).  Only
 * asks; leaves the setting as it was. */
int osx_test_has_subreaper(void);

#endif
