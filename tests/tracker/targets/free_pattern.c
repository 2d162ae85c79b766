// A known malloc/free pattern for the allocator-statistics tests: 4000 blocks of 4000 bytes, each
// followed by a small block that stays, so that freeing every other big block leaves 2000 free chunks
// that cannot merge with each other or with the top of the heap (the allocator must keep them).
// With --on-signal (the tracker test, whose harness can signal) each phase (before, all allocated, half
// freed) lasts until the test has received a reading of the allocator's figures taken in it and says
// so with SIGUSR1: the tracker reads them at most once a second, and less often after a slow read
// (allocator_stats.cpp), so on a loaded machine a fixed sleep could end a phase before any reading.
// Without it (the e2e test, under `leakscope run`), the phases are 2.5 s sleeps.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_signal.h"

enum { kBlocks = 4000, kBlockBytes = 4000 };

static int g_on_signal = 0;
static sigset_t g_go;

static void next_phase(void) {
    if (g_on_signal)
        wait_for_test_signal(&g_go, "free_pattern");
    else
        usleep(2500 * 1000);
}

int main(int argc, char** argv) {
    g_on_signal = argc > 1 && strcmp(argv[1], "--on-signal") == 0;
    block_test_signal(&g_go);
    static void* big[kBlocks];
    static void* small[kBlocks];
    if (g_on_signal) {
        // The tracker's thread starts at the first allocation; once a first reading is taken, the next
        // is a second away, clear of the allocations below.
        void* volatile first = malloc(1);
        free(first);
        next_phase();
    }
    for (int i = 0; i < kBlocks; ++i) {
        big[i] = malloc(kBlockBytes);
        small[i] = malloc(24);
        if (!big[i] || !small[i]) return 1;
        ((volatile char*)big[i])[0] = 1;  // touch it
    }
    next_phase();
    for (int i = 0; i < kBlocks; i += 2) free(big[i]);
    next_phase();
    printf("done\n");
    return 0;
}
