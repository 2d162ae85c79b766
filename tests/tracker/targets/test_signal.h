/* The go-ahead a tracker test gives its program with SIGUSR1 once it has seen what it waits for (the
 * harness's RunOptions::signals): a phase lasts until then instead of a fixed sleep that a loaded
 * machine can outrun. For the C and the C++ target programs alike. */
#ifndef LEAKSCOPE_TRACKER_TEST_SIGNAL_H
#define LEAKSCOPE_TRACKER_TEST_SIGNAL_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Blocks SIGUSR1 from the start, so that none sent before the program waits is lost. */
static inline void block_test_signal(sigset_t* go) {
    sigemptyset(go);
    sigaddset(go, SIGUSR1);
    sigprocmask(SIG_BLOCK, go, NULL);
}

/* Waits for the test's SIGUSR1; a minute without one is a broken test, not a slow machine: exit 3
 * rather than wait for the test's timeout. */
static inline void wait_for_test_signal(const sigset_t* go, const char* program) {
    const struct timespec limit = {60, 0};
    if (sigtimedwait(go, NULL, &limit) != SIGUSR1) {
        fprintf(stderr, "%s: no SIGUSR1 from the test within 60 s\n", program);
        exit(3);
    }
}

#endif
