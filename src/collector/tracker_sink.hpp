// What the collector delivers, in leakscope's process, as the tracker's packets arrive. The recorder
// implements this to fill the recording; tests implement it to check exact values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/recording.hpp"

namespace leakscope::collector {

/// One tracked process (one stream): the target, a forked child, or a program it executed.
struct TrackedProcess {
    std::uint32_t process = 0;  ///< index, unique in this collector (Recording::processes)
    std::int64_t pid = 0;
    std::int64_t ppid = 0;
    std::string exe;
    std::string comm;
    std::uint64_t sample_bytes = 0;  ///< 0 = every allocation tracked; else the sampling mean
    /// Set when this stream is a program that an earlier tracked process (same pid) exec'd: that
    /// process's index. Its stream ended without a goodbye because of the exec, not a crash.
    std::optional<std::uint32_t> exec_of;
};

/// Latest totals of one process.
struct TrackerTotals {
    double t_s = 0;                    ///< seconds since the collector's time origin
    /// sampling mode: the allocator's own in-use bytes (glibc mallinfo2, jemalloc stats.allocated), or with
    /// another allocator counted per call in its bytes (tracker/usable_size.hpp)
    std::int64_t live_heap_bytes = 0;
    std::int64_t live_allocations = 0;
    std::int64_t mapped_bytes = 0;     ///< anonymous mmap
    std::uint64_t allocations = 0;     ///< heap allocations ever (mmap not included); sampling mode: estimated from the samples
    std::uint64_t frees = 0;
    std::uint64_t events = 0;          ///< leakscope_tracker_add_events
    std::uint64_t tracker_bytes = 0;   ///< the tracker's own table memory inside the process
};

/// The allocator's own figures in one process (glibc mallinfo2, jemalloc stats), about once a second.
/// A figure the allocator does not give is kUnknownBytes.
struct AllocatorStats {
    enum class Kind { unknown, glibc, jemalloc };
    double t_s = 0;
    Kind kind = Kind::unknown;
    std::uint64_t footprint_bytes = kUnknownBytes;   ///< held from the OS (= in use + free kept)
    std::uint64_t in_use_bytes = kUnknownBytes;      ///< handed out to the program, as the allocator counts it
    std::uint64_t free_kept_bytes = kUnknownBytes;   ///< free but not returned to the OS
    std::uint64_t releasable_bytes = kUnknownBytes;  ///< glibc keepcost; jemalloc retained (unmapped address space)
    std::uint64_t read_ns = 0;                       ///< what the read cost inside the target
};

/// "glibc", "jemalloc" or "unknown".
const char* allocator_kind_name(AllocatorStats::Kind kind);

/// Latest aggregate of one allocation site (stack). In sampling mode these are unbiased estimates.
struct SiteUpdate {
    double t_s = 0;
    std::uint32_t process = 0;
    StackId stack;
    std::int64_t live_bytes = 0;
    std::int64_t live_count = 0;
    std::uint64_t total_allocations = 0;
    std::uint64_t total_bytes = 0;
};

class TrackerSink {
public:
    virtual ~TrackerSink() = default;
    /// False for a sink that ignores stacks and sites (watch reads the totals): the collector then keeps
    /// no frames for forked children to refer to (stream_tables.hpp), which would cost it memory for nothing.
    virtual bool keeps_stacks() const { return true; }
    virtual void on_process(const TrackedProcess& process) = 0;
    /// A module was loaded (or was already loaded when the stream began).
    virtual void on_module(const Module& module) = 0;
    /// The same module (same process, start and path) was unloaded; unloaded_t_s is set.
    virtual void on_module_unloaded(const Module& module) = 0;
    /// A new stack; its id is unique across all processes of this collector.
    virtual void on_stack(const Stack& stack) = 0;
    /// CPython targets: the names of a pseudo address that stacks of this process carry for a Python
    /// frame (tracker/python_frames.hpp). Arrives before the stacks that use it.
    virtual void on_python_frame(std::uint32_t /*process*/, std::uint64_t /*address*/, const ResolvedFrame& /*frame*/) {}
    virtual void on_site_update(const SiteUpdate& update) = 0;
    virtual void on_totals(std::uint32_t process, const TrackerTotals& totals) = 0;
    /// The allocator's figures; sinks that do not record them need not override this.
    virtual void on_allocator_stats(std::uint32_t /*process*/, const AllocatorStats& /*stats*/) {}
    /// The stream ended: `clean` when the process said goodbye at exit, false when it crashed, was killed,
    /// or exec'd (the exec'd program, if tracked, arrives as a new process).
    virtual void on_process_end(std::uint32_t process, bool clean) = 0;
    /// Called just before on_process_end when the process announced an exec as its stream's last word:
    /// its memory went with the exec, so it has no "still allocated at exit".
    virtual void on_process_exec(std::uint32_t /*process*/) {}
};

}  // namespace leakscope::collector
