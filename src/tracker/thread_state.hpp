// Per-thread state of the tracker. Plain data in initial-exec TLS: touching it never allocates (no
// __tls_get_addr, no lazy TLS block), so it is safe from the very first malloc of a thread, from
// thread-key destructors and from signal handlers.
#pragma once

#include <cstdint>

namespace leakscope::tracker {

struct ThreadState {
    bool inside_tracker;            ///< re-entrancy guard: allocations made by the tracker itself pass through
    bool sampler_seeded;
    std::uint16_t counter_slot;     ///< which shard of the global totals this thread adds to (+1; 0 = unset)
    std::int64_t bytes_until_sample;  ///< sampling mode: bytes left before the next sampled allocation
    void* counter_slot_pointer;     ///< this thread's ThreadSlot once claimed (thread_counters.hpp), else null
    std::uint64_t random_state;
};

// `constinit` here, not only at the definition: it tells every file that includes this that no dynamic
// initializer exists, so the compiler reads the variable directly instead of calling the TLS wrapper
// function through the PLT on each access (that was two calls per malloc on the hot path).
extern constinit thread_local ThreadState g_thread_state __attribute__((tls_model("initial-exec")));

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
