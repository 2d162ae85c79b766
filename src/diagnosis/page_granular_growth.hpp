// RSS moves in pages. After a warm-up, an allocator settling into its arenas touches a page now and
// then for a while (glibc placing freed chunks of other sizes, a free list spreading out): RSS climbs
// a few pages at a time in a straight enough line for a trend test. A leak call that rests on a dozen
// page faults rests on a dozen events: order_book_churn_flat, flat under full tracking, gained 46 kB
// (11 pages) over 12 s of RSS and read "Leak: 12.3 MB/h, critical" under --no-track. On the accuracy
// corpus every leak RSS alone called gained 460 kB or more over its steady part; the flat programs it
// called undecided or wrong gained 35 to 55 kB. Below kFewestPagesToDecide pages the verdict waits
// until the growth, at its pace, would reach that many.
#pragma once

#include "diagnosis/diagnosis.hpp"

namespace leakscope::diagnosis::detail {

inline constexpr double kPageBytes = 4096;
inline constexpr double kFewestPagesToDecide = 32;

/// True when a change of RSS by `bytes` is at least kFewestPagesToDecide pages: growth RSS can decide on.
inline bool enough_pages_to_decide(double bytes) { return bytes >= kFewestPagesToDecide * kPageBytes; }

/// A decided leak judged from RSS alone whose growth since the warm-up (or onset) is fewer than
/// kFewestPagesToDecide pages becomes undecided; anything else is left as it is. Applied to the verdict
/// when it rests on RSS, and always to RSS's own diagnosis: beside a tracked heap that diagnosis is the
/// second witness for a weak heap trend (analysis/heap_growth_without_sites.hpp), and a dozen pages
/// witness nothing there either.
void undecided_on_too_few_pages(Diagnosis& rss_verdict, const Series& rss);

}  // namespace leakscope::diagnosis::detail
