#include "thread_counters.hpp"

#include <pthread.h>

#include <cerrno>

#include <new>

#include "fork_state.hpp"
#include "os.hpp"
#include "spin_lock.hpp"
#include "thread_state.hpp"
#include "tracker.hpp"

namespace leakscope::tracker {
namespace {

std::atomic<ThreadSlot*> g_slots[kMaxSlots];
std::atomic<std::uint32_t> g_slot_count{0};  // slots created so far (high-water mark)
pthread_key_t g_exit_key;
// Made by the first claim of a slot, not when tracking starts: a process that never claims one (sampled,
// no allocation of its own sampled: most short programs) leaves glibc's key table alone (two page faults
// in every process started).
std::atomic<bool> g_exit_key_made{false};

constexpr std::uint16_t kNoSlot = 0xffff;  // this thread uses the shared fallback counters

void release_slot_at_thread_exit(void* value) {
    auto index = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(value) - 1);
    // Destructors that run after this one on the same thread must not write the slot any more.
    g_thread_state.counter_slot = kNoSlot;
    g_thread_state.counter_slot_pointer = nullptr;
    set_thread_fast_paths(FastPaths::kNone);  // the counting fast paths write the slot without checking it
    if (ThreadSlot* slot = g_slots[index].load(std::memory_order_acquire)) slot->owned.store(0, std::memory_order_release);
}

/// Keeps errno (pthread_setspecific may allocate): a tracked free counts without saving it.
ThreadSlot* claim_slot_keeping_errno();

/// The calling thread gives slot `index` back when it exits (the key's destructor). The caller has its
/// re-entrancy guard set: a signal handler's allocation on this thread cannot claim and wait for the lock.
void release_slot_at_thread_exit_of(std::uint32_t index) {
    if (!g_exit_key_made.load(std::memory_order_acquire)) {
        // Under a lock fork() takes (fork_state.hpp): no child inherits the key half made.
        SpinLockHolder hold(g_fork_state.counter_readers.lock);
        if (!g_exit_key_made.load(std::memory_order_relaxed)) {
            if (pthread_key_create(&g_exit_key, release_slot_at_thread_exit) != 0) return;
            g_exit_key_made.store(true, std::memory_order_release);
        }
    }
    pthread_setspecific(g_exit_key, reinterpret_cast<void*>(static_cast<std::uintptr_t>(index + 1)));
}

ThreadSlot* claim_slot() {
    const int saved_errno = errno;
    ThreadSlot* slot = claim_slot_keeping_errno();
    errno = saved_errno;
    return slot;
}

ThreadSlot* claim_slot_keeping_errno() {
    ThreadState& ts = g_thread_state;
    std::uint32_t count = g_slot_count.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < count; ++i) {  // reuse a slot of a thread that exited
        ThreadSlot* slot = g_slots[i].load(std::memory_order_acquire);
        std::uint32_t expected = 0;
        if (slot && slot->owned.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
            ts.counter_slot = static_cast<std::uint16_t>(i + 1);
            ts.counter_slot_pointer = slot;
            release_slot_at_thread_exit_of(i);
            return slot;
        }
    }
    std::uint32_t index = g_slot_count.load(std::memory_order_relaxed);
    do {
        if (index >= kMaxSlots) {
            ts.counter_slot = kNoSlot;
            return nullptr;
        }
    } while (!g_slot_count.compare_exchange_weak(index, index + 1, std::memory_order_acq_rel));
    void* pages = os::map_pages(sizeof(ThreadSlot));
    if (!pages) {
        ts.counter_slot = kNoSlot;
        return nullptr;  // the index stays empty; readers skip null slots
    }
    // Default-initialized, not value-initialized: the pages are zero already, and the frame walk's steps
    // (most of the slot) are touched only as the thread's walks take them.
    auto* slot = new (pages) ThreadSlot;
    slot->owned.store(1, std::memory_order_relaxed);
    g_slots[index].store(slot, std::memory_order_release);
    ts.counter_slot = static_cast<std::uint16_t>(index + 1);
    ts.counter_slot_pointer = slot;
    release_slot_at_thread_exit_of(index);
    return slot;
}

inline ThreadSlot* my_slot() {
    if (ThreadSlot* slot = claimed_slot()) return slot;
    if (g_thread_state.counter_slot == kNoSlot) return nullptr;
    return claim_slot();
}

