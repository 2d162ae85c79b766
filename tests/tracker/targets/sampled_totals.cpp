// Sampling mode's totals, whichever path a call takes (the hooks' fast paths, the general path for a
// sampled block, a large block glibc serves by mmap, free(nullptr), the bootstrap pool's blocks never
// seen here). The program asks the tracker for its totals (leakscope_tracker_query) before and after a
// known sequence of calls, with nothing else allocating in between, and compares the differences with
// what it did, in live bytes as the allocator counts them (glibc: each block's chunk size, its usable
// size plus the 8-byte header, or 16 bytes for a block glibc mmapped; jemalloc: malloc_usable_size).
// Counted per call (another allocator), counts and bytes are exact. With the allocator's own figure
// (glibc, jemalloc: heap_from_allocator), the bytes are within what the allocator's per-thread caches
// may hold of freed blocks (before or after: argv[1] gives that bound, 0 with glibc's tcache off) and
// the tracker thread's own buffers; the counts are the samples' estimates (checked when argv[2] gives a
// tolerance).
#include <dlfcn.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace {

struct Stats {  // the layout of leakscope_tracker_stats (src/tracker/tracker_abi.h)
    uint32_t struct_size, sampling;
    uint64_t live_heap_bytes, live_allocations, mapped_bytes, total_allocations, total_frees, events;
    uint32_t heap_from_allocator, reserved;
};

/// The tracker thread's own allocations may land between two queries (its buffers grow with new stacks).
constexpr std::uint64_t kTrackerThreadSlack = 64 * 1024;

constexpr int kBlocks = 4000;
void* g_blocks[kBlocks];  // static: the bookkeeping itself allocates nothing

/// What the tracker counts for a live block. For glibc, from malloc_usable_size and the chunk's
/// IS_MMAPPED bit (the word before the block), so a wrong header formula in the tracker shows here.
std::uint64_t counted_bytes(void* p, bool glibc) {
    std::size_t usable = malloc_usable_size(p);
    if (!glibc) return usable;
    const bool mmapped = (static_cast<const std::size_t*>(p)[-1] & 2) != 0;
    return usable + (mmapped ? 16 : 8);
}

}  // namespace

int main(int argc, char** argv) {
    const std::uint64_t cache_bound = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 0;
    const double count_tolerance = argc > 2 ? std::strtod(argv[2], nullptr) : -1;
    auto query = reinterpret_cast<int (*)(Stats*)>(dlsym(RTLD_DEFAULT, "leakscope_tracker_query"));
    if (!query) {
        printf("no tracker\n");
        return 1;
    }
    // jemalloc exports mallctl beside its malloc; glibc does not. Asked before the first query: a failed
    // dlsym allocates its error message.
    const bool glibc = dlsym(RTLD_DEFAULT, "mallctl") == nullptr;
    Stats before{};
    before.struct_size = sizeof(before);
    query(&before);

    std::uint64_t allocations = 0, frees = 0;
    // Sizes from 1 byte to 600 KB: small chunks, tcache and bins, and mmapped ones above glibc's threshold.
    for (int i = 0; i < kBlocks; ++i) {
        std::size_t size = i % 400 == 7 ? 300000 + static_cast<std::size_t>(i) * 64 : 1 + static_cast<std::size_t>(i * 37) % 5000;
        switch (i % 4) {
            case 0: g_blocks[i] = malloc(size); break;
            case 1: g_blocks[i] = calloc(1, size); break;
            case 2: g_blocks[i] = ::operator new(size); break;
            default: g_blocks[i] = realloc(nullptr, size); break;
        }
        ++allocations;
    }
    for (int i = 0; i < 1000; ++i) free(nullptr);  // frees nothing: counts nothing
    for (int i = 0; i < kBlocks; i += 3) {          // a realloc is a free and an allocation
        if (i % 4 == 2) continue;                   // operator new's blocks go back to operator delete
        g_blocks[i] = realloc(g_blocks[i], 100 + static_cast<std::size_t>(i) % 3000);
        ++allocations;
        ++frees;
    }
    for (int i = 1; i < kBlocks; i += 2) {  // half of them freed, by the form that allocated each
        if (i % 4 == 2) ::operator delete(g_blocks[i]);
        else free(g_blocks[i]);
        g_blocks[i] = nullptr;
        ++frees;
    }
    std::uint64_t live_bytes = 0;
    for (void* p : g_blocks)
        if (p) live_bytes += counted_bytes(p, glibc);

    Stats after{};
    after.struct_size = sizeof(after);
    query(&after);
    int failures = 0;
    auto expect = [&failures](const char* what, std::uint64_t got, std::uint64_t want) {
        if (got == want) return;
        printf("%s: %llu, expected %llu\n", what, static_cast<unsigned long long>(got), static_cast<unsigned long long>(want));
        ++failures;
    };
    auto expect_near = [&failures](const char* what, double got, double want, double tolerance) {
        if (got >= want - tolerance && got <= want + tolerance) return;
        printf("%s: %.0f, expected %.0f +- %.0f\n", what, got, want, tolerance);
        ++failures;
    };
    const auto delta = [](std::uint64_t a, std::uint64_t b) { return static_cast<double>(a) - static_cast<double>(b); };
    if (!after.heap_from_allocator) {
        expect("allocations", after.total_allocations - before.total_allocations, allocations);
        expect("frees", after.total_frees - before.total_frees, frees);
        expect("live allocations", after.live_allocations - before.live_allocations, allocations - frees);
        expect("live heap bytes", after.live_heap_bytes - before.live_heap_bytes, live_bytes);
    } else {
        expect_near("live heap bytes", delta(after.live_heap_bytes, before.live_heap_bytes), static_cast<double>(live_bytes),
                    static_cast<double>(cache_bound + kTrackerThreadSlack));
        if (count_tolerance >= 0) {
            expect_near("allocations (estimated)", delta(after.total_allocations, before.total_allocations),
                        static_cast<double>(allocations), count_tolerance * static_cast<double>(allocations));
            expect_near("frees (estimated)", delta(after.total_frees, before.total_frees), static_cast<double>(frees),
                        count_tolerance * static_cast<double>(frees));
        }
    }
    printf("sampling %u, heap from allocator %u, %d failures\n", after.sampling, after.heap_from_allocator, failures);
    for (int i = 0; i < kBlocks; ++i) {
        if (i % 4 == 2) ::operator delete(g_blocks[i]);
        else free(g_blocks[i]);
    }
    return failures == 0 ? 0 : 1;
}
