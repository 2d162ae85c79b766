// Every lock the fork handlers take, and the clone sentinel, in two pages of their own that the kernel
// hands a forked child zeroed (MADV_WIPEONFORK, armed with the sentinel: clone_sentinel.hpp).
//
// Why one place: a page a fork handler writes after fork() costs a copy-on-write fault in the parent
// and another in the child. Spread over the tables (the depot's shard locks across two pages and its
// chunk lock after a 32 KB array, the mapped regions', the counter readers', Python's, the transport's
// mutex), unlocking them cost ~12 faults per fork (a shell's fork + exec of /bin/true: ~24 of the
// tracker's faults). A MADV_WIPEONFORK page is not write-protected in the parent at fork, and the child
// gets it zeroed: every lock here reads unlocked (all are zero when free) and the child writes only the
// sentinel and the transport's words it resets, kept here for that. Without MADV_WIPEONFORK (a kernel
// before 4.14, or these pages backed by the file: clang emits .lbss as PROGBITS) the pages are copied like
// any other and the child unlocks what the parent's handler took, as before: two pages at most; the clone
// sentinel then has an anonymous page of its own (clone_sentinel.cpp).
//
// Lock order (fork's before_fork takes them all in it): the depot's shard locks, then its chunk lock
// (an intern allocates a record chunk while holding its shard's lock), then the others, each alone.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "spin_lock.hpp"

namespace leakscope::tracker {

/// One lock to a cache line: threads taking different locks do not share a line.
struct alignas(64) PaddedSpinLock {
    SpinLock lock;
};

/// The transport's words that a forked child sets anew at once (transport::reset_in_child) and whose zero
/// is right where no fork handler ran (a raw clone child: thread_pid 0 is not its pid, so it never sends
/// on its parent's stream). Here, rather than among the transport's other globals, so that the child's
/// reset writes the page its sentinel does and no other. Meanings: transport/state.hpp.
struct TransportForkWords {
    std::atomic<bool> thread_started{false};
    std::atomic<bool> stop{false};
    std::atomic<bool> start_deferred{false};
    std::atomic<int> thread_pid{0};
    std::atomic<int> thread_tid{0};
    std::atomic<int> crash_flush{0};
    std::atomic<std::uint32_t> deferred_calls{0};
    std::atomic<std::uint64_t> deferred_until_ns{0};
};

struct alignas(4096) ForkState {
    static constexpr std::size_t kDepotShards = 64;
    PaddedSpinLock depot_shards[kDepotShards];  ///< StackDepot: a shard's inserts (the first page)
    /// clone_sentinel.hpp: 1 in the tracked process, 0 in a copy no fork handler ran in.
    alignas(64) std::atomic<int> clone_sentinel{0};
    PaddedSpinLock depot_chunks;     ///< StackDepot: a new chunk of records
    PaddedSpinLock mapped;           ///< Tracker::mapped
    PaddedSpinLock reserved;         ///< Tracker::reserved
    PaddedSpinLock counter_readers;  ///< thread_counters.cpp: one reader of every slot at a time
    PaddedSpinLock python_tables;    ///< python_frames.cpp: the frame tables' writers
    alignas(64) pthread_mutex_t transport_mutex = PTHREAD_MUTEX_INITIALIZER;  ///< transport/state.hpp: flushes
    alignas(64) TransportForkWords transport;
};
static_assert(sizeof(ForkState) == 2 * 4096, "two pages: the depot's shard locks, then the rest");

// Zero-initialized (bss, anonymous memory: MADV_WIPEONFORK refuses a page backed by the file).
extern ForkState g_fork_state __attribute__((visibility("hidden")));

/// True once g_fork_state is marked MADV_WIPEONFORK (clone_sentinel.cpp): a forked child finds every lock
/// above free and need not unlock the ones its parent's handler took.
extern bool g_fork_state_wiped __attribute__((visibility("hidden")));
/// Inline: read in the child's fork handler, where a call into another 64 KiB of code costs a fault.
inline bool fork_state_wiped_in_children() { return g_fork_state_wiped; }

}  // namespace leakscope::tracker
