// The dashed steady-state line of the memory chart: where it starts and at what level.
#pragma once

#include <optional>

#include "diagnosis/diagnosis.hpp"
#include "report/series_view.hpp"

namespace leakscope::report::html {

/// Where a dashed fit line runs: from where its fit starts (a late leak's onset, else the warm-up's end)
/// at the fitted level. The engine fits the series' rolling floor, which ignores spikes but lags a step
/// by its window, so it sits under a staircase's steps (a JVM's RSS climbing in 4 MB steps had its line
/// 9 MB under every step). Unless the pattern is made of cycles, whose floor is the point, the line is
/// moved onto the drawn series by the median distance between them over the fitted part; its slope and
/// band are the engine's.
struct FitLine {
    double t0_s;
    double y0_bytes;
};

/// `drawn_series` is the series the fit was made of as the chart draws it (nullptr: not drawn), `t_lo`
/// the chart's first time.
FitLine place_fit(const diagnosis::Diagnosis& fit, const GaugeSeries* drawn_series, double t_lo);

/// The series the live heap's fit was made of: the live blocks and the tracked mappings together
/// (analysis' process series), which the chart draws as two lines. Their sum, or nothing when nothing was
/// mapped or the two do not share their samples (the heap's own line is then the series to place on).
/// Placed on the heap's line alone, a leak of mappings had its line dragged under them (memfd buffers:
/// from 0 at 4.3 s where the heap and mappings stood at 1.3 MB).
std::optional<GaugeSeries> heap_and_mapped(const GaugeSeries& heap, const GaugeSeries* mapped);

}  // namespace leakscope::report::html
