// The exported C ABI (tracker_abi.h) and the library's load/unload hooks.
#include "tracker_abi.h"

#include <algorithm>
#include <cstring>

#include "allocator_stats.hpp"
#include "fatal_signals.hpp"
#include "libunwind_loader.hpp"
#include "os.hpp"
#include "python_frames.hpp"
#include "thread_counters.hpp"
#include "tracker.hpp"
#include "transport.hpp"

using namespace leakscope::tracker;

extern "C" __attribute__((visibility("default"))) int leakscope_tracker_query(struct leakscope_tracker_stats* stats) {
    if (!stats || stats->struct_size < sizeof(std::uint32_t) * 2) return -1;
    if (current_state() != InitState::kActive) return -1;
    Totals t = read_totals();
    leakscope_tracker_stats out{};
    out.struct_size = stats->struct_size < sizeof(out) ? stats->struct_size : static_cast<std::uint32_t>(sizeof(out));
    out.sampling = g_tracker.config.sample_bytes != 0;
    out.live_heap_bytes = t.live_heap_bytes > 0 ? static_cast<std::uint64_t>(t.live_heap_bytes) : 0;
    if (g_tracker.heap_from_allocator) {
        // The allocator's figure, read now (the caller is the program, outside any allocator call).
        ReentrancyGuard guard;
        std::uint64_t in_use = 0;
        // Less the sampled blocks kept for later samples: glibc counts them in use, the program holds none.
        const std::uint64_t kept = kept_sampled_block_bytes();
        out.live_heap_bytes = allocator_stats::read_in_use(in_use) && in_use > kept ? in_use - kept : 0;
        out.heap_from_allocator = 1;
    }
    out.live_allocations = t.live_allocations > 0 ? static_cast<std::uint64_t>(t.live_allocations) : 0;
    out.mapped_bytes = t.mapped_bytes > 0 ? static_cast<std::uint64_t>(t.mapped_bytes) : 0;
    out.total_allocations = t.allocations;
    out.total_frees = t.frees;
    out.events = t.events;
    // A caller built against an older, smaller struct gets only the fields it knows.
    std::memcpy(stats, &out, out.struct_size);
    return 0;
}

extern "C" __attribute__((visibility("default"))) void leakscope_tracker_add_events(std::uint64_t n) {
    if (current_state() == InitState::kActive) add_events(n);
}

extern "C" __attribute__((visibility("default"))) long leakscope_tracker_sites(struct leakscope_tracker_site* out,
                                                                             unsigned long capacity, uint32_t site_size) {
    if (!out || site_size < sizeof(leakscope_tracker_site)) return -1;
    if (current_state() != InitState::kActive) return -1;
    ReentrancyGuard guard;
    std::uint32_t stacks = g_tracker.stacks.published_count();
    // Scratch from mmap, never malloc: callers measure the heap around this call.
    std::size_t scratch_bytes = stacks * (sizeof(StackCounters) + sizeof(std::uint32_t));
    void* scratch = os::map_pages(scratch_bytes);
    if (!scratch) return -1;
    auto* counters = static_cast<StackCounters*>(scratch);
    auto* order = reinterpret_cast<std::uint32_t*>(counters + stacks);
    TotalsCounters totals;
    read_counters(counters, stacks, totals);
    std::uint32_t live_sites = 0;
    for (std::uint32_t id = 0; id < stacks; ++id)
        if (counters[id].allocated_bytes != counters[id].freed_bytes && g_tracker.stacks.ready_record(id)) order[live_sites++] = id;
    auto live_bytes = [&](std::uint32_t id) { return static_cast<std::int64_t>(counters[id].allocated_bytes - counters[id].freed_bytes); };
    std::size_t n = std::min<std::size_t>(capacity, live_sites);
    std::partial_sort(order, order + n, order + live_sites, [&](std::uint32_t a, std::uint32_t b) { return live_bytes(a) > live_bytes(b); });
    for (std::size_t i = 0; i < n; ++i) {
        std::uint32_t id = order[i];
        const StackRecord* rec = g_tracker.stacks.ready_record(id);
        auto* site = reinterpret_cast<leakscope_tracker_site*>(reinterpret_cast<char*>(out) + i * site_size);
        std::memset(site, 0, sizeof(*site));
        site->stack_id = id;
        site->live_bytes = live_bytes(id);
        site->live_allocations = static_cast<std::int64_t>(counters[id].allocated_count - counters[id].freed_count);
        site->frame_count = std::min<std::uint32_t>(rec->frame_count, LEAKSCOPE_TRACKER_SITE_FRAMES);
        std::memcpy(site->frames, rec->frames, site->frame_count * sizeof(std::uint64_t));
    }
    os::unmap_pages(scratch, scratch_bytes);
    return static_cast<long>(n);
}

extern "C" __attribute__((visibility("default"))) int leakscope_tracker_python_frame(
    std::uint64_t address, struct leakscope_tracker_python_names* out) {
    if (!out || out->struct_size < sizeof(std::uint32_t) * 2) return -1;
    python::FrameInfo frame;
    if (!python::frame_at(address, frame)) return -1;
    leakscope_tracker_python_names full{};
    full.struct_size = std::min<std::uint32_t>(out->struct_size, sizeof(full));
    full.line = frame.line;
    full.function = frame.function;
    full.function_length = frame.function_length;
    full.file = frame.file;
    full.file_length = frame.file_length;
    std::memcpy(out, &full, full.struct_size);  // an older, smaller struct gets the fields it knows
    return 0;
}

namespace {

// Runs after libc (a dependency) is initialized. It only sets flags; the transport thread starts on the
// first tracked allocation after this.
__attribute__((constructor)) void on_library_loaded() {
    resolve_process_end_functions();  // also when tracking is off: the exec hooks forward regardless
    resolve_descriptor_functions();
    if (current_state() == InitState::kActive) {
        transport::allow_start();
        fatal_signals::install();
        // Check mode compares every stack with libunwind's, from the first (libunwind_loader.hpp).
        if (g_tracker.config.check_unwind) load_libunwind();
    }
}

__attribute__((destructor)) void on_library_unloading() {
    if (static_cast<InitState>(g_tracker.state.load()) == InitState::kActive) {
        release_runtime_pools();
        transport::final_flush();
    }
    report_frame_walk_check();
}

}  // namespace
