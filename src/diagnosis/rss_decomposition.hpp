// Where RSS's change over its steady part went, part by part (live heap, tracked mappings, the
// allocator's free-but-kept memory or, without its figures, the rest), for the reports' line under their
// RSS chart. Every part is measured over one window, RSS's steady part, the same way: its change
// between its levels at both ends (as explain_rss_growth measures what the heap and the allocator
// gained, steps and all: a straight line through a container's three doublings reads flat), and a
// Mann–Kendall test (Hamed–Rao, the verdicts' own) of whether it changed beyond its noise. Rates taken
// from each series' own verdict (each its own warm-up, onset and notion of steady state) and a residual
// of them read "RSS changed -4.74 GB/h: ... allocator-retained -4.74 GB/h" for a worker pool whose tree's
// RSS dips each time a worker is recycled (a sawtooth, its floor's trend not significant).
#pragma once

#include <optional>

#include "diagnosis/diagnosis.hpp"

namespace leakscope::diagnosis::detail {

/// `rss`: RSS's own verdict, whose steady part (from its onset or warm-up end to the end) is the window
/// and whose pattern says whether RSS cycles. nullopt when the heap was not tracked, RSS had too little
/// data for a verdict, or the window holds too few of the heap's readings.
std::optional<ProcessDiagnosis::Decomposition> decompose_rss(const ProcessSeries& series, const Diagnosis& rss, double confidence_level);

}  // namespace leakscope::diagnosis::detail