void fold_entry(ThreadSlot& slot, CacheEntry& entry) {
    std::uint32_t stack_plus_one = entry.stack_plus_one.load(std::memory_order_relaxed);
    if (!stack_plus_one) return;
    StackRecord& rec = g_tracker.stacks.record(stack_plus_one - 1);
    rec.allocated_count.fetch_add(entry.allocated_count.load(std::memory_order_relaxed), std::memory_order_relaxed);
    rec.allocated_bytes.fetch_add(entry.allocated_bytes.load(std::memory_order_relaxed), std::memory_order_relaxed);
    rec.freed_count.fetch_add(entry.freed_count.load(std::memory_order_relaxed), std::memory_order_relaxed);
    rec.freed_bytes.fetch_add(entry.freed_bytes.load(std::memory_order_relaxed), std::memory_order_relaxed);
    (void)slot;
}

}  // namespace

CacheEntry& refill_entry(ThreadSlot& slot, LocalStackId stack) {
    CacheEntry& entry = slot.entries[stack & (kCacheEntries - 1)];
    bump(slot.version, 1);  // odd: a reader that overlaps this must read again
    std::atomic_thread_fence(std::memory_order_release);
    fold_entry(slot, entry);
    entry.allocated_count.store(0, std::memory_order_relaxed);
    entry.allocated_bytes.store(0, std::memory_order_relaxed);
    entry.freed_count.store(0, std::memory_order_relaxed);
    entry.freed_bytes.store(0, std::memory_order_relaxed);
    entry.stack_plus_one.store(stack + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    slot.version.store(slot.version.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    return entry;
}

void count_allocation_slow(LocalStackId stack, std::uint64_t count, std::uint64_t bytes) {
    if (ThreadSlot* slot = my_slot()) {
        CacheEntry& entry = entry_for(*slot, stack);
        bump(entry.allocated_count, count);
        bump(entry.allocated_bytes, bytes);
        return;
    }
    StackRecord& rec = g_tracker.stacks.record(stack);
    rec.allocated_count.fetch_add(count, std::memory_order_relaxed);
    rec.allocated_bytes.fetch_add(bytes, std::memory_order_relaxed);
}

void count_free_slow(LocalStackId stack, std::uint64_t count, std::uint64_t bytes) {
    if (ThreadSlot* slot = my_slot()) {
        CacheEntry& entry = entry_for(*slot, stack);
        bump(entry.freed_count, count);
        bump(entry.freed_bytes, bytes);
        return;
    }
    StackRecord& rec = g_tracker.stacks.record(stack);
    rec.freed_count.fetch_add(count, std::memory_order_relaxed);
    rec.freed_bytes.fetch_add(bytes, std::memory_order_relaxed);
}

void count_totals_slow(std::int64_t live_bytes_delta, std::uint64_t allocations, std::uint64_t frees, std::uint64_t events) {
    if (ThreadSlot* slot = my_slot()) {
        bump(slot->live_heap_bytes, live_bytes_delta);
        if (allocations) bump(slot->allocations, allocations);
        if (frees) bump(slot->frees, frees);
        if (events) bump(slot->events, events);
        return;
    }
    TotalsShard& shared = g_tracker.shared_totals;
    shared.live_heap_bytes.fetch_add(live_bytes_delta, std::memory_order_relaxed);
    shared.allocations.fetch_add(allocations, std::memory_order_relaxed);
    shared.frees.fetch_add(frees, std::memory_order_relaxed);
    shared.events.fetch_add(events, std::memory_order_relaxed);
}

TotalsCounters read_totals_only() {
    TotalsCounters t;
    const TotalsShard& shared = g_tracker.shared_totals;
    t.live_heap_bytes = shared.live_heap_bytes.load(std::memory_order_relaxed);
    t.allocations = shared.allocations.load(std::memory_order_relaxed);
    t.frees = shared.frees.load(std::memory_order_relaxed);
    t.events = shared.events.load(std::memory_order_relaxed);
    std::uint32_t count = g_slot_count.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < count; ++i) {
        const ThreadSlot* slot = g_slots[i].load(std::memory_order_acquire);
        if (!slot) continue;
        t.live_heap_bytes += slot->live_heap_bytes.load(std::memory_order_relaxed);
        t.allocations += slot->allocations.load(std::memory_order_relaxed);
        t.frees += slot->frees.load(std::memory_order_relaxed);
        t.events += slot->events.load(std::memory_order_relaxed);
    }
    // Each thread's frees may outnumber its allocations (it frees what others allocated); the sums balance.
    t.live_allocations = static_cast<std::int64_t>(t.allocations - t.frees);
    return t;
}

// Readers are the transport thread and leakscope_tracker_sites callers: one at a time, under
// g_fork_state.counter_readers (fork_state.hpp: fork() takes it).
void read_counters(StackCounters* per_stack, std::uint32_t stack_count, TotalsCounters& totals) {
    static std::uint32_t versions[kMaxSlots];
    SpinLockHolder hold(g_fork_state.counter_readers.lock);
    for (int attempt = 0;; ++attempt) {
        std::uint32_t count = g_slot_count.load(std::memory_order_acquire);
        bool busy = false;
        for (std::uint32_t i = 0; i < count; ++i) {
            const ThreadSlot* slot = g_slots[i].load(std::memory_order_acquire);
            versions[i] = slot ? slot->version.load(std::memory_order_acquire) : 0;
            busy |= (versions[i] & 1) != 0;
        }
        for (std::uint32_t id = 0; id < stack_count; ++id) per_stack[id] = StackCounters{};
        for (std::uint32_t i = 0; i < count; ++i) {
            const ThreadSlot* slot = g_slots[i].load(std::memory_order_acquire);
            if (!slot) continue;
            for (const CacheEntry& entry : slot->entries) {
                std::uint32_t stack_plus_one = entry.stack_plus_one.load(std::memory_order_relaxed);
                if (stack_plus_one == 0 || stack_plus_one > stack_count) continue;
                StackCounters& c = per_stack[stack_plus_one - 1];
                c.allocated_count += entry.allocated_count.load(std::memory_order_relaxed);
                c.allocated_bytes += entry.allocated_bytes.load(std::memory_order_relaxed);
                c.freed_count += entry.freed_count.load(std::memory_order_relaxed);
                c.freed_bytes += entry.freed_bytes.load(std::memory_order_relaxed);
            }
        }
        std::atomic_thread_fence(std::memory_order_acquire);
        for (std::uint32_t id = 0; id < stack_count; ++id) {
            const StackRecord* rec = id == 0 ? &g_tracker.stacks.record(0) : g_tracker.stacks.ready_record(id);
            if (!rec) continue;
            StackCounters& c = per_stack[id];
            c.allocated_count += rec->allocated_count.load(std::memory_order_relaxed);
            c.allocated_bytes += rec->allocated_bytes.load(std::memory_order_relaxed);
            c.freed_count += rec->freed_count.load(std::memory_order_relaxed);
            c.freed_bytes += rec->freed_bytes.load(std::memory_order_relaxed);
        }
        std::atomic_thread_fence(std::memory_order_acquire);
        for (std::uint32_t i = 0; i < count && !busy; ++i) {
            const ThreadSlot* slot = g_slots[i].load(std::memory_order_acquire);
            busy |= slot && slot->version.load(std::memory_order_acquire) != versions[i];
        }
        // A fold moved counts between a cache entry and a shared record while we read: read again.
        // Folds are rare (a thread's cache holds 256 stacks), so this almost never loops; after many
        // attempts the values are off by at most one entry until the next interval.
        if (!busy || attempt >= 50) break;
        os::yield_cpu();
    }
    totals = read_totals_only();
}

void lock_counter_readers() { g_fork_state.counter_readers.lock.lock(); }
void unlock_counter_readers() { g_fork_state.counter_readers.lock.unlock(); }

void release_other_threads_slots() {
    std::uint16_t mine = g_thread_state.counter_slot;
    std::uint32_t count = g_slot_count.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < count; ++i) {
        if (mine != kNoSlot && mine == i + 1) continue;
        if (ThreadSlot* slot = g_slots[i].load(std::memory_order_acquire)) {
            // A thread that was folding at the fork left the version odd; no one finishes that fold.
            if (slot->version.load(std::memory_order_relaxed) & 1) slot->version.fetch_add(1, std::memory_order_relaxed);
            slot->owned.store(0, std::memory_order_release);
        }
    }
}

std::uint64_t kept_sampled_block_bytes() {
    std::uint64_t total = 0;
    const std::uint32_t count = g_slot_count.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < count; ++i)
        if (const ThreadSlot* slot = g_slots[i].load(std::memory_order_acquire)) total += slot->kept_blocks.held.load(std::memory_order_relaxed);
    return total;
}

std::size_t thread_counters_footprint() {
    return g_slot_count.load(std::memory_order_relaxed) * os::round_up_to_pages(sizeof(ThreadSlot));
}

}  // namespace leakscope::tracker
