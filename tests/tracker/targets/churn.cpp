// Allocation churn used by the overhead test and the benchmark: N threads, mixed sizes, a bounded live
// set per thread (each slot replaced at random). Prints the wall time of the churn only.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <thread>
#include <vector>

namespace {
double now_s() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int g_extra_sites = 0;  // > 0: allocations come from this many distinct call stacks
volatile int g_depth_guard = 0;

// Ten levels of a binary choice between two functions: the bits of `path` pick one of 1024 call stacks.
void* branch_b(int level, unsigned path, size_t n);
__attribute__((noinline)) void* branch_a(int level, unsigned path, size_t n) {
    void* p = level == 0 ? malloc(n) : ((path & 1) ? branch_a : branch_b)(level - 1, path >> 1, n);
    g_depth_guard = level;  // work after the call: no tail call, so every path is its own stack
    return p;
}
__attribute__((noinline)) void* branch_b(int level, unsigned path, size_t n) {
    void* p = level == 0 ? malloc(n) : ((path & 1) ? branch_a : branch_b)(level - 1, path >> 1, n);
    g_depth_guard = level + 1;
    return p;
}

__attribute__((noinline)) void* allocate_small(size_t n) {
    static thread_local unsigned next_path = 0;
    if (g_extra_sites > 0) return branch_a(10, next_path++ % static_cast<unsigned>(g_extra_sites), n);
    return malloc(n);
}
__attribute__((noinline)) void* allocate_medium(size_t n) { return malloc(n); }
__attribute__((noinline)) void* allocate_large(size_t n) { return malloc(n); }

int g_live_slots = 4096;  // the bounded live set: allocations alive at any time, per thread

void churn(long operations, unsigned seed) {
    const unsigned kSlots = static_cast<unsigned>(g_live_slots);
    std::vector<void*> slots(kSlots, nullptr);
    unsigned x = seed | 1;
    for (long i = 0; i < operations; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        unsigned slot = x % kSlots;
        free(slots[slot]);
        unsigned kind = (x >> 12) % 100;
        size_t size;
        if (kind < 80) size = 16 + (x >> 20) % 240, slots[slot] = allocate_small(size);
        else if (kind < 98) size = 256 + (x >> 16) % 3840, slots[slot] = allocate_medium(size);
        else size = 4096 + (x >> 14) % 61440, slots[slot] = allocate_large(size);
        memset(slots[slot], 1, size < 64 ? size : 64);
    }
    for (void* p : slots) free(p);
}
}  // namespace

int main(int argc, char** argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 2;
    long per_thread = argc > 2 ? atol(argv[2]) : 2000000;
    g_extra_sites = argc > 3 ? atoi(argv[3]) : 0;
    g_live_slots = argc > 4 ? atoi(argv[4]) : 4096;
    if (threads < 1 || per_thread < 1 || g_extra_sites < 0 || g_extra_sites > 1024 || g_live_slots < 1) {
        fprintf(stderr, "usage: %s THREADS OPERATIONS_PER_THREAD [DISTINCT_SITES<=1024 [LIVE_SLOTS]]\n", argv[0]);
        return 2;
    }
    double start = now_s();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(churn, per_thread, 0x9e3779b9u * static_cast<unsigned>(t + 1));
    for (auto& th : pool) th.join();
    double elapsed = now_s() - start;
    // Each thread runs its operations concurrently: per-operation time of one thread.
    printf("threads=%d operations=%ld seconds=%.4f ns_per_op=%.1f\n", threads, per_thread * threads, elapsed,
           elapsed * 1e9 / static_cast<double>(per_thread));
    return 0;
}
