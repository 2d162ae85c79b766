// Per-thread counters, so the allocation path makes no atomic read-modify-write on shared cache lines:
// each thread owns a slot (totals plus a small direct-mapped cache of per-stack counters) and is its only
// writer; the transport thread reads every slot and adds them up. A cache entry that must be reused for
// another stack is first folded into the stack's shared record, inside a per-slot sequence lock so the
// reader can tell it raced with a fold and read again. Threads without a slot (pool exhausted, or
// allocating in thread-exit destructors after their slot was released) fall back to shared atomics.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "frame_walk.hpp"
#include "sampled_block_cache.hpp"
#include "stack_depot.hpp"
#include "thread_state.hpp"

namespace leakscope::tracker {

constexpr std::uint32_t kCacheEntries = 256;
constexpr std::uint32_t kMaxSlots = 512;

struct CacheEntry {
    std::atomic<std::uint32_t> stack_plus_one{0};  // 0 = empty
    std::atomic<std::uint64_t> allocated_count{0};
    std::atomic<std::uint64_t> allocated_bytes{0};
    std::atomic<std::uint64_t> freed_count{0};
    std::atomic<std::uint64_t> freed_bytes{0};
};

struct alignas(64) ThreadSlot {
    std::atomic<std::uint32_t> owned{0};
    std::atomic<std::uint32_t> version{0};  // odd while a cache entry is being folded
    std::atomic<std::int64_t> live_heap_bytes{0};
    std::atomic<std::uint64_t> allocations{0};  // live allocations = allocations - frees, summed by the reader
    std::atomic<std::uint64_t> frees{0};
    std::atomic<std::uint64_t> events{0};
    CacheEntry entries[kCacheEntries];
    StackMemo stack_memo;  ///< the owning thread's last stack (the transport never reads it)
    FrameMemo frame_memo;  ///< the unwind rules of that stack's frames (frame_walk.hpp)
    /// Sampling mode (glibc): the thread's freed sampled blocks, for its next samples. They stay with the
    /// slot when the thread exits, for the next thread that claims it.
    SampledBlockCache kept_blocks;
};


// Single-writer add, no lock prefix: only the owning thread writes. On x86-64 one add to memory instead
// of a load, an add and a store (the compiler does not merge atomic accesses; the sampling fast paths
// make two of these per call). An aligned 8-byte store is atomic there, so a reader never sees a torn
// value, exactly as with the relaxed store.
template <typename T, typename D>
inline void bump(std::atomic<T>& counter, D delta) {
#if defined(__x86_64__)
    if constexpr (sizeof(T) == 8 && std::atomic<T>::is_always_lock_free) {
        static_assert(sizeof(std::atomic<T>) == sizeof(T));
        asm volatile("addq %1, %0" : "+m"(*reinterpret_cast<T*>(&counter)) : "er"(static_cast<T>(delta)));
        return;
    }
#endif
    counter.store(counter.load(std::memory_order_relaxed) + static_cast<T>(delta), std::memory_order_relaxed);
}

/// The same, subtracting (one `sub` to memory, where bump of a negated value would negate first).
template <typename T, typename D>
inline void bump_down(std::atomic<T>& counter, D delta) {
#if defined(__x86_64__)
    if constexpr (sizeof(T) == 8 && std::atomic<T>::is_always_lock_free) {
        asm volatile("subq %1, %0" : "+m"(*reinterpret_cast<T*>(&counter)) : "er"(static_cast<T>(delta)));
        return;
    }
#endif
    counter.store(counter.load(std::memory_order_relaxed) - static_cast<T>(delta), std::memory_order_relaxed);
}

/// This thread's slot if it already has one (the fast paths use it; claiming one is the slow path's job).
inline ThreadSlot* claimed_slot() { return static_cast<ThreadSlot*>(g_thread_state.counter_slot_pointer); }

struct StackCounters {
    std::uint64_t allocated_count = 0;
    std::uint64_t allocated_bytes = 0;
    std::uint64_t freed_count = 0;
    std::uint64_t freed_bytes = 0;
};

struct TotalsCounters {
    std::int64_t live_heap_bytes = 0;
    std::int64_t live_allocations = 0;  ///< allocations - frees (every count_totals keeps the two in step)
    std::uint64_t allocations = 0;
    std::uint64_t frees = 0;
    std::uint64_t events = 0;
};

// The counting functions below are inline for a thread that has its slot and finds its stack's cache
// entry (full tracking calls three of them per allocation and free: out of line, their calls and
// general-case branches cost 30 to 40 instructions each); everything else is out of line.

/// Out of line: the same, for a thread without a slot yet (claims one, or counts in the shared atomics).
void count_allocation_slow(LocalStackId stack, std::uint64_t count, std::uint64_t bytes);
void count_free_slow(LocalStackId stack, std::uint64_t count, std::uint64_t bytes);
void count_totals_slow(std::int64_t live_bytes_delta, std::uint64_t allocations, std::uint64_t frees, std::uint64_t events);
/// Out of line: the slot's cache entry for `stack` after folding out the stack that held it.
CacheEntry& refill_entry(ThreadSlot& slot, LocalStackId stack);

/// The owning thread's cache entry for `stack`.
inline CacheEntry& entry_for(ThreadSlot& slot, LocalStackId stack) {
    CacheEntry& entry = slot.entries[stack & (kCacheEntries - 1)];
    if (__builtin_expect(entry.stack_plus_one.load(std::memory_order_relaxed) == stack + 1, 1)) return entry;
    return refill_entry(slot, stack);
}

/// This thread's cache entry for `stack`, or null when the thread has no slot yet.
inline CacheEntry* claimed_entry(LocalStackId stack) {
    ThreadSlot* slot = claimed_slot();
    return __builtin_expect(slot != nullptr, 1) ? &entry_for(*slot, stack) : nullptr;
}

inline void count_allocation(LocalStackId stack, std::uint64_t count, std::uint64_t bytes) {
    CacheEntry* entry = claimed_entry(stack);
    if (!entry) return count_allocation_slow(stack, count, bytes);
    bump(entry->allocated_count, count);
    bump(entry->allocated_bytes, bytes);
}

inline void count_free(LocalStackId stack, std::uint64_t count, std::uint64_t bytes) {
    CacheEntry* entry = claimed_entry(stack);
    if (!entry) return count_free_slow(stack, count, bytes);
    bump(entry->freed_count, count);
    bump(entry->freed_bytes, bytes);
}

/// Totals: live heap bytes (a signed delta) and the cumulative counters. Live allocations are not a
/// counter of their own: the reader takes allocations - frees, one store less on every hot path.
inline void count_totals(std::int64_t live_bytes_delta, std::uint64_t allocations, std::uint64_t frees, std::uint64_t events) {
    ThreadSlot* slot = claimed_slot();
    if (__builtin_expect(!slot, 0)) return count_totals_slow(live_bytes_delta, allocations, frees, events);
    bump(slot->live_heap_bytes, live_bytes_delta);
    if (allocations) bump(slot->allocations, allocations);
    if (frees) bump(slot->frees, frees);
    if (events) bump(slot->events, events);
}

/// Sums of all threads (the transport thread's view). `per_stack` has room for `stack_count` ids and
/// receives everything counted for each, shared records included. Retries while a fold races with it.
void read_counters(StackCounters* per_stack, std::uint32_t stack_count, TotalsCounters& totals);
TotalsCounters read_totals_only();

/// Fork support: no reader may hold the readers' lock across a fork.
void lock_counter_readers();
void unlock_counter_readers();

/// In a forked child: every slot but the calling thread's belongs to a thread that does not exist here.
void release_other_threads_slots();
std::size_t thread_counters_footprint();

/// Chunk bytes of the sampled blocks every slot keeps (sampled_block_cache.hpp): counted in use by glibc,
/// held by none of the program's code, so left out of the live heap total.
std::uint64_t kept_sampled_block_bytes();

}  // namespace leakscope::tracker
