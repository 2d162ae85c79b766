// What sampling mode's totals count for a heap block, found again by free() without a table entry.
// With glibc's allocator: the chunk's size from its header word (the usable size plus glibc's 8-byte
// header; for a block glibc served by mmap, its whole mapping), the memory the block really holds and
// the unit of mallinfo2's "in use". Reading the block's own header costs no cache miss (malloc and free
// have just touched it: malloc_usable_size would read the *next* chunk's header), and one formula for
// every chunk keeps the malloc fast path free of a test for mmapped chunks. Used only when checked at
// start-up against malloc_usable_size on blocks of several sizes, mmapped ones included; with another
// allocator (jemalloc...) the totals count malloc_usable_size, a call.
#pragma once

#include <cstddef>

#include "real_functions.hpp"

namespace leakscope::tracker {

extern bool g_glibc_chunk_headers;

/// Decides whether the header shortcut is valid for this process; called inside initialization, only in
/// sampling mode when the counting fast paths or the sampled blocks on the boundary read the answer
/// (decide_heap_source); false until then.
void initialize_usable_size();

/// glibc's chunk header: the word before the block, its size with three flag bits.
inline std::size_t glibc_chunk_header(const void* pointer) { return static_cast<const std::size_t*>(pointer)[-1]; }
/// The header's IS_MMAPPED bit (a block glibc served by mmap).
inline constexpr std::size_t kGlibcIsMmapped = 2;
/// The usable size of a chunk whose header has IS_MMAPPED clear.
inline std::size_t glibc_heap_usable_size(std::size_t header) { return (header & ~static_cast<std::size_t>(7)) - sizeof(std::size_t); }

/// The chunk's size (header word without its three flag bits), heap and mmapped chunks alike.
inline std::size_t glibc_chunk_bytes(std::size_t header) { return header & ~static_cast<std::size_t>(7); }

/// The usable size read from the block's glibc chunk header (start-up check of the header layout only).
inline std::size_t glibc_usable_size(const void* pointer) {
    std::size_t header = glibc_chunk_header(pointer);
    return (header & kGlibcIsMmapped) ? glibc_heap_usable_size(header) - sizeof(std::size_t) : glibc_heap_usable_size(header);
}

/// The bytes the totals count for `pointer`: its chunk size (glibc), else the allocator's usable size.
inline std::size_t counted_bytes(void* pointer) {
    return g_glibc_chunk_headers ? glibc_chunk_bytes(glibc_chunk_header(pointer)) : g_real.malloc_usable_size(pointer);
}

}  // namespace leakscope::tracker
