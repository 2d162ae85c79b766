// Sampling mode's live heap total from the allocator's own figure (glibc mallinfo2, jemalloc
// stats.allocated): the program holds a known number of 1000-byte blocks for a while, so the total the
// tracker sends must reach them while it runs and fall when they are freed ("hold": until the test's
// SIGUSR1, which it sends once it has seen enough readings of the full heap); a forked child's
// total must be what it allocated itself, not the heap it inherited ("fork"); batches of 30 blocks of
// 1 MiB, each likely sampled, allocated and freed 8 times with small blocks kept in between, must not
// make the heap grow from one batch to the next as they do not untracked ("batches").
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

constexpr int kBatches = 8;
constexpr int kBatchBlocks = 30;
constexpr int kBetweenBatches = 200;
void* g_batch[kBatchBlocks];
void* g_between[kBatches * kBetweenBatches];

extern "C" void allocate_batch();

void run_batches() {
    for (int b = 0; b < kBatches; ++b) {
        allocate_batch();
        // Small blocks allocated while the batch is held, kept: they take the pieces glibc gives back.
        for (int i = 0; i < kBetweenBatches; ++i) g_between[b * kBetweenBatches + i] = malloc(64);
        for (void* block : g_batch) free(block);
        hold_for_ms(20);
    }
}

}  // namespace

// Outside the anonymous namespace: the test finds its frames by this plain name.
extern "C" __attribute__((noinline)) void allocate_batch() {
    for (void*& block : g_batch) {
        block = malloc(1 << 20);
        memset(block, 1, 1 << 20);
    }
}

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
    if (strcmp(mode, "batches") == 0) {
        run_batches();
        hold_for_ms(300);  // a reading of the allocator's figures after the last batch
        printf("batches done\n");
        return 0;
    }
    wait_for_test_signal(&go, "sampled_heap");
    for (void* p : g_parent) free(p);
    hold_for_ms(100);
    printf("hold done\n");
    return 0;
}
