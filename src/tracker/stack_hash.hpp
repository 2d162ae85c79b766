// The stack depot's hash of a stack, chained from the outermost frame in: the chain of frames [i, n) is
// one step from that of [i + 1, n). A frame walk that resumes the walk it remembers (frame_walk.hpp)
// keeps each step's chain, so it hashes only the inner frames that changed; bash's stacks (~30 frames,
// the outer ~15 the same from one allocation to the next) spent 6% of a fully tracked run hashing whole.
#pragma once

#include <cstddef>
#include <cstdint>

namespace leakscope::tracker::stack_hash {

/// The chain of no frames.
inline constexpr std::uint64_t kEmpty = 0x9e3779b97f4a7c15ull;

/// The chain of `frame` followed (outward) by the frames that gave `outer`.
inline std::uint64_t step(std::uint64_t outer, std::uint64_t frame) {
    std::uint64_t h = (outer ^ frame) * 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
}

/// The hash of a stack of `count` frames whose chain is `chain` (never 0: 0 marks an empty slot).
inline std::uint32_t finish(std::uint64_t chain, std::size_t count) {
    const std::uint64_t h = step(chain, count);
    const auto result = static_cast<std::uint32_t>(h ^ (h >> 29));
    return result ? result : 1;
}

}  // namespace leakscope::tracker::stack_hash
