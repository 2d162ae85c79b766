// Sampling mode's uncertainty. The tracker samples allocations as a Poisson process over bytes (mean
// gap S = --sample-bytes): a block of s bytes is sampled with probability p = 1 - exp(-s/S),
// independently of every other block, and carries the weight s/p, so a site's live bytes are an
// unbiased (Horvitz–Thompson) estimate. How uncertain that estimate is depends on how many sampled
// blocks stand behind it, which this file recovers from the estimate itself.
#pragma once

namespace leakscope::analysis {

struct SampledInterval {
    double low = 0;              ///< bytes
    double high = 0;
    double samples = 0;          ///< sampled live blocks the estimate rests on (expected count)
    bool few_samples = false;    ///< fewer than kFewSamples: the estimate is a rough guide only
};

inline constexpr double kFewSamples = 10;

/// A 95% interval for a site's true live bytes, given the tracker's estimates of its live bytes and
/// live blocks and the sampling mean. Blocks are taken to be of the site's mean size (exact for sites
/// of one size); the count of sampled blocks is Poisson-like (exact Garwood limits), narrowed by
/// sqrt(1 - p) as p approaches 1 (every large block is sampled, nothing is uncertain).
SampledInterval sampled_live_interval(double live_bytes, double live_count, double sample_bytes);

}  // namespace leakscope::analysis
