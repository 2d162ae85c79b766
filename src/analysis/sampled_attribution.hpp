// With sampled tracking, each site's live bytes are an estimate that moves in steps of one sample
// (hundreds of kilobytes), so a site's own trend test rarely reaches significance after the
// correction for testing many sites, while the heap as a whole (every allocation counted) plainly
// grows. The same holds for a site that grows in a few large steps (a vector doubling its capacity).
// A leak verdict must still say where: the sites whose live bytes rose the most over the leak's steady
// state, until they cover most of the heap's rise, are named as its sites.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/analysis.hpp"

namespace leakscope::analysis {

/// Marks as leaking the sites that carry the rise of a leaking heap when none was called so. Does
/// nothing unless the verdict is a leak that rests on the sampled live heap or on a heap that grew in
/// steps, and no site is a leak already. Keeps the order leaks first. `until_t_s`: the end of the span
/// the process was judged on (before a teardown or a lost stream).
/// Returns the leak's growth when, with sampled tracking, no site's estimate rose with it, whatever the
/// verdict rests on (a small leak at a coarse sampling period: 0.8 MB at one sample per 512 KiB is missed
/// about one run in five; or a leaking site's few samples reading a warm-up). The
/// report then says so, and how to name the site, instead of showing none without a word. So it does for
/// RSS's leak in the allocator's footprint beside a sampled heap that swings with no trend
/// (UnsampledGrowth::within_swings). `arena_bytes`: CPython's pymalloc arena size when the target is one
/// (Options::allocation_quantum_bytes), else 0: a site holding only arenas is charged for whatever needed a
/// new one, and is never named for a heap that grew in steps.
std::optional<UnsampledGrowth> attribute_sampled_growth(const Recording& recording, const diagnosis::ProcessDiagnosis& process,
                                                        double until_t_s, double arena_bytes, std::vector<SiteReport>& sites);

/// The sentence every report prints for growth no site's sampled estimate rose with.
std::string unsampled_growth_sentence(const UnsampledGrowth& growth);

}  // namespace leakscope::analysis
