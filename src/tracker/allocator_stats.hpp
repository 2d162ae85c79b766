// The allocator's own statistics (glibc mallinfo2, jemalloc's mallctl "stats.*"), read on the tracker's
// background thread only: both take the allocator's locks, so no hook ever calls them.
#pragma once

#include <cstdint>

#include "protocol.hpp"

namespace leakscope::tracker::allocator_stats {

/// Reads the figures of the allocator behind the real malloc. Resolves the functions on first use
/// (dlsym, under the caller's re-entrancy guard). kind == kUnknown when the allocator is neither glibc's
/// nor jemalloc, or does not give statistics.
wire::AllocatorStatsBody read();

/// Rate limit: true when a read is due at `now_ns`. Reads are at most one per second and, when a read
/// is slow (mallinfo2 walks every free chunk of every arena under that arena's lock), spaced so the
/// reads take at most 0.5% of the wall time (an arena is locked by us for at most that share).
bool due(std::uint64_t now_ns);
/// Records that a read took `took_ns`, finishing at `now_ns`.
void note_read(std::uint64_t now_ns, std::uint64_t took_ns);

}  // namespace leakscope::tracker::allocator_stats
