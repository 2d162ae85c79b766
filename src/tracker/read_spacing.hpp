#pragma once
// How often the transport may read the allocator's own figures (allocator_stats.hpp): the read takes
// the allocator's arena locks, so a slow one is spaced out. Plain state with no dependencies, so that
// the rule is unit-tested apart from the preload library.
#include <algorithm>
#include <cstdint>

namespace leakscope::tracker {

struct ReadSpacing {
    static constexpr std::uint64_t kCpuFactor = 1000;  // spacing >= 1000 × a read's CPU time (0.1% of a core)
    static constexpr std::uint64_t kWallFactor = 20;   // spacing >= 20 × its wall time (5% of the time)

    std::uint64_t min_spacing_ns = 1000000000ull;  // at most one read per second by default
    std::uint64_t next_read_ns = 0;
    std::uint64_t previous_wall_ns = 0;
    std::uint64_t previous_cpu_ns = 0;

    bool due(std::uint64_t now_ns) const { return now_ns >= next_read_ns; }

    /// The cheaper of this read and the one before sets the spacing: one slow read alone (the first
    /// pays its page faults, ~0.2 ms against ~10 µs after; any read may catch an interrupt or a
    /// preemption) left a gap of up to a second in a live heap series read every 20 ms. A walk that
    /// is slow because the heap is big is slow every time, and is spaced from its second read on.
    void note_read(std::uint64_t now_ns, std::uint64_t wall_ns, std::uint64_t cpu_ns) {
        const std::uint64_t typical_cpu_ns = std::min(cpu_ns, previous_cpu_ns);
        const std::uint64_t typical_wall_ns = std::min(wall_ns, previous_wall_ns);
        previous_cpu_ns = cpu_ns;
        previous_wall_ns = wall_ns;
        next_read_ns = now_ns + std::max({min_spacing_ns, typical_cpu_ns * kCpuFactor, typical_wall_ns * kWallFactor});
    }
};

}  // namespace leakscope::tracker
