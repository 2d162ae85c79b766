#include "tracker.hpp"

#include <pthread.h>

#include <cerrno>
#include <new>

#include "allocator_stats.hpp"
#include "clone_sentinel.hpp"
#include "fork_state.hpp"
#include "libunwind_loader.hpp"
#include "python_frames.hpp"
#include "real_functions.hpp"
#include "sampling_math.hpp"
#include "stack_capture.hpp"
#include "thread_counters.hpp"
#include "transport.hpp"
#include "usable_size.hpp"

namespace leakscope::tracker {

constinit Tracker g_tracker;
constinit thread_local ThreadState g_thread_state __attribute__((tls_model("initial-exec"))) = {};

namespace {

void install_fork_handlers();


// ---- sampling: Poisson over allocated bytes (geometric gaps, as tcmalloc and jemalloc do) ----

std::uint64_t next_random() {
    ThreadState& ts = g_thread_state;
    std::uint64_t x = ts.random_state;  // xorshift64*
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    ts.random_state = x;
    return x * 0x2545f4914f6cdd1dull;
}

double uniform_open01() { return (static_cast<double>(next_random() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }

std::int64_t draw_sample_gap() {
    double gap = minus_log(uniform_open01()) * static_cast<double>(g_tracker.config.sample_bytes);
    return gap < 1 ? 1 : static_cast<std::int64_t>(gap);
}

/// Rounds x up or down at random so that the expected value is x (keeps the estimates unbiased).
std::uint64_t stochastic_round(double x) {
    if (!(x < 9.2e18)) return UINT64_MAX;  // a zero-byte block's 1/p: past what the weights can hold
    const auto whole = static_cast<std::uint64_t>(x);  // x >= 0: the cast is the floor
    return whole + (uniform_open01() < x - static_cast<double>(whole) ? 1 : 0);
}

/// Sampling mode: decides whether this allocation carries a stack; on yes, fills the weights that make
/// the per-site sums unbiased (divided by the inclusion probability 1 - exp(-size/mean)).
bool sample_allocation(std::size_t size, std::uint64_t& byte_weight, std::uint32_t& count_weight) {
    ThreadState& ts = g_thread_state;
    std::int64_t& gap = sampler_gap(ts);
    if (ts.random_state == 0) {
        ts.random_state = reinterpret_cast<std::uintptr_t>(&ts) ^ (os::monotonic_ns() * 0x9e3779b97f4a7c15ull) ^ 1;
        gap = draw_sample_gap();
    }
    gap -= static_cast<std::int64_t>(size);
    if (gap > 0) return false;
    gap = draw_sample_gap();  // exponential gaps are memoryless: a fresh draw is exact
    double p = one_minus_exp_minus(static_cast<double>(size) / static_cast<double>(g_tracker.config.sample_bytes));
    if (!(p > 0)) p = 1e-300;
    byte_weight = stochastic_round(static_cast<double>(size) / p);
    std::uint64_t count = stochastic_round(1.0 / p);
    count_weight = count > UINT32_MAX ? UINT32_MAX : static_cast<std::uint32_t>(count);
    return true;
}

}  // namespace

SampleDraw draw_sample(std::size_t size) {
    SampleDraw draw;
    draw.sampled = sample_allocation(size, draw.byte_weight, draw.count_weight);
    return draw;
}

void redraw_sample_gap() {
    ThreadState& ts = g_thread_state;
    if (ts.fast_paths == FastPaths::kUncounted) ts.bytes_until_sample = draw_sample_gap();
}

namespace {

void release_mapped(LocalStackId stack, std::int64_t bytes, std::int64_t count) {
    count_free(stack, static_cast<std::uint64_t>(count), static_cast<std::uint64_t>(bytes));
}

/// Reservations were never counted: nothing to give back.
void forget_reserved(LocalStackId, std::int64_t, std::int64_t) {}

/// Sampling mode's presence filter, with the bootstrap pool's blocks pinned in it (they are no glibc
/// chunks: the fast paths of free and realloc must never reach them).
void enable_presence_filter() {
    g_tracker.live.enable_presence_filter(reinterpret_cast<std::uint64_t>(g_bootstrap_pool), bootstrap_bytes_used(),
                                          kBootstrapBlockAlignment);
}

/// Everything tracking needs before the first hooked call is counted. Once per process: attached a
/// second time, the fork handlers must not be registered twice.
void prepare_tables() {
    static bool prepared LEAKSCOPE_STARTUP_DATA = false;
    if (prepared) return;
    prepared = true;
    initialize_stack_capture();
    measure_errno_offset();
    g_check_frame_walk = g_tracker.config.check_unwind;
    // Its look-ups (dlsym) allocate from the real allocator: the real functions are known by now, so the
    // bootstrap pool the filter pins below holds only what their own look-ups allocated.
    allocator_stats::kind();
    if (g_tracker.config.sample_bytes) enable_presence_filter();
    arm_clone_sentinel();
    install_fork_handlers();
}

/// False in a raw clone child (clone_sentinel.hpp), which stops tracking at its first tracked call,
/// before any of the tracker's or the loader's locks that another thread may have held at the clone.
bool stays_tracked() {
    if (__builtin_expect(!in_raw_clone_child(), 1)) return true;
    deactivate();  // the child's own copy of the state: a child sharing our memory keeps the sentinel set
    return false;
}

/// Where sampling mode's live heap total comes from, once per start of tracking (before any call is
/// counted): with glibc's or jemalloc's figures (allocator_stats, resolved in prepare_tables) from the
/// allocator, read by the transport each round, and the fast paths count nothing; with another allocator
/// (or a glibc without mallinfo2) every call is counted, by chunk header or usable size.
void decide_heap_source() {
    g_tracker.heap_from_allocator =
        g_tracker.config.sample_bytes != 0 && allocator_stats::kind() != wire::AllocatorKind::kUnknown;
    // The chunk-header check allocates 8 blocks, two of them mmapped (two mappings made and torn down,
    // glibc's heap set up in a program that may never allocate): only where its answer is read, the
    // counting fast paths and the sampled blocks on the boundary below. Once: an attachment again finds it.
    static bool usable_size_checked LEAKSCOPE_STARTUP_DATA = false;
    if (!usable_size_checked && g_tracker.config.sample_bytes != 0 &&
        (!g_tracker.heap_from_allocator || g_tracker.config.sampled_on_boundary)) {
        usable_size_checked = true;
        initialize_usable_size();
    }
    // glibc only: a sampled calloc placed with memalign is zeroed unless glibc mapped it fresh, which its
    // chunk header tells (usable_size.hpp); another allocator's large blocks would all be written. Not in
    // a running program (attach --track): the threads' kept sampled blocks would stay in its heap after
    // the detach, and given back by the tracker's thread they cost it ~20 ms in the busy arenas' locks
    // (and its tcache's chunks as much again at its exit), the program's threads running meanwhile.
    // Off unless asked for (LEAKSCOPE_TRACKER_SAMPLED_ON_BOUNDARY=1): placing a sampled block with memalign
    // changes where glibc puts the program's other blocks, and so how much memory it keeps. A report of
    // 150,000 strings built every 5 s grew 43 -> 54 MB in 20 s sampled with them on the boundary (glibc's
    // free-but-kept memory 38 -> 55 MB, its heap top pinned), 42.8 -> 34.4 MB without, as untracked: a memory
    // profiler must not make the memory it measures. Without them every free tests the presence filter
    // (cachegrind, churn.cpp 1 M x 2: 545.5 M instructions against 532.5 M; a bash loop the same).
    g_tracker.sampled_blocks_aligned = g_tracker.config.sampled_on_boundary && g_tracker.heap_from_allocator &&
                                       !g_tracker.config.attached && allocator_stats::kind() == wire::AllocatorKind::kGlibc &&
                                       g_glibc_chunk_headers;
    if (g_tracker.heap_from_allocator)
        allocator_stats::set_min_spacing(static_cast<std::uint64_t>(g_tracker.config.interval_ms) * 1000000ull);
}

void publish_state(InitState state) {
    g_tracker.state.store(static_cast<int>(state), std::memory_order_release);
    if (state != InitState::kActive || !g_tracker.config.sample_bytes) return;
    const FastPaths fast_paths = g_tracker.heap_from_allocator ? FastPaths::kUncounted
                                 : g_glibc_chunk_headers       ? FastPaths::kGlibc
                                                               : FastPaths::kOtherAllocator;
    g_tracker.fast_paths.store(fast_paths, std::memory_order_release);
    if (fast_paths == FastPaths::kUncounted) g_tracker.live.open_fast_release(g_tracker.sampled_blocks_aligned);
}

}  // namespace

AttachStatus activate_in_running_program(const Config& config) {
    ReentrancyGuard guard;
    // The library constructor ran initialize() at dlopen and found no socket in the environment.
    if (current_state() == InitState::kActive) return AttachStatus::kAlreadyTracking;
    if (!config.active) return AttachStatus::kBadSettings;
    if (!resolve_real_functions(RealLookup::kProgramGlobalScope)) return AttachStatus::kMissingFunctions;
    const bool again = g_tracker.config.attached;  // an earlier attachment ended (detached, inert since)
    g_tracker.config = config;
    g_tracker.config.attached = true;
    prepare_tables();
    decide_heap_source();
    if (again) {
        // Everything counted during the earlier attachment is baseline now, like anything allocated
        // before it: the tables forget its blocks, the transport subtracts its counters.
        g_tracker.live.clear();
        g_tracker.mapped.clear();
        g_tracker.reserved.clear();
        transport::prepare_next_attachment();
    }
    // The program's heap before the attachment is its baseline: with the allocator's figure, its in-use
    // bytes now (counted per call, the counters hold nothing from before this moment anyway).
    if (g_tracker.heap_from_allocator) transport::take_heap_baseline();
    publish_state(InitState::kActive);
    return AttachStatus::kAttached;
}

void deactivate() {
    g_tracker.live.close_fast_release();
    g_tracker.fast_paths.store(FastPaths::kNone, std::memory_order_release);
    g_tracker.state.store(static_cast<int>(InitState::kPassThrough), std::memory_order_release);
}

InitState initialize() {
    int expected = static_cast<int>(InitState::kNotStarted);
    if (g_tracker.state.compare_exchange_strong(expected, static_cast<int>(InitState::kResolving), std::memory_order_acq_rel)) {
        ReentrancyGuard guard;
        int saved_errno = errno;
        InitState result = InitState::kPassThrough;
        if (resolve_real_functions()) {
            g_tracker.config = read_config();
            if (g_tracker.config.active) {
                prepare_tables();
                decide_heap_source();
                result = InitState::kActive;
            }
        }
        errno = saved_errno;
        publish_state(result);
        return result;
    }
    if (expected == static_cast<int>(InitState::kResolving)) {
        // The resolving thread itself (dlsym allocating) must not wait for itself: it uses the bootstrap pool.
        if (g_thread_state.inside_tracker) return InitState::kResolving;
        while (g_tracker.state.load(std::memory_order_acquire) == static_cast<int>(InitState::kResolving)) os::yield_cpu();
    }
    return static_cast<InitState>(g_tracker.state.load(std::memory_order_acquire));
}

bool begin_allocation(void* pointer, const SampleDraw& draw, LiveEntry& entry) {
    if (!stays_tracked()) return false;
    transport::maybe_start(draw.sampled);
    // Counted per call, every allocation counts in the totals (by its chunk size, which free can find
    // again without a table entry); only sampled ones get a stack and an entry. With the allocator's
    // figure, only a sampled one counts, its weight estimating the allocations.
    if (!g_tracker.heap_from_allocator) count_totals(static_cast<std::int64_t>(counted_bytes(pointer)), 1, 0, 0);
    const bool sampled = draw.sampled;
    if (sampled && g_tracker.heap_from_allocator) count_totals(0, draw.count_weight, 0, 0);
    // The hooks' fast paths skip this function once the thread is ready for them: seeded (draw_sample),
    // the transport running (until it does, this thread keeps coming here, so that the first allocation
    // after start-up is allowed starts it) and, for the counting ones, a counter slot of its own (they
    // write only that). The uncounted ones write nothing but the gap: a thread that is never sampled (it
    // allocates less than the mean, or the mean is huge) claims no slot and takes them all the same.
    const FastPaths process_paths = g_tracker.fast_paths.load(std::memory_order_relaxed);
    const bool ready = transport::g_thread_started.load(std::memory_order_relaxed) &&
                       (process_paths == FastPaths::kUncounted || claimed_slot());
    set_thread_fast_paths(ready ? process_paths : FastPaths::kNone);
    if (!sampled) return false;
    entry = LiveEntry{0, draw.byte_weight, kUnknownStack, draw.count_weight};
    return true;
}

Released take_released(void* pointer) {
    ReentrancyGuard guard;
    int saved_errno = errno;
    Released released;
    if (!stays_tracked()) return released;
    auto address = reinterpret_cast<std::uint64_t>(pointer);
    if (g_tracker.config.sample_bytes == 0) {
        released.in_table = g_tracker.live.remove(address, released.entry);
    } else {
        if (!g_tracker.heap_from_allocator) released.counted_bytes = counted_bytes(pointer);
        if (g_tracker.live.maybe_contains(address)) released.in_table = g_tracker.live.remove(address, released.entry);
    }
    errno = saved_errno;
    return released;
}

void account_released(const Released& released) {
    ReentrancyGuard guard;
    bool sampling = g_tracker.config.sample_bytes != 0;
    // Full tracking: a raw clone child's take_released found nothing (in_table false), so it stops here.
    if (!sampling && !released.in_table) return;  // never tracked (allocated before tracking or by the tracker)
    if (sampling && !stays_tracked()) return;
    if (!g_tracker.heap_from_allocator)
        count_totals(-static_cast<std::int64_t>(sampling ? released.counted_bytes : released.entry.bytes), 0, 1, 0);
    else if (released.in_table)
        count_totals(0, 0, released.entry.count_weight, 0);  // the allocator's figure has the bytes; this estimates the frees
    if (released.in_table) count_free(released.entry.stack, released.entry.count_weight, released.entry.bytes);
}

bool untrack_before_free_general(void* pointer) {
    ReentrancyGuard guard;  // outermost here, so the calls below see it set and nest cheaply
    if (g_tracker.config.sample_bytes == 0) {
        stays_tracked();  // only a raw clone child comes here in full tracking: it stops tracking
        return false;
    }
    const Released released = take_released(pointer);
    account_released(released);
    return released.in_table;
}

void restore_released(void* pointer, const Released& released) {
    ReentrancyGuard guard;
    int saved_errno = errno;
    if (released.in_table) g_tracker.live.insert(reinterpret_cast<std::uint64_t>(pointer), released.entry);
    errno = saved_errno;
}

void record_mapping(void* address, std::size_t length, bool holds_memory, bool reservation, bool fixed) {
    if (!stays_tracked()) return;
    ReentrancyGuard guard;
    int saved_errno = errno;
    auto start = reinterpret_cast<std::uint64_t>(address);
    if (fixed) g_tracker.mapped.remove(start, length, release_mapped);  // MAP_FIXED replaced what was there
    if (holds_memory) {
        std::size_t bytes = os::round_up_to_pages(length);
        MappedRegion reserved{};
        if (reservation) {
            g_tracker.reserved.remove(start, bytes, forget_reserved);
            g_tracker.reserved.add(start, bytes, LocalStackId{});
        } else if (!(fixed && g_tracker.reserved.find(start, reserved) && reserved.end >= start + bytes)) {
            LocalStackId stack = capture_stack(g_tracker.stacks);
            if (g_tracker.mapped.add(start, bytes, stack)) count_allocation(stack, 1, bytes);
        }
        transport::maybe_start();
    }
    errno = saved_errno;
}

void record_unmapping(void* address, std::size_t length) {
    if (!stays_tracked()) return;
    ReentrancyGuard guard;
    int saved_errno = errno;
    g_tracker.mapped.remove(reinterpret_cast<std::uint64_t>(address), os::round_up_to_pages(length), release_mapped);
    g_tracker.reserved.remove(reinterpret_cast<std::uint64_t>(address), os::round_up_to_pages(length), forget_reserved);
    errno = saved_errno;
}

void record_remapping(void* old_address, std::size_t old_length, void* new_address, std::size_t new_length) {
    if (!stays_tracked()) return;
    ReentrancyGuard guard;
    int saved_errno = errno;
    MappedRegion region{};
    if (g_tracker.mapped.find(reinterpret_cast<std::uint64_t>(old_address), region)) {
        g_tracker.mapped.remove(reinterpret_cast<std::uint64_t>(old_address), os::round_up_to_pages(old_length), release_mapped);
        std::size_t bytes = os::round_up_to_pages(new_length);
        if (g_tracker.mapped.add(reinterpret_cast<std::uint64_t>(new_address), bytes, region.stack))
            count_allocation(region.stack, 1, bytes);  // the moved mapping counts as a new one of the same site
    }
    errno = saved_errno;
}

Totals read_totals() {
    return totals_from(read_totals_only());
}

Totals totals_from(const TotalsCounters& counters) {
    Totals t;
    t.live_heap_bytes = counters.live_heap_bytes;
    t.live_allocations = counters.live_allocations;
    t.allocations = counters.allocations;
    t.frees = counters.frees;
    t.events = counters.events;
    t.mapped_bytes = g_tracker.mapped.mapped_bytes();
    t.tracker_bytes = g_tracker.live.footprint_bytes() + g_tracker.stacks.footprint_bytes() + g_tracker.mapped.footprint_bytes() + g_tracker.reserved.footprint_bytes() +
                      thread_counters_footprint();
    return t;
}

void add_events(std::uint64_t n) {
    ReentrancyGuard guard;
    count_totals(0, 0, 0, n);
}

// ---- fork: the child gets consistent copies of every table, then a stream of its own ----

namespace {

thread_local bool t_inside_before_fork __attribute__((tls_model("initial-exec"))) = false;
/// This fork is made by a raw clone child (clone_sentinel.hpp): the locks below may be held for ever by
/// its parent's transport thread, and the child tracks nothing, so none is taken and nothing is reset.
thread_local bool t_untracked_fork __attribute__((tls_model("initial-exec"))) = false;

void before_fork() {
    t_untracked_fork = !stays_tracked();
    if (t_untracked_fork) return;
    wait_for_libunwind_load(10000000);  // not into the child half loaded (libunwind_loader.hpp)
    t_inside_before_fork = g_thread_state.inside_tracker;
    g_thread_state.inside_tracker = true;  // allocations by other fork handlers are not ours to track
    // Every lock taken here lives in g_fork_state (fork_state.hpp): the parent's unlocking writes no page
    // the fork made copy-on-write, and the child finds them free in its zeroed copy.
    transport::lock_for_fork();
    lock_counter_readers();
    g_tracker.mapped.lock();
    g_tracker.reserved.lock();
    g_tracker.stacks.lock_all();
    // Not the live table: the child starts an empty one of its own (after_fork_in_child), and unlocking
    // its 64 shards after the fork copied their pages in the parent and in the child (copy-on-write).
    python::lock_for_fork();
}

void unlock_tables() {
    python::unlock_after_fork();
    g_tracker.stacks.unlock_all();
    g_tracker.reserved.unlock();
    g_tracker.mapped.unlock();
    unlock_counter_readers();
}

void after_fork_in_parent() {
    if (t_untracked_fork) return;
    unlock_tables();
    transport::unlock_after_fork_in_parent();
    g_thread_state.inside_tracker = t_inside_before_fork;
}

/// The parent's sampled blocks whose filter slots a forked child may keep counting (LiveTable::
/// forget_parent_entries_in_child): up to one free in 256 of the child's then takes the general path
/// for nothing, where clearing them wrote 3-4 pages of the filter (counts, then every fast bit closed and
/// opened again) in every child, most of which (a shell's) exec at once.
constexpr std::size_t kStaleFilterSlotsKept = 64;

void after_fork_in_child() {
    if (t_untracked_fork) return;  // the raw clone child's child: untracked as well
    rearm_clone_sentinel_after_fork();  // fork() ran our handlers: this child is tracked
    if (!fork_state_wiped_in_children()) {
        // The locks were copied held (by this thread, before_fork): release them.
        unlock_tables();
        transport::unlock_after_fork_in_child();
    }
    release_other_threads_slots();
    // The inherited blocks are the parent's: a free of one in the child is not the child's to count.
    // The child starts a fresh, empty live table; the parent's copy stays mapped here, untouched and
    // shared copy-on-write (clearing it would copy every page: 7 ms per fork with 100k live blocks).
    if (!g_tracker.live.forget_parent_entries_in_child(kStaleFilterSlotsKept)) {
        g_tracker.live.start_over_in_child();  // its fast free closed until the filter is pinned again
        if (g_tracker.config.sample_bytes) enable_presence_filter();
        if (g_tracker.fast_paths.load(std::memory_order_relaxed) == FastPaths::kUncounted)
            g_tracker.live.open_fast_release(g_tracker.sampled_blocks_aligned);
    }
    g_tracker.mapped.clear();
    transport::reset_in_child();
    // The next allocation takes the slow path, which starts the child's own transport; the fresh seed
    // keeps parent and child from sampling the very same allocations.
    set_thread_fast_paths(FastPaths::kNone);
    g_thread_state.random_state = 0;
    g_thread_state.inside_tracker = t_inside_before_fork;
}

void install_fork_handlers() { pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child); }

}  // namespace
}  // namespace leakscope::tracker
