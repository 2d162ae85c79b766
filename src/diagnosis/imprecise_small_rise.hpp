// RSS alone (--no-track, attach without --track): a leak called on a pace it knows only roughly, from a
// rise that is a small share of the process. An allocator settling into its arenas under churn (glibc's
// per-thread arenas, jemalloc's size classes and decay) keeps RSS creeping for a while after a warm-up,
// slower and slower but straight enough over ten seconds for Sen's interval to exclude zero; a heap
// that does not grow is what would tell it from a leak, and RSS alone has none. On the accuracy corpus
// (611 distinct --no-track recordings of sessions 19-24, tuning set), every linear "leak" RSS alone
// called with its interval's low end under 0.8 of its pace and a rise under 15% of the process was a
// flat program (7 of 7: a metrics agent's parser pool, a block cache, jemalloc size-class churn twice, a
// response cache, a thumbnail LRU, 0.32-0.77 of the pace, 3.8-13% of RSS); the leaks it called with
// as loose an interval rose 30-57% of RSS, and those rising 1-3% of it had intervals within 0.9 of their
// pace. Such a call waits until either would hold: a tighter interval, or a rise no arena settles into.
#pragma once

#include "diagnosis/diagnosis.hpp"

namespace leakscope::diagnosis::detail {

/// The interval's low end must reach this share of the pace for a leak on a small rise.
inline constexpr double kPreciseLowEndShareOfRate = 0.8;
/// A rise over the steady part of this share of RSS or more is a leak on any interval that excludes zero.
inline constexpr double kSmallRiseShareOfRss = 0.15;

/// A decided linear leak judged from RSS alone whose interval is loose and whose rise is small becomes
/// undecided, watching until a tighter interval or a larger rise could decide it; anything else is left as it is.
/// `beside_a_flat_heap`: the tracked heap was decided flat (the summary says so).
void undecided_on_an_imprecise_small_rise(Diagnosis& rss_verdict, const Series& rss, bool beside_a_flat_heap = false);

}  // namespace leakscope::diagnosis::detail
