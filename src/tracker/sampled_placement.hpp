// Where sampling mode puts the blocks it samples, so that the free of any other block can tell it was not
// sampled without reading a table. With glibc's allocator a sampled block is always either in an mmapped
// chunk (its header says so; such frees are rare and costly anyway) or at an address aligned to
// kSampledAlignment: a sampled block the allocator placed elsewhere is moved once, when it is sampled
// (about once per sample-bytes mean allocated). An unsampled small block is aligned so by chance in 16 of
// kSampledAlignment cases, and only those frees go on to the presence filter and the live table: the
// free fast path touches nothing but the block's own header, which the real free reads next anyway.
// (Measured on ../shared/bench/churn.cpp: the presence filter's cache line cost a fifth of the free hook.)
#pragma once

#include <cstddef>
#include <cstdint>

namespace leakscope::tracker {

inline constexpr std::uintptr_t kSampledAlignment = 4096;
inline constexpr std::size_t kGlibcIsMmapped = 2;  ///< bit 1 of a glibc chunk's size field

/// False: the block at `pointer`, whose glibc chunk header is `chunk_header`, was certainly not sampled.
inline bool may_hold_sampled_block(const void* pointer, std::size_t chunk_header) {
    return (reinterpret_cast<std::uintptr_t>(pointer) & (kSampledAlignment - 1)) == 0 || (chunk_header & kGlibcIsMmapped);
}

/// What a moved block must hold: nothing (malloc, new, the aligned forms), zeros (calloc) or the old
/// block's `size` bytes (realloc).
enum class BlockContent { kUninitialized, kZeroed, kKept };

/// Moves a just-sampled glibc block to where may_hold_sampled_block finds it, freeing `pointer`. Returns
/// `pointer` when it is there already, null when the move failed (out of memory: the caller leaves the
/// block unsampled, at `pointer`). Called inside the tracker's guard, with the real functions only.
void* place_sampled_block(void* pointer, std::size_t size, BlockContent content);

}  // namespace leakscope::tracker
