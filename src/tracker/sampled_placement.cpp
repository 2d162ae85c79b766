#include "sampled_placement.hpp"

#include <cstring>

#include "real_functions.hpp"
#include "usable_size.hpp"

namespace leakscope::tracker {

void* place_sampled_block(void* pointer, std::size_t size, BlockContent content) {
    if (may_hold_sampled_block(pointer, glibc_chunk_header(pointer))) return pointer;
    // memalign's result is aligned whichever way glibc serves it (heap or mmapped chunk), and any
    // alignment the caller asked for below kSampledAlignment divides it.
    void* moved = g_real.memalign(kSampledAlignment, size ? size : 1);
    if (!moved) return nullptr;
    if (content == BlockContent::kKept) std::memcpy(moved, pointer, size);
    if (content == BlockContent::kZeroed) std::memset(moved, 0, size);
    g_real.free(pointer);
    return moved;
}

}  // namespace leakscope::tracker
