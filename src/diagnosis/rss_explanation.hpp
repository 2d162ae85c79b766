// Why RSS grows when the live heap does not: measured from the process's own parts over the window in
// which RSS grew. The heap may have gained as much in coarse steps (a container doubling), the
// allocator may keep freed memory (its free-but-kept bytes grow: fragmentation), RSS may be filling
// memory the allocator already held (bounded by its footprint), or the growth is outside the malloc
// heap altogether (thread stacks, mappings, a JIT's or GC's own heap) and is judged from RSS.
#pragma once

#include <string>

#include "diagnosis/diagnosis.hpp"

namespace leakscope::diagnosis::detail {

struct RssExplanation {
    RssGrowth growth = RssGrowth::outside_heap;
    double rss_gain = 0;        ///< over [from_s, to_s]
    double heap_gain = 0;
    double allocator_free_gain = 0;
    double allocator_footprint_gain = 0;
    std::string where;          ///< outside_heap: what grew, e.g. "threads 3 → 203"
    double room = 0;            ///< within_allocator: how far RSS can rise above its level at from_s
};

/// `from_s`..`to_s`: where RSS grew in steady state (its warm-up end or onset to the last sample).
/// `climb_from_s`: where RSS's own climb began, at or before `from_s` (which the heap's warm-up may move
/// later): mappings made since then count as where it went.
RssExplanation explain_rss_growth(const ProcessSeries& series, double from_s, double to_s, double climb_from_s);

/// Where RSS gained `rss_gain` from `from_s` to `to_s`, in the process's own parts: threads that never
/// ended, the smaps categories (thread stacks, the brk heap, other anonymous mappings, file-backed ones),
/// or else anonymous and file-backed memory; "" when no part holds a share of it.
std::string where_rss_grew(const ProcessSeries& series, double from_s, double to_s, double rss_gain);

/// What a series gained from `from_s` to `to_s`: the difference of its levels over the window's first
/// and last twentieth (medians, so one sample's noise does not count).
double gain(const Series& series, double from_s, double to_s);
/// Each of those levels is taken around this share of the window in from its end: gain() spans the
/// window less twice that.
inline constexpr double kGainEndHalfWidth = 0.05;

/// The readings of a held series (the allocator's figures, read about once a second and held in the
/// samples between) within [from_s, to_s]: a value repeated from the sample before is the same reading.
Series held_readings(const Series& held, double from_s, double to_s);

/// What such a series gained over [from_s, to_s]: with four readings or more in the window, their
/// Theil–Sen slope times the window (under churn one reading near an end is chance), else gain().
double held_gain(const Series& held, double from_s, double to_s);

/// Level of a series near time t: the median of its points within `half_width_s` (nearest point if none).
double level_near(const Series& series, double t_s, double half_width_s);

}  // namespace leakscope::diagnosis::detail
