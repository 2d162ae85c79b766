// The usable size of a heap block, which is what sampling mode counts in the totals (free() can find it
// again without a table entry). malloc_usable_size() is exact but, for a block just taken from or given
// back to glibc's per-thread cache, reads the *next* chunk's header: a cache miss malloc and free would
// not have made. When the real allocator is glibc's (checked at start-up against malloc_usable_size on
// blocks of several sizes, mmapped ones included), the block's own header, which they just touched,
// gives the same number.
#pragma once

#include <cstddef>

#include "real_functions.hpp"

namespace leakscope::tracker {

extern bool g_glibc_chunk_headers;

/// Decides once (inside initialization) whether the header shortcut is valid for this process.
void initialize_usable_size();

/// glibc's chunk header: the word before the block, its size with three flag bits.
inline std::size_t glibc_chunk_header(const void* pointer) { return static_cast<const std::size_t*>(pointer)[-1]; }
/// The header's IS_MMAPPED bit. The bootstrap pool (real_functions.hpp) writes it before its blocks too,
/// so that a fast path that sends every chunk with this bit to the general path never frees one of them.
inline constexpr std::size_t kGlibcIsMmapped = 2;
/// The usable size of a chunk whose header has IS_MMAPPED clear.
inline std::size_t glibc_heap_usable_size(std::size_t header) { return (header & ~static_cast<std::size_t>(7)) - sizeof(std::size_t); }

/// The usable size read from the block's glibc chunk header; valid only when g_glibc_chunk_headers.
inline std::size_t glibc_usable_size(const void* pointer) {
    std::size_t header = glibc_chunk_header(pointer);
    return (header & kGlibcIsMmapped) ? glibc_heap_usable_size(header) - sizeof(std::size_t) : glibc_heap_usable_size(header);
}

inline std::size_t usable_size(void* pointer) {
    return g_glibc_chunk_headers ? glibc_usable_size(pointer) : g_real.malloc_usable_size(pointer);
}

}  // namespace leakscope::tracker
