// Sampling mode's sampled blocks, kept for the next samples of the same thread. With glibc every sampled
// block sits on a 4096-byte boundary (LiveTable::kSampledBlockAlignment), where the fast free tells it
// from the others by its address; glibc's memalign places one at ~850 instructions, splits the heap
// around it and frees the pieces, ~370 ns more a sample than a malloc (the churn at a 32 KiB mean). So a
// freed sampled block up to 8 KiB is kept, by its glibc chunk size, and handed to the thread's next
// sampled block of that size class: memalign runs again only when the class has none, and the
// boundary's addresses stay out of glibc's own reuse (an unsampled block on one takes the slow free).
// Each thread keeps its own in its counter slot (thread_counters.hpp): taking and keeping touch no line
// another thread writes (one cache for all, behind a lock, cost ~130 ns a sample in lock traffic). The
// blocks last as long as the process (64 KiB a slot at most); not used in a program leakscope attached
// to (Tracker::sampled_blocks_aligned), which must keep nothing of ours after the detach.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace leakscope::tracker {

/// One thread's kept blocks. Only the owning thread takes and keeps; others read `held`.
struct SampledBlockCache {
    static constexpr std::size_t kClasses = 31;  ///< 32, 48, 64, then 4 to each doubling up to 8 KiB
    static constexpr std::size_t kPerClass = 4;
    static constexpr std::uint64_t kMaxHeldBytes = 64 * 1024;
    std::uint8_t counts[kClasses];
    void* blocks[kClasses][kPerClass];
    std::atomic<std::uint64_t> held;  ///< chunk bytes kept: glibc counts them in use, the program holds none
};

namespace sampled_block_cache {

/// The largest glibc chunk of a class: a larger sampled block is not placed on the boundary at all
/// (allocate_sampled in hooks.cpp).
inline constexpr std::size_t kMaxClassChunkBytes = 8192;

/// The usable bytes of the class that a sampled block of `size` requested bytes gets (its glibc chunk
/// rounded up to one of 4 sizes to each doubling, 32 bytes to 8 KiB: at most a quarter more), or 0 for a
/// larger block, which is placed at its own size and never kept.
std::size_t class_usable_bytes(std::size_t size);

/// A kept block with `usable_bytes` (a class_usable_bytes value), or null when that class has none.
/// Its contents are whatever its last owner left.
void* take(SampledBlockCache& cache, std::size_t usable_bytes);

/// Keeps `block`, a freed sampled block still allocated in glibc: true when it is on the boundary, not
/// mmapped, its chunk is exactly a class's and that class has room (kPerClass blocks, kMaxHeldBytes in
/// all); false means the caller frees it.
bool keep(SampledBlockCache& cache, void* block);

}  // namespace sampled_block_cache
}  // namespace leakscope::tracker
