// A Go program's verdict from what its collections found live (GODEBUG=gctrace=1, read by `leakscope run`).
//
// Its RSS climbs at one pace for tens of seconds whether it leaks or not: the heap grows toward the goal the
// collector set (twice what the last collection found live, by default) before the next collection, and
// freed pages stay resident until the scavenger returns them (examples/patterns/go: a bounded session store
// and a goroutine leak both climbed 1.5 -> 12 MB in 16 s). Go's collector marks the whole heap every cycle,
// so each collection measures what is live: the levels are a series of exact readings of the live set, a few
// seconds apart or a hundred a minute, to the mebibyte.
//
// They are judged as a series, not pair by pair as the JVM's rare full collections are: a live set swings
// with the program's own batches (a metrics relay whose batch fills and is flushed every 2 s: collections found
// 2 to 12 MiB, and "this one found 10 MB more than one 1.8 s earlier" read as a leak of 5 MB/s; a log shipper's
// bursts: 6 to 8 MiB), and a cache fills over its first collections. So:
// - a leak is a trend across at least kLevelsForATrend levels since the warm-up (Mann-Kendall, Sen's interval
//   above zero) that keeps its pace (the later half of the levels at least half the earlier half's pace: a
//   cache filling toward its size slows) and is still measured near the end of the run;
// - no leak is no trend across at least three levels, their Sen line moving less than the levels' resolution
//   over their span, still measured near the end, with RSS risen by no more than the heap can take up to its
//   goal (kRssPerGoalByte): more than that is memory outside the heap (cgo, mappings), which RSS judges;
// - anything between waits, and says what the collections found.
#pragma once

#include "diagnosis/diagnosis.hpp"

namespace leakscope::diagnosis::detail {

/// Levels since the warm-up needed to call a trend a leak.
inline constexpr std::size_t kLevelsForATrend = 5;

/// The verdict of a process whose runtime heap is Go's (ProcessSeries::RuntimeHeap::collects_at_goal), from
/// RSS's (`result`, diagnose_native's) and the collections'. Replaces result.verdict when the collections
/// decide, or when they give a better reason to wait; RSS's verdict stands when it judges growth outside the
/// heap.
void judge_go_heap(ProcessDiagnosis& result, const ProcessSeries& series, const Options& options);

}  // namespace leakscope::diagnosis::detail
