// The tracker core: what happens on each allocation and free, independent of which hook was called.
// hooks.cpp calls these; every function here runs only when tracking is on and the calling thread is
// not already inside the tracker.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <cerrno>

#include "attach_abi.h"
#include "clone_sentinel.hpp"
#include "config.hpp"
#include "live_table.hpp"
#include "mapped_regions.hpp"
#include "stack_capture.hpp"
#include "stack_depot.hpp"
#include "thread_counters.hpp"
#include "thread_errno.hpp"
#include "thread_state.hpp"
#include "transport.hpp"

namespace leakscope::tracker {

enum class InitState : int {
    kNotStarted = 0,
    kResolving = 1,   ///< looking up the real functions; allocations meanwhile come from the bootstrap pool
    kActive = 2,      ///< tracking
    kPassThrough = 3, ///< not under leakscope (no socket configured) or set-up failed: hooks only forward
};

struct alignas(64) TotalsShard {
    std::atomic<std::int64_t> live_heap_bytes{0};
    std::atomic<std::uint64_t> allocations{0};
    std::atomic<std::uint64_t> frees{0};
    std::atomic<std::uint64_t> events{0};
};

struct Totals {
    std::int64_t live_heap_bytes = 0;
    std::int64_t live_allocations = 0;
    std::int64_t mapped_bytes = 0;
    std::uint64_t allocations = 0;
    std::uint64_t frees = 0;
    std::uint64_t events = 0;
    std::uint64_t tracker_bytes = 0;
};

/// All tracker state. Constant-initialized (no static constructor runs), lives for the whole process.
struct Tracker {
    std::atomic<int> state{static_cast<int>(InitState::kNotStarted)};
    /// Which fast paths the threads may take (thread_state.hpp): set once after `state` becomes kActive,
    /// back to kNone when an attached tracker detaches. The hooks read each thread's copy, not this.
    std::atomic<FastPaths> fast_paths{FastPaths::kNone};
    Config config;
    /// Sampling mode with glibc's or jemalloc's allocator: the live heap total is the allocator's own
    /// in-use figure, read by the transport each round, not counted per call; the totals' allocation
    /// and free counts are the samples' estimates. Decided when tracking starts (publish_state).
    bool heap_from_allocator = false;
    /// Sampling mode with glibc's allocator and its figure: every sampled block is placed on
    /// LiveTable::kSampledBlockAlignment (the allocation hooks' general paths), so that the fast free tells
    /// an unsampled block by its address alone. Decided with heap_from_allocator, before any call is counted.
    bool sampled_blocks_aligned = false;
    // The small and the start-up-written first (with the live table's head: its filter's settings and
    // fast bits), on the page the library's relocations dirty anyway (.got.plt ends on it); the depot's
    // 36 KB last. The regions on lines of their own: written at every tracked mmap, while the settings
    // above are read at every tracked call.
    alignas(64) MappedRegions mapped{&ForkState::mapped};
    /// PROT_NONE reservations of address space (a JVM's maximum heap, V8's cage): never counted, and what
    /// the program maps into them with MAP_FIXED is its runtime committing its own heap, not counted either.
    alignas(64) MappedRegions reserved{&ForkState::reserved};
    /// Totals of threads that have no counter slot of their own (see thread_counters.hpp).
    TotalsShard shared_totals;
    LiveTable live;
    StackDepot stacks;
};

// Hidden on the declaration too (the library is built -fvisibility=hidden, but that covers definitions):
// the hooks then address it directly, `cmpb $1, g_tracker+4(%rip)`, not through a GOT load.
extern Tracker g_tracker __attribute__((visibility("hidden")));

/// Initializes on the first call (from any hook or the library constructor) and returns the state.
InitState initialize();
/// `leakscope attach --track`: turns tracking on in a running program with `config` (read from the
/// settings leakscope passed, not the environment); the real functions are the program's own.
AttachStatus activate_in_running_program(const Config& config);
/// Detached: every hook only forwards from now on (calls already past the check finish normally).
void deactivate();
/// Looks up the real _exit/_Exit/exec* behind the hooks in exit_hooks.cpp (from the library constructor).
void resolve_process_end_functions();
/// Looks up the real close/dup2/dup3/close_range/closefrom behind descriptor_hooks.cpp (likewise).
void resolve_descriptor_functions();
/// At the end of a tracked process, before the final snapshot: frees libstdc++'s emergency pool for
/// exceptions (__gnu_cxx::__freeres, the call valgrind makes at exit for the same reason). The pool is
/// allocated when libstdc++ loads (in a C++ program: the tracker itself links none, cxx_runtime.hpp) and
/// held for good: 72 kB that every run's "still allocated at exit" listed first, as "?? libstdc++.so.6".
void release_runtime_pools();

inline InitState current_state() {
    auto s = static_cast<InitState>(g_tracker.state.load(std::memory_order_acquire));
    return s >= InitState::kActive ? s : initialize();
}

/// True when this call should be tracked: tracker active and not re-entered from the tracker itself.
inline bool should_track() {
    return current_state() == InitState::kActive && !g_thread_state.inside_tracker;
}

/// What was removed for a pointer about to be freed or reallocated.
struct Released {
    bool in_table = false;     ///< had an entry in the live table (always, in full mode, if tracked)
    LiveEntry entry{};
    std::size_t counted_bytes = 0;  ///< sampling mode: what the totals count for the block (usable_size.hpp)
};

/// Sampling mode: an allocation the tracker made itself reached the general path with this thread's
/// uncounted fast paths open (it took the sampler's gap to 0 or below and was not sampled): a fresh gap,
/// so that the program's next allocation is sampled with the right probability (the gaps are memoryless).
void redraw_sample_gap();

/// Sampling mode's draw for one allocation, made before the real call so that a sampled block can be
/// placed where the fast free tells it apart (Tracker::sampled_blocks_aligned); the weights make the
/// per-site sums unbiased.
struct SampleDraw {
    bool sampled = false;
    std::uint64_t byte_weight = 0;
    std::uint32_t count_weight = 0;
};
/// Full tracking's draw: nothing to weigh, every block has its stack.
inline constexpr SampleDraw kNotSampled{};
/// Draws whether the next allocation of `size` bytes on this thread is sampled (sampling mode, tracking
/// active, the caller the program). The draw stands even if the real call then fails (the gaps are
/// memoryless: the next allocation's chance is the same).
SampleDraw draw_sample(std::size_t size);

/// True when this draw's block goes on a kSampledBlockAlignment boundary.
inline bool place_aligned(const SampleDraw& draw) { return draw.sampled && g_tracker.sampled_blocks_aligned; }

/// First half of tracking a new heap block in sampling mode (full tracking's is inlined into
/// record_allocation; a raw clone child comes here to stop tracking): counts the totals; true when the
/// block was sampled (`draw`) and needs a stack, with the entry's weights filled in.
bool begin_allocation(void* pointer, const SampleDraw& draw, LiveEntry& entry);

/// Second half: stores the block with the stack the caller captured. Inline (as is full tracking's
/// first half, in record_allocation): out of line, the two calls and their saved registers were ~30 of
/// the ~400 instructions of a tracked allocation.
__attribute__((always_inline)) inline void finish_allocation(void* pointer, LocalStackId stack, const LiveEntry& entry) {
    LiveEntry stored = entry;
    stored.stack = stack;
    LiveEntry replaced{};
    if (!g_tracker.live.insert(reinterpret_cast<std::uint64_t>(pointer), stored, &replaced)) return;
    count_allocation(stack, stored.count_weight, stored.bytes);
    // The address was still in the table: its free went past us. That block is gone now.
    if (__builtin_expect(replaced.address != 0, 0)) count_free(replaced.stack, replaced.count_weight, replaced.bytes);
}

/// A new heap block of `size` requested bytes at `pointer` (non-null); `draw` is sampling mode's (made
/// before the real call). Inlined into each hook so the unwinder starts in the hook itself: one frame of
/// ours to skip instead of three.
/// `sampling`: g_tracker.config.sample_bytes != 0, when the caller has tested it already.
__attribute__((always_inline)) inline void record_allocation(void* pointer, std::size_t size, const SampleDraw& draw, bool sampling) {
    ReentrancyGuard guard;
    SavedErrno saved_errno;
    LiveEntry entry;
    bool needs_stack;
    if (__builtin_expect(!sampling && !in_raw_clone_child(), 1)) {
        // Full tracking: begin_allocation's part, here.
        transport::maybe_start();
        count_totals(static_cast<std::int64_t>(size), 1, 0, 0);
        entry = LiveEntry{0, size, kUnknownStack, 1};
        needs_stack = true;
    } else {
        needs_stack = begin_allocation(pointer, draw, entry);
    }
    if (needs_stack) {
        g_tracker.live.prefetch(reinterpret_cast<std::uint64_t>(pointer));  // arrives while the stack is unwound
        finish_allocation(pointer, capture_stack(g_tracker.stacks), entry);
    }
}
/// Call before the real free/realloc: takes the pointer out of the live table.
Released take_released(void* pointer);
/// The release took effect (the block is freed): update aggregates and totals.
void account_released(const Released& released);
/// Out of line: untrack_and_free's untracking in sampling mode, and in a raw clone child (which stops
/// tracking). True when the block was a sampled one (it had an entry).
bool untrack_before_free_general(void* pointer);
/// take_released + account_released, and the real free (`real_release`). Full tracking's part is inlined
/// into the free hook's general path: the entry goes straight from the table to the counters (no
/// Released copied, the clone checked once), and the call with its six saved registers was ~20 of the
/// ~230 instructions of a tracked free. The real free runs under the shard's lock, before the entry is
/// looked up: its own work hides the entry's cache miss (prefetched by the caller; the look-up waiting
/// for it was ~8% of a fully tracked churn's CPU under perf), and while the lock is held no other thread
/// can track the address again (it maps to the same shard) before its entry is gone. The lock is taken
/// before the allocator's own (the fork handlers take no shard's: a forked child starts an empty table,
/// whatever a lock held at the fork), and nothing the real free calls takes a shard's
/// lock (the tracker's own frees under the re-entrancy guard pass through; the transport reads the table
/// without its locks, so a crash inside the real free does not stop the last flush).
template <typename RealRelease>
__attribute__((always_inline)) inline void untrack_and_free(void* pointer, RealRelease real_release) {
    if (__builtin_expect(g_tracker.config.sample_bytes != 0 || in_raw_clone_child(), 0)) {
        // Before the real free: the address may be handed out at once. A sampled block on the boundary may
        // be kept for the thread's next sample instead (sampled_block_cache.hpp), untracked all the same.
        if (untrack_before_free_general(pointer) && g_tracker.sampled_blocks_aligned) {
            ReentrancyGuard guard;  // a signal handler's sampled allocation must not take the block being kept
            ThreadSlot* slot = claimed_slot();
            if (slot && sampled_block_cache::keep(slot->kept_blocks, pointer)) return;
        }
        return real_release();
    }
    ReentrancyGuard guard;
    // No errno saved here (two moves on every free): the only calls below that could set it, the table's
    // mmap/munmap and claiming a counter slot, keep it themselves, and the real free leaves it alone.
    LiveEntry entry;
    if (g_tracker.live.remove_around(reinterpret_cast<std::uint64_t>(pointer), entry, real_release)) {
        count_totals(-static_cast<std::int64_t>(entry.bytes), 0, 1, 0);
        count_free(entry.stack, entry.count_weight, entry.bytes);
    }
}
/// A realloc failed: the block stays; put its entry back.
void restore_released(void* pointer, const Released& released);

/// A mapping was made. `holds_memory`: anonymous, or of a memory-backed file (memfd, tmpfs: its pages
/// are kept alive by the mapping after the descriptor is closed, and are RSS, not page cache of a disk);
/// `reservation`: PROT_NONE, address space only; `fixed`: MAP_FIXED, so it replaced whatever was mapped
/// there, which stops counting. Such a mapping counts unless it is a reservation or is mapped into one (a
/// garbage-collected runtime growing its heap inside the range it reserved: its allocator's footprint, as
/// glibc's arenas are, and out of sight like V8's, which commits with mprotect).
void record_mapping(void* address, std::size_t length, bool holds_memory, bool reservation, bool fixed);
void record_unmapping(void* address, std::size_t length);
void record_remapping(void* old_address, std::size_t old_length, void* new_address, std::size_t new_length);

struct TotalsCounters;
Totals read_totals();
/// Totals from already-read thread counters, plus mapped bytes and the tracker's own footprint.
Totals totals_from(const TotalsCounters& counters);
void add_events(std::uint64_t n);

}  // namespace leakscope::tracker
