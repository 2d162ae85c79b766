// Growth that keeps one pace, reading after reading: a leak's signature that a filling cache lacks.
#pragma once

#include "diagnosis/diagnosis.hpp"

namespace leakscope::diagnosis::detail {

/// Readings of a gauge that a pace must rest on: enough that a handful of lucky ones cannot make a line.
inline constexpr std::size_t kReadingsForASteadyPace = 30;
/// How much of the readings' spread a line must explain (its R²) to be a steady pace.
inline constexpr double kSteadyPaceLineFit = 0.98;

/// True when `series` between `from_s` and `to_s` climbs along a line: at least kReadingsForASteadyPace
/// distinct readings (a value repeated from the sample before is the same reading, not a new one), a
/// rising slope, and a line that explains kSteadyPaceLineFit of their spread.
bool climbs_at_a_steady_pace(const Series& series, double from_s, double to_s);

}  // namespace leakscope::diagnosis::detail
