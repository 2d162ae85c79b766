// Per-thread state of the tracker. Plain data in initial-exec TLS: touching it never allocates (no
// __tls_get_addr, no lazy TLS block), so it is safe from the very first malloc of a thread, from
// thread-key destructors and from signal handlers.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace leakscope::tracker {

/// Sampling mode's fast paths, decided once per process (Tracker::fast_paths) and copied into each thread.
enum class FastPaths : std::uint8_t {
    kNone = 0,            ///< full tracking, not active yet, or detached: the general paths
    kGlibc = 1,           ///< sampling, glibc's allocator: chunk sizes from the chunk header (usable_size.hpp)
    kOtherAllocator = 2,  ///< sampling, another allocator (tcmalloc...): usable sizes cost a call
    /// sampling, the live heap total read from the allocator's own figure (glibc mallinfo2, jemalloc
    /// stats): the fast paths only sample and forward, counting nothing per call
    kUncounted = 3,
};

struct ThreadState {
    /// Sampling mode: which fast paths this thread may take, counting without the core. The core copies
    /// Tracker::fast_paths here only when the sampler is seeded, the thread has its counter slot and the
    /// transport runs; back to kNone after a fork and when the slot is given back at thread exit. Next to
    /// `inside_tracker`, so the hooks test both in one compare, and nothing global.
    FastPaths fast_paths;
    bool inside_tracker;            ///< re-entrancy guard: allocations made by the tracker itself pass through
    std::uint16_t counter_slot;     ///< which shard of the global totals this thread adds to (+1; 0 = unset)
    /// Sampling mode: bytes left before the next sampled allocation while this thread takes the
    /// uncounted fast paths (kUncounted), and 0 otherwise: those hooks test this alone, with no gate (a
    /// gap of 0 sends every call on). The gap is in `parked_gap` meanwhile (sampler_gap).
    std::int64_t bytes_until_sample;
    void* counter_slot_pointer;     ///< this thread's ThreadSlot once claimed (thread_counters.hpp), else null
    std::uint64_t random_state;     ///< the sampler's xorshift state; 0 = not seeded yet
    std::int64_t parked_gap;        ///< the sampler's gap while `fast_paths` is not kUncounted
};

// `constinit` here, not only at the definition: it tells every file that includes this that no dynamic
// initializer exists, so the compiler reads the variable directly instead of calling the TLS wrapper
// function through the PLT on each access (that was two calls per malloc on the hot path).
extern constinit thread_local ThreadState g_thread_state __attribute__((tls_model("initial-exec")));

/// Sampling mode's per-thread test: the caller is the program (not the tracker) and the thread takes
/// `kind`'s fast paths. One 16-bit load and compare of the first two bytes instead of two tests. In this
/// order the open value fits an 8-bit immediate: `cmpw $0x100` (16-bit immediate) stalls the decoder
/// (a length-changing prefix; 22% of the free hook's samples in a bash loop sat right after it).
inline bool thread_fast_path_open(FastPaths kind) {
    struct Gate {
        FastPaths fast_paths;
        bool inside_tracker;
    };
    static_assert(offsetof(ThreadState, fast_paths) == 0 && offsetof(ThreadState, inside_tracker) == 1);
    std::uint16_t both;
    __builtin_memcpy(&both, &g_thread_state, sizeof both);
    return both == std::bit_cast<std::uint16_t>(Gate{kind, false});
}

/// Sampling mode: where this thread's sampler gap is (see ThreadState::bytes_until_sample).
inline std::int64_t& sampler_gap(ThreadState& ts) {
    return ts.fast_paths == FastPaths::kUncounted ? ts.bytes_until_sample : ts.parked_gap;
}

/// Changes which fast paths this thread takes, moving the sampler's gap to where they read it: the
/// uncounted hooks must find 0 whenever they are not this thread's (not ready, per-call counting, full
/// tracking, after a fork, at thread exit).
inline void set_thread_fast_paths(FastPaths next) {
    ThreadState& ts = g_thread_state;
    const bool was_open = ts.fast_paths == FastPaths::kUncounted;
    const bool open = next == FastPaths::kUncounted;
    if (was_open && !open) {
        ts.parked_gap = ts.bytes_until_sample;
        ts.bytes_until_sample = 0;
    } else if (open && !was_open) {
        ts.bytes_until_sample = ts.parked_gap;  // > 0: the sampler has just run (draw_sample)
        ts.parked_gap = 0;
    }
    ts.fast_paths = next;
}

/// RAII re-entrancy guard. Everything the tracker does on an allocation path, on its own thread and
/// around fork runs inside one; an allocation made while it is held is not tracked.
class ReentrancyGuard {
public:
    ReentrancyGuard() : was_inside_(g_thread_state.inside_tracker) { g_thread_state.inside_tracker = true; }
    ~ReentrancyGuard() { g_thread_state.inside_tracker = was_inside_; }
    ReentrancyGuard(const ReentrancyGuard&) = delete;
    ReentrancyGuard& operator=(const ReentrancyGuard&) = delete;
    /// True when this guard is the outermost one, i.e. the caller is the program and not the tracker.
    bool outermost() const { return !was_inside_; }

private:
    bool was_inside_;
};

}  // namespace leakscope::tracker
