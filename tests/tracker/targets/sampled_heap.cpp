// Sampling mode's live heap total from the allocator's own figure (glibc mallinfo2, jemalloc
// stats.allocated): the program holds a known number of 1000-byte blocks for a while, so the total the
// tracker sends must reach them while it runs and fall when they are freed ("hold": until the test's
// SIGUSR1, which it sends once it has seen enough readings of the full heap); a forked child's
// total must be what it allocated itself, not the heap it inherited ("fork").
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_signal.h"

namespace {

constexpr int kParentBlocks = 20000;
constexpr int kChildBlocks = 5000;
void* g_parent[kParentBlocks];  // static: the bookkeeping allocates nothing
void* g_child[kChildBlocks];

void hold_for_ms(long ms) {
    timespec t{ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&t, nullptr);
}

void allocate(void** blocks, int n) {
    for (int i = 0; i < n; ++i) {
        blocks[i] = malloc(1000);
        memset(blocks[i], 1, 1000);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "hold";
    sigset_t go;
    block_test_signal(&go);
    allocate(g_parent, kParentBlocks);
    if (strcmp(mode, "fork") == 0) {
        const pid_t child = fork();
        if (child == 0) {
            allocate(g_child, kChildBlocks);
            hold_for_ms(300);
            exit(0);  // still holding them: the final state shows them too
        }
        int status = 0;
        waitpid(child, &status, 0);
        hold_for_ms(100);
        printf("fork done, child %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return 0;
    }
    wait_for_test_signal(&go, "sampled_heap");
    for (void* p : g_parent) free(p);
    hold_for_ms(100);
    printf("hold done\n");
    return 0;
}
