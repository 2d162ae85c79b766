// The allocator's own statistics (glibc mallinfo2, jemalloc's mallctl "stats.*"), read on the tracker's
// background thread only: both take the allocator's locks, so no hook ever calls them.
#pragma once

#include <cstdint>

#include "protocol.hpp"

namespace leakscope::tracker::allocator_stats {

/// Which allocator serves malloc and gives figures (kUnknown: neither glibc's nor jemalloc, or jemalloc
/// built without statistics). Resolves on first use: called once inside initialization (sampling mode
/// decides there where its live heap total comes from), later on the background thread.
wire::AllocatorKind kind();

/// The allocator's bytes in use now (glibc uordblks + hblkhd; jemalloc stats.allocated after an "epoch"
/// refresh): sampling mode's live heap total. False when kind() is kUnknown or the read failed. Takes the
/// allocator's locks: never from a hook, nor after a crash (the crashed thread may hold one).
bool read_in_use(std::uint64_t& bytes);

/// jemalloc counts the blocks a thread cache holds as allocated: they are handed to the cache in
/// batches (ten 1 KiB blocks for the first malloc of that size) and stay counted after free until the
/// cache flushes. A baseline read with a cache full of them is too high by as much, and the first
/// allocations that empty it do not move the figure: a forked child that allocated 5,000 blocks of
/// 1 KiB read 21 kB short. This returns the calling thread's cached blocks to their arenas first (one
/// mallctl, "thread.tcache.flush"), so that a baseline counts only what the program holds. glibc's
/// mallinfo2 counts its tcache's chunks as in use too, but at most 7 of a size, and has no call to
/// flush it: nothing is done there.
void flush_thread_cache();

/// Reads the figures of the allocator behind the real malloc. Resolves the functions on first use
/// (dlsym, under the caller's re-entrancy guard). kind == kUnknown when the allocator is neither glibc's
/// nor jemalloc, or does not give statistics. `cpu_ns` gets the CPU time the read took.
wire::AllocatorStatsBody read(std::uint64_t& cpu_ns);

/// Sampling mode with the live heap from the allocator: reads may come every snapshot round
/// (`interval_ns`) instead of at most once a second; the CPU and wall-time shares below still hold.
void set_min_spacing(std::uint64_t interval_ns);

/// Rate limit: true when a read is due at `now_ns`. Reads are at most one per second (or per
/// set_min_spacing) and, when one is
/// slow (mallinfo2 walks every free chunk of every arena, under that arena's lock), spaced so that they
/// take at most 0.1% of a core and 5% of the wall time (the part spent waiting for or holding an
/// arena lock, one at a time; on a busy machine that is mostly waiting for the lock or for a core).
bool due(std::uint64_t now_ns);
/// Records that a read finished at `now_ns` after `wall_ns` of wall time and `cpu_ns` of CPU time
/// (read_spacing.hpp: the cheaper of two reads in a row sets the spacing).
void note_read(std::uint64_t now_ns, std::uint64_t wall_ns, std::uint64_t cpu_ns);

}  // namespace leakscope::tracker::allocator_stats
