// A Go program's RSS climbs at one pace for tens of seconds whether it leaks or not: its heap grows
// toward the goal its collector set (twice what the last collection found live, by default) before the
// next collection, and freed pages stay resident until the scavenger returns them. RSS alone then leaves
// the verdict undecided (examples/patterns/go: a bounded session store and a goroutine leak both climbed
// 1.5 -> 12 MB in 16 s). What each collection found live (GODEBUG=gctrace=1) tells them apart: the store's
// collections found 6, 6, 6 MiB after its warm-up, the leak's 0, 3, 6 MiB.
//
// Flat levels alone do not clear RSS: memory outside Go's heap (cgo's malloc, mappings, threads) grows
// without showing in them. The heap never holds much more than its largest goal, so RSS that rose since
// the first sample by no more than that goal, with what the runtime keeps beside it (kRssPerGoalByte), is
// the heap's; more is outside it, and the verdict stays with RSS.
#pragma once

#include <string>

#include "diagnosis/diagnosis.hpp"

namespace leakscope::diagnosis::detail {

/// An undecided verdict of a Go program whose collections found what is live flat since the warm-up
/// (`flat_evidence`: runtime_heap_proven_flat's sentence), with RSS risen by no more than the largest heap
/// goal: decided, no leak, measured on the runtime heap. Returns whether it decided.
bool settled_below_the_goal(ProcessDiagnosis& result, const ProcessSeries& series, const std::string& flat_evidence);

}  // namespace leakscope::diagnosis::detail
