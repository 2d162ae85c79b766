// `run`/`analyze --baseline REPORT.json`: is this run's steady growth significantly worse than the one
// a saved JSON report measured? The same test and practical threshold as `compare --fail-if-worse`
// (the two runs' own intervals, a z-test; a change must also be >= 5% and >= 64 B/s).
#pragma once

#include <stdexcept>
#include <string>

#include "analysis/analysis.hpp"
#include "compare/comparison.hpp"

namespace leakscope::compare {

struct BaselineError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct BaselineRate {
    std::string metric;  ///< "live_heap", "rss" or "pss": what the baseline's rate was measured on
    RunMeasurement run;  ///< the rate and its interval as a measurement
};

/// Reads `growth` (and the verdict's pattern) from a leakscope JSON report. Throws BaselineError with
/// one line saying what is wrong (unreadable, not JSON, not a leakscope report, fields missing).
BaselineRate read_baseline(const std::string& path);

struct BaselineCheck {
    BaselineComparison vs_baseline;
    std::string metric;  ///< the series both rates are of
    bool worse() const { return vs_baseline.direction == Direction::worse; }
    /// "steady rate +1.20 MB/h vs the baseline's +20.0 kB/h: significantly worse (p < 0.001)".
    std::string text;
};

/// This run against the baseline, on the baseline's metric. Throws BaselineError when this run has no
/// such series (a live-heap baseline against a run without allocation tracking).
BaselineCheck check_against_baseline(const BaselineRate& baseline, const analysis::Analysis& analysis,
                                     const ComparisonOptions& options = {});

}  // namespace leakscope::compare
