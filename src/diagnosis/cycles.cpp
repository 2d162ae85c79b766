#include "diagnosis/cycles.hpp"

#include <algorithm>
#include <cmath>

#include "diagnosis/robust_stats.hpp"
#include "diagnosis/undecided.hpp"

namespace leakscope::diagnosis::detail {
namespace {

// How long after the last drop the run may stay quiet, in periods, before the drops are not a cycle
// it keeps going through (plus a couple of bins for a drop that straddles bins).
constexpr double kQuietPeriodsAfterDrops = 2.0;
constexpr double kQuietPeriodsAfterTwoDrops = 1.5;
constexpr double kQuietSlackBins = 2.0;
// Troughs that climb this many teeth over the run are growth with releases, not a sawtooth.
constexpr double kTeethOfClimbForGrowth = 3.0;
// A tooth climbs from one drop to the next with falls inside it of a fraction of the drop (the noise:
// every sawtooth and batch in the accuracy corpus has none at all, or a third of its drop at most). A
// level that falls inside its "teeth" by half the drops' size or more wanders as much as it drops: the
// drops are its own jitter caught above the threshold (a mean-reverting working set, 200 slots of
// 20-180 kB replaced 300 times a second: three falls of 0.9-1.6 MB 4.1-4.6 s apart, and falls of
// 0.71 and 0.78 MB inside the two teeth between them). A fall inside a tooth is any fall back from a
// level it had reached, however slow: counted within a few bins only, a slide of 1.0 MB over a second
// (the same working set, session 31: 21.02 MB at 4.7 s down to 20.00 MB at 5.7 s) read 0.72 of the drop
// after it, and with a tooth of 0.25 beside it the two teeth passed at 0.485.
constexpr double kInnerFallShareOfDrop = 0.5;
// As in find_drops: a fall within this many bins is one fall.
constexpr std::size_t kFallBins = 3;
// A spike climbs from a quarter to three quarters of its height within this share of a cycle (a batch
// allocates in a sample or two); a sawtooth's tooth takes longer.
constexpr double kSpikeRiseShareOfCycle = 0.2;

struct Drop {
    std::size_t peak = 0;    // last bin before the fall
    std::size_t bottom = 0;  // first bin at the low level
    double size = 0;
    std::size_t rise_start = 0;  // first bin of the upper half of the tooth
};

// Sharp falls: the value drops by at least the threshold within a few bins (a release or a
// truncation that straddles bin boundaries, or takes a few samples, is still one fall). Overlapping
// detections are one drop: the largest fall among them, from its peak to its bottom.
std::vector<Drop> find_drops(std::span<const double> values, double threshold) {
    std::vector<Drop> drops;
    const std::size_t n = values.size();
    for (std::size_t i = 0; i + 1 < n; ++i) {
        std::size_t bottom = i + 1;
        for (std::size_t j = i + 2; j <= std::min(n - 1, i + kFallBins); ++j)
            if (values[j] < values[bottom]) bottom = j;
        const double fall = values[i] - values[bottom];
        if (fall < threshold) continue;
        if (!drops.empty() && i <= drops.back().bottom) {
            if (fall > drops.back().size) drops.back() = {i, bottom, fall, 0};
            else if (values[bottom] < values[drops.back().bottom]) drops.back().bottom = bottom;
            continue;
        }
        drops.push_back({i, bottom, fall, 0});
    }
    // A release that takes longer than the window: follow the descent to its end.
    for (Drop& drop : drops) {
        while (drop.bottom + 1 < n && values[drop.bottom + 1] < values[drop.bottom]) ++drop.bottom;
        drop.size = values[drop.peak] - values[drop.bottom];
    }
    return drops;
}

// A sawtooth repeats to the end of the run: a long quiet stretch after the last drop says the drops
// were a few events (a runtime's collections while it warmed up, bursts of noise), not a cycle the
// process keeps going through. Two drops are one interval, the weakest evidence of a period, so they
// get the shorter allowance. (Spikes are not held to it: a sampled run catches only some batches.)
bool repeats_to_the_end(const std::vector<Drop>& drops, std::size_t n, double period_bins) {
    const double quiet_bins = static_cast<double>(n - 1 - drops.back().peak);
    const double allowed_periods = drops.size() == 2 ? kQuietPeriodsAfterTwoDrops : kQuietPeriodsAfterDrops;
    return quiet_bins <= allowed_periods * period_bins + kQuietSlackBins;
}

}  // namespace

CycleAnalysis analyse_cycles(std::span<const double> values, double threshold) {
    CycleAnalysis analysis;
    const std::size_t n = values.size();
    std::vector<Drop> drops = find_drops(values, threshold);
    // A drop in the last bins is the run ending (a teardown the caller did not cut), not a cycle.
    if (!drops.empty() && drops.back().bottom + 2 >= n && drops.back().peak + 3 >= n) drops.pop_back();
    analysis.drops = drops.size();
    for (const Drop& drop : drops) analysis.falls.emplace_back(drop.peak, drop.size);
    if (drops.size() < 2) return analysis;
    // Every tooth climbs back before it drops: falls in the middle of a long decline (memory being
    // released over a minute, in bursts) are no cycle.
    std::size_t climbing = 0;
    for (std::size_t k = 1; k < drops.size(); ++k)
        climbing += values[drops[k].peak] - values[drops[k - 1].bottom] >= 0.5 * drops[k].size;
    if (static_cast<double>(climbing) < 0.7 * static_cast<double>(drops.size() - 1)) return analysis;
    // Two drops are one interval: a cycle only when the climb before the first one was a whole tooth
    // too (a one-off load released once, then a second release, is not a repeating pattern).
    if (drops.size() == 2 && static_cast<double>(drops[0].peak) < 0.6 * static_cast<double>(drops[1].peak - drops[0].peak))
        return analysis;

    // For each tooth, walk back from the peak while above half its height: how long it stays high.
    std::vector<double> duties, intervals, sizes, rises, inner_falls;
    std::size_t returning = 0, judged = 0;
    for (std::size_t k = 0; k < drops.size(); ++k) {
        Drop& drop = drops[k];
        // Height of the tooth from where this cycle started (the previous bottom), so that a rising
        // floor (a leak under the sawtooth) does not make the tooth look narrow.
        const std::size_t limit = k == 0 ? 0 : drops[k - 1].bottom;
        const double low = k == 0 ? values[drop.bottom] : std::min(values[limit], values[drop.bottom]);
        const double half = low + 0.5 * (values[drop.peak] - low);
        std::size_t start = drop.peak;
        while (start > limit && values[start - 1] > half) --start;
        drop.rise_start = start;
        sizes.push_back(drop.size);
        // A spike returns to where it started: the level before the rise is near the level after. A
        // spike already up at the first sample has no level before it, and is not judged (a run that
        // started 0.1 s into a batch job's first batch had five of its six spikes "returning", under
        // the 70% a run of six must show when the first is held against it).
        if (start > limit || values[start] <= half) {
            ++judged;
            const double before = values[start > limit ? start - 1 : start];
            if (std::fabs(before - values[drop.bottom]) <= 0.5 * drop.size) ++returning;
        }
        if (k == 0) continue;
        const double interval = static_cast<double>(drop.peak - drops[k - 1].peak);
        intervals.push_back(interval);
        // The tooth's climb, from the last drop's bottom to this drop's peak (the drop itself excluded). A
        // descent followed to its end can run past the next drop's peak (two falls in one long slide): no climb.
        const std::size_t climb_from = drops[k - 1].bottom;
        inner_falls.push_back(drop.peak > climb_from ? largest_fall_back(values.subspan(climb_from, drop.peak + 1 - climb_from)) / drop.size
                                                     : 0.0);
        duties.push_back(static_cast<double>(drop.peak + 1 - start) / interval);
        // How long the climb from a quarter to three quarters of the drop takes: a batch allocates in a
        // sample or two, a history list fills over the whole cycle. Measured against the level the drop
        // falls back to, so a baseline rising under the spikes does not stretch the climb.
        const double base = values[drop.bottom], height = values[drop.peak] - base;
        std::size_t quarter = drop.peak;
        while (quarter > limit && values[quarter] > base + 0.25 * height) --quarter;
        std::size_t three_quarters = quarter;
        while (three_quarters < drop.peak && values[three_quarters] < base + 0.75 * height) ++three_quarters;
        rises.push_back(static_cast<double>(three_quarters - quarter) / interval);
    }
    analysis.rise = median(rises);
    analysis.amplitude = median(sizes);
    analysis.period_bins = median(intervals);
    analysis.duty = median(duties);
    analysis.inner_fall = median(inner_falls);
    double mean = 0, square = 0;
    for (double interval : intervals) mean += interval;
    mean /= static_cast<double>(intervals.size());
    for (double interval : intervals) square += (interval - mean) * (interval - mean);
    analysis.interval_cv = intervals.size() > 1 ? std::sqrt(square / static_cast<double>(intervals.size() - 1)) / mean : 0;

    // A sawtooth climbs through most of each cycle (a linear tooth is in its upper half half the
    // time); a spike jumps up, stays briefly and comes back, and batches recur regularly, which tells
    // them from random outliers.
    const bool spikes = drops.size() >= 3 && analysis.rise < kSpikeRiseShareOfCycle && analysis.duty < 0.5 && analysis.interval_cv <= 0.35 &&
                        judged >= 2 && static_cast<double>(returning) >= 0.7 * static_cast<double>(judged);
    if (spikes) {
        analysis.kind = CycleKind::spikes;
        analysis.excursion.assign(n, 0);
        // A spike's edge below its half height is part of its fast rise (a fifth of a cycle at most, as
        // `rise` required): the walk down to the quarter level goes no further back. Over a baseline that
        // wanders by as much as the spikes stand (a sampled heap estimate), values rarely fall below a
        // quarter above the next drop's bottom, and an unbounded walk marked the whole run as excursions:
        // quote_fanout_arenas_flat, sampled (session 28), kept 17 of 140 bins as baseline, the warm-up's
        // and the last second's, and its flat 23-25 MB heap "rose 2.95 GB/h" along the line through them.
        const auto edge_bins = static_cast<std::size_t>(std::ceil(kSpikeRiseShareOfCycle * analysis.period_bins));
        for (std::size_t k = 0; k < drops.size(); ++k) {
            const Drop& drop = drops[k];
            // The whole excursion: from where it left the baseline to where it is back, plus a bin of
            // margin each side for the bin that straddles the edge.
            const double low = values[drop.bottom];
            const double quarter = low + 0.25 * drop.size;
            const std::size_t previous_bottom = k == 0 ? 0 : drops[k - 1].bottom;
            const std::size_t earliest = std::max(previous_bottom, drop.rise_start > edge_bins ? drop.rise_start - edge_bins : 0);
            std::size_t start = drop.rise_start;
            while (start > earliest && values[start - 1] > quarter) --start;
            const std::size_t from = start > 0 ? start - 1 : 0;
            const std::size_t to = std::min(n - 1, drop.bottom);
            for (std::size_t i = from; i <= to; ++i) analysis.excursion[i] = 1;
        }
        // A spike still in progress when the run ended has no drop yet, and is no baseline either: from
        // where the series last left the baseline (a quarter of a typical spike above the last drop's
        // bottom) to the end. stats_flush_sawtooth's RSS ended 0.3 and 0.5 MB up in its last flush cycle,
        // and those last three samples alone made a flat baseline "rise 31 kB/s".
        const std::size_t last_bottom = drops.back().bottom;
        const double left_baseline_above = values[last_bottom] + 0.25 * analysis.amplitude;
        std::size_t start = n;
        while (start > last_bottom + 1 && values[start - 1] > left_baseline_above) --start;
        if (start < n)  // with a bin of margin before it, as above
            for (std::size_t i = start - 1; i < n; ++i) analysis.excursion[i] = 1;
    } else if ((analysis.duty >= 0.4 || analysis.rise >= kSpikeRiseShareOfCycle) && analysis.inner_fall < kInnerFallShareOfDrop &&
               repeats_to_the_end(drops, n, analysis.period_bins)) {
        analysis.kind = CycleKind::sawtooth;
        // One floor sample per tooth: the lowest point between a drop and the next peak (the last
        // tooth only when at least half a cycle of it was seen).
        for (std::size_t k = 0; k < drops.size(); ++k) {
            const std::size_t from = drops[k].bottom;
            const std::size_t to = k + 1 < drops.size() ? drops[k + 1].peak : n;
            if (k + 1 == drops.size() && static_cast<double>(to - from) < 0.5 * analysis.period_bins) break;
            std::size_t lowest = from;
            for (std::size_t i = from; i < to; ++i)
                if (values[i] < values[lowest]) lowest = i;
            analysis.troughs.push_back(lowest);
            if (k + 1 < drops.size()) analysis.teeth.emplace_back(from, to);
        }
        // Lows that climb many teeth over a few troughs are growth that a few releases interrupt (a
        // fragmenting arena's RSS as threads end), not a bounded sawtooth: the trend of the whole floor
        // judges it, as it would without the dips. Only a few: from six troughs on their own trend can.
        if (analysis.troughs.size() >= 2 && analysis.troughs.size() < kTroughsForAFlatFloor &&
            values[analysis.troughs.back()] - values[analysis.troughs.front()] >= kTeethOfClimbForGrowth * analysis.amplitude) {
            analysis.kind = CycleKind::none;
            analysis.troughs.clear();
            analysis.teeth.clear();
        }
    }
    return analysis;
}

}  // namespace leakscope::diagnosis::detail
