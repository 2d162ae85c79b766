// The dashed steady-state line of the memory chart: where it starts and at what level.
#pragma once

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

}  // namespace leakscope::report::html
