// "One story per report": what any Diagnosis must satisfy whatever the series, so that the pattern,
// the leak call, the severity, the rate, the projection and the summary sentence never contradict each
// other on one screen (issue 11). A property test runs every generated series through these; other
// tests (the accuracy corpus, the reports) can call them on the verdicts they produce.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "diagnosis/diagnosis.hpp"

namespace leakscope::diagnosis::invariants {

/// One broken invariant: a stable name (for counting) and the facts that break it.
struct Violation {
    std::string name;
    std::string detail;
};

/// Words of the summary sentence that state the verdict (case-insensitive). A summary that says one of
/// kNoLeakPhrases says "not a leak"; otherwise one that contains kLeakWord says "leak".
inline constexpr std::string_view kNoLeakPhrases[] = {"no leak", "not a leak", "no heap leak"};
inline constexpr std::string_view kLeakWord = "leak";

/// The invariants of one verdict on one series (diagnose(), or a part of diagnose_process()):
///   leak_with_flat_pattern        leak while the pattern is stable, warmup_plateau, fragmentation or
///                                 insufficient_data (a sawtooth or spikes may carry a leak under them)
///   growth_pattern_without_leak   a decided verdict of linear/staircase/accelerating growth without a
///                                 leak (an undecided one may name the shape seen so far)
///   leak_without_significant_rate leak while the rate interval reaches zero (rate_ci_low <= 0)
///   severe_without_cause          severity high or critical without a leak and without half of the
///                                 samples near the limit
///   leak_without_time_to_limit    leak, a limit known, and no time to limit (`limit_applies`: the
///                                 series is the one the limit is on; false for the live heap)
///   rate_outside_interval         not rate_ci_low <= rate <= rate_ci_high (or not finite)
///   confidence_out_of_range       confidence outside [0, 1]
///   undecided_leak                decided == false with leak == true
///   undecided_without_watch_more  decided == false without watch_more_s > 0
///   settling_but_leak             a warm-up "settling toward" a level, in a verdict that calls a leak
///   significant_rate_said_not_significant
///                                 the summary says "not significant" of a rate whose interval excludes zero
///                                 (either way: the reports' rate tile calls it significant)
///   summary_contradicts_leak      the summary says "no leak" while leak, or says "leak" while not
///   summary_silent_on_verdict     a decided verdict (not insufficient_data) whose summary says neither
std::vector<Violation> check(const Diagnosis& d, bool limit_applies = true);

/// The invariants of a process verdict: those of the verdict itself (the time to limit is owed when
/// RSS grows significantly, since the limit is on RSS), and those of RSS and the live heap on their
/// own, named "rss:..." and "live_heap:..." (the reports show them too).
std::vector<Violation> check(const ProcessDiagnosis& p);

}  // namespace leakscope::diagnosis::invariants
