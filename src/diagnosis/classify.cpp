#include "diagnosis/classify.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <optional>

#include "diagnosis/cycles.hpp"
#include "diagnosis/grid.hpp"
#include "diagnosis/growth_shape.hpp"
#include "diagnosis/undecided.hpp"
#include "diagnosis/mann_kendall.hpp"
#include "diagnosis/periodicity.hpp"
#include "diagnosis/robust_stats.hpp"
#include "diagnosis/rolling_floor.hpp"
#include "diagnosis/severity_projection.hpp"
#include "diagnosis/steady_state.hpp"

namespace leakscope::diagnosis::detail {
namespace {

// How many teeth tall a warm-up must be before it, not the sawtooth, names the pattern.
constexpr double kWarmupTeethForAPlateau = 5.0;

constexpr std::size_t kMinSamples = 10;
constexpr double kMinDurationS = 2.0;
// Growth over the whole steady state smaller than this many noise sigmas is not worth calling.
constexpr double kNoiseBandsToMatter = 2.0;
// A step of the program's own is taller than this many of the allocator's quanta (Options).
constexpr double kQuantaInAStep = 1.5;
// Lows of a sawtooth that fall back from one trough to a later one by this share of their climb over the
// run wander rather than climb (classify's troughs_climb_unproven).
constexpr double kLowsFallBackShareOfClimb = 1.0 / 3.0;

// Replaces isolated upward outliers (a single bin more than 5 sigma above the median of it and its
// two neighbours) by that median: a one-sample transient allocation must not start a segment, pass
// for a step or a spike. Anything two bins wide is a shape, and dips are left alone: the bottom of a
// sawtooth's drop is a single low bin that the floor depends on.
std::vector<double> remove_isolated_outliers(std::span<const double> values, double sigma) {
    std::vector<double> out(values.begin(), values.end());
    for (std::size_t i = 1; i + 1 < values.size(); ++i) {
        std::array<double, 3> window{values[i - 1], values[i], values[i + 1]};
        std::nth_element(window.begin(), window.begin() + 1, window.end());
        if (values[i] - window[1] > 5 * sigma) out[i] = window[1];
    }
    return out;
}

// Whole teeth it takes before their levels can carry a trend of their own.
constexpr std::size_t kTeethForATrend = 6;
// Of the rise the whole teeth show, the share the troughs must show too: the floor must rise with them.
constexpr double kTroughShareOfTeethRise = 0.5;
// How much smaller the teeth's test's error rate is than the troughs' (a Bonferroni-style split).
constexpr double kStricterForASecondTest = 5.0;

// A sawtooth's trend is that of its troughs, one reading per tooth, and a trough is wherever the
// sampling happened to land in the bottom of the rise. Teeth that climb steeply from their bottom and
// then level off (a concave tooth: a buffer filled fast, then slowly) move their trough by a good part
// of a tooth with that landing when a tooth has few readings, and a floor rising steadily under twenty
// of them can stay inside that scatter: "no leak" on a leak (the synthetic benchmark, seed 314159:
// 101 of ~500 leaking sawtooths missed, most of them concave). A whole tooth's median sits in its flat
// upper part, rests on all its readings and moves with the floor when the teeth keep their shape
// (for straight teeth with many readings the troughs are the sharper measure, and already decide).
// Teeth that only grow taller (more load, bigger batches: peaks rise, lows stay) lift the medians as
// well, so the troughs have to agree: rising by at least half as much, and their own interval
// reaching the teeth's rate. Returns the teeth's rate, laid through the troughs, when both hold.
std::optional<SlopeEstimate> rise_told_by_whole_teeth(const Grid& grid, std::span<const double> values, const CycleAnalysis& cycles,
                                                      std::size_t begin, const SlopeEstimate& troughs, double confidence) {
    if (!(troughs.slope > 0)) return std::nullopt;
    Steady teeth;
    std::vector<double> readings;
    for (const auto& [from, to] : cycles.teeth) {
        if (from < begin) continue;
        readings.clear();
        double time_sum = 0;
        for (std::size_t i = from; i < to; ++i)
            if (grid.observed[i]) readings.push_back(values[i]), time_sum += grid.t[i];
        if (readings.size() < 3) continue;
        teeth.x.push_back(time_sum / static_cast<double>(readings.size()));
        teeth.y.push_back(median(readings));
    }
    if (teeth.x.size() < kTeethForATrend) return std::nullopt;
    // A second test of the same floor, made when the first failed: at a stricter level, so that the two
    // together keep the false leaks a flat sawtooth draws near the one test's rate.
    if (!(robust_slope(teeth, 1 - (1 - confidence) / kStricterForASecondTest).ci_low > 0)) return std::nullopt;
    SlopeEstimate rise = robust_slope(teeth, confidence);  // the interval the report gives, at its own level
    if (troughs.slope < kTroughShareOfTeethRise * rise.slope || troughs.ci_high < rise.slope) return std::nullopt;
    // The line the floor follows: the teeth's slope through the troughs (the medians sit half a tooth up).
    std::vector<double> offsets;
    for (std::size_t i : cycles.troughs)
        if (i >= begin) offsets.push_back(values[i] - rise.slope * grid.t[i]);
    if (!offsets.empty()) rise.intercept = median(offsets);
    return rise;
}

double confidence_of(const Diagnosis& d, bool growing, bool flat_for_sure, std::size_t steady_points) {
    // More data, more trust: below ~50 points in steady state the shape itself is uncertain.
    const double data = std::min(1.0, 0.5 + static_cast<double>(steady_points) / 100.0);
    double evidence;
    if (growing) evidence = std::max(0.6, 1.0 - d.trend_p_value);  // lower when Mann–Kendall is less sure than the interval
    else evidence = flat_for_sure ? 0.95 : 0.75;
    return std::clamp(std::min(0.99, evidence) * data, 0.0, 1.0);
}

}  // namespace

// Too few independent points (a sawtooth of four teeth is measured on four troughs) leave Sen's
// interval without a rank to stop at: ±infinity. The data still bound the rate: a steady rate r over
// the steady part would move memory by r·T, which cannot exceed the whole range the series spans. So
// the interval becomes ±range/T — wide, honest, and a number where readers need one.
// The points [begin, end) of a steady part.
static Steady slice(const Steady& steady, std::size_t begin, std::size_t end) {
    Steady part;
    part.x.assign(steady.x.begin() + static_cast<std::ptrdiff_t>(begin), steady.x.begin() + static_cast<std::ptrdiff_t>(end));
    part.y.assign(steady.y.begin() + static_cast<std::ptrdiff_t>(begin), steady.y.begin() + static_cast<std::ptrdiff_t>(end));
    return part;
}

static void bound_unbounded_interval(Diagnosis& d, const CleanSeries& series) {
    if (std::isfinite(d.rate_ci_low_bytes_per_s) && std::isfinite(d.rate_ci_high_bytes_per_s)) return;
    if (series.t.empty()) return;
    const auto [low, high] = std::minmax_element(series.value.begin(), series.value.end());
    const double span_s = series.t.back() - std::max(d.warmup_end_s, series.t.front());
    if (span_s <= 0 || low == series.value.end()) return;
    const double bound = (*high - *low) / span_s;
    if (!std::isfinite(d.rate_ci_low_bytes_per_s)) d.rate_ci_low_bytes_per_s = std::min(-bound, d.steady_rate_bytes_per_s);
    if (!std::isfinite(d.rate_ci_high_bytes_per_s)) d.rate_ci_high_bytes_per_s = std::max(bound, d.steady_rate_bytes_per_s);
}

DetailedDiagnosis diagnose_detailed(const Series& series, const Options& options) {
    DetailedDiagnosis result;
    Diagnosis& d = result.diagnosis;
    SummaryFacts& facts = result.facts;
    d.limit_bytes = options.limit_bytes;

    const CleanSeries clean = clean_series(series);
    const std::size_t n = clean.t.size();
    facts.samples = n;
    facts.duration_s = n > 1 ? clean.t.back() - clean.t.front() : 0;
    facts.start_t_s = n > 0 ? clean.t.front() : 0;
    if (n > 0) {
        d.final_bytes = clean.value.back();
        d.peak_bytes = clean.value_max.empty() ? *std::max_element(clean.value.begin(), clean.value.end())
                                               : *std::max_element(clean.value_max.begin(), clean.value_max.end());
        d.baseline_bytes = clean.value.front();
        d.warmup_end_s = clean.t.front();
    }
    if (n < kMinSamples || facts.duration_s < kMinDurationS) {
        d.pattern = Pattern::insufficient_data;
        d.summary = summarize(d, facts);
        return result;
    }

    const Grid grid = make_grid(clean, std::clamp<std::size_t>(options.max_points, 50, 20'000));
    const std::size_t m = grid.t.size();
    const double level = median(grid.median);
    // A floor on sigma so a perfectly flat (or quantised) series does not make every wiggle significant.
    const double sigma = std::max(noise_sigma_from_differences(grid.median), 1e-6 * std::fabs(level) + 1e-9);
    // Shapes (teeth, spikes, steps) smaller than 1.5% of the process are not worth naming.
    const double shape_threshold = std::max(6 * sigma, 0.015 * std::fabs(level));

    // 1. Cycles, and the floor series the trend is measured on.
    const std::vector<double> smooth = remove_isolated_outliers(grid.median, sigma);
    const CycleAnalysis cycles = analyse_cycles(smooth, shape_threshold);
    std::vector<double> floor;
    std::vector<char> usable(m, 1);
    if (cycles.kind == CycleKind::sawtooth) {
        floor = rolling_min(smooth, static_cast<std::size_t>(std::ceil(1.25 * cycles.period_bins)) + 1);
    } else if (cycles.kind == CycleKind::spikes) {
        floor = smooth;
        usable = std::vector<char>(m, 0);
        for (std::size_t i = 0; i < m; ++i) usable[i] = !cycles.excursion[i];
        // Bridge the excursions so later steps see the baseline, not the batch.
        std::vector<char> keep(m);
        for (std::size_t i = 0; i < m; ++i) keep[i] = usable[i] && grid.observed[i];
        std::size_t previous = m;
        for (std::size_t i = 0; i < m; ++i) {
            if (!keep[i]) continue;
            if (previous == m) std::fill(floor.begin(), floor.begin() + static_cast<std::ptrdiff_t>(i), floor[i]);
            else
                for (std::size_t k = previous + 1; k < i; ++k)
                    floor[k] = floor[previous] + (floor[i] - floor[previous]) * static_cast<double>(k - previous) / static_cast<double>(i - previous);
            previous = i;
        }
        if (previous != m) std::fill(floor.begin() + static_cast<std::ptrdiff_t>(previous) + 1, floor.end(), floor[previous]);
    } else {
        floor = smooth;
    }
    if (cycles.kind != CycleKind::none) {
        // The period the report shows: from the autocorrelation of the detrended series (it uses every
        // cycle, not just the drops) when it agrees with the spacing of the drops, else that spacing.
        d.period_s = cycles.period_bins * grid.bin_s;
        if (const auto acf_period = detect_period(smooth);
            acf_period && std::fabs(static_cast<double>(acf_period->lag) - cycles.period_bins) <= 0.25 * cycles.period_bins)
            d.period_s = static_cast<double>(acf_period->lag) * grid.bin_s;
        facts.cycle_amplitude = cycles.amplitude;
    }

    // 2. Segments of the floor (change points for the charts, steps for the staircase).
    const double floor_sigma = std::max(noise_sigma_from_differences(floor), 1e-6 * std::fabs(level) + 1e-9);
    const std::vector<Segment> segments = segment_floor(grid.t, floor, 1e-6 * std::fabs(level) + 1e-9);
    for (std::size_t k = 1; k < segments.size(); ++k) d.change_points_s.push_back(grid.t[segments[k].begin]);

    // 3. Warm-up and the start of steady state.
    const double warmup_threshold = std::max(5 * floor_sigma, 0.01 * std::fabs(level));
    const Warmup warmup = find_warmup(grid, floor, usable, warmup_threshold, floor_sigma);
    const std::size_t begin = warmup.end_index;
    d.warmup_bytes = warmup.bytes;
    d.warmup_end_s = begin == 0 ? clean.t.front() : grid.t[begin] - 0.5 * grid.bin_s;
    // An interpreter's imports in 0.2 s, then 1 MB more over 18 s: "in the first 18.2 s" alone reads as a
    // slow warm-up. When 90% of it had come, for the summary.
    for (std::size_t i = 0; warmup.bytes > 0 && i < begin; ++i)
        if (usable[i] && floor[i] >= floor.front() + 0.9 * warmup.bytes) {
            facts.warmup_mostly_by_s = grid.t[i];
            break;
        }

    // 4. Steady-state rate and trend.
    Steady steady = observed_part(grid, floor, usable, begin, m);
    if (cycles.kind == CycleKind::sawtooth) {
        // Under a sawtooth the trend is that of the troughs, one per tooth: a rolling minimum would be
        // flat for a cycle at a time, and its many tied pairs would pin the interval to zero.
        Steady troughs;
        for (std::size_t i : cycles.troughs) {
            if (i < begin) continue;
            troughs.x.push_back(grid.t[i]);
            troughs.y.push_back(smooth[i]);
        }
        if (troughs.x.size() >= 3) steady = std::move(troughs);
    }
    if (steady.x.size() < 5 && cycles.kind != CycleKind::sawtooth) steady = observed_part(grid, floor, std::vector<char>(m, 1), begin, m);
    SlopeEstimate rate = robust_slope(steady, options.confidence_level);
    const TrendTest trend = mann_kendall(steady.x, steady.y);
    d.trend_p_value = trend.p_value;
    const double steady_level = median(steady.y);
    const double practical_floor = std::max(options.practical_floor_bytes_per_s,
                                            options.practical_floor_fraction_per_hour * std::fabs(steady_level) / 3600.0);
    facts.level_bytes = steady_level;
    // Growth is called when the Theil–Sen interval (widened for autocorrelation) lies above zero. The
    // Mann–Kendall p-value is reported (and lowers the confidence when it disagrees) and feeds the
    // false-discovery control across sites; requiring it too would make the call the conjunction of two
    // 5% tests, which on the labelled development series missed 3-4% more leaks while precision stayed
    // above 0.98 without it.
    facts.significant = rate.ci_low > 0;
    if (!facts.significant && cycles.kind == CycleKind::sawtooth)
        if (const auto floor_rise = rise_told_by_whole_teeth(grid, smooth, cycles, begin, rate, options.confidence_level)) {
            rate = *floor_rise;
            facts.significant = true;
        }

    // 5. The shape of the growth, when there is growth to shape.
    Pattern growth_shape = Pattern::linear_growth;
    // A leak that starts late in a long flat run: most pairs of points lie in the flat part, so the
    // slope over the whole steady part (a median of pairwise slopes) is diluted below significance.
    // The hinge fit asks for far better than a line's fit and a significant climb after its break.
    std::optional<Onset> late_onset;
    if (!facts.significant && cycles.kind == CycleKind::none)
        if (const Onset onset = find_onset(steady.x, steady.y, options.confidence_level); onset.detected) {
            late_onset = onset;
            facts.significant = true;
        }
    const double step_threshold = std::max({5 * floor_sigma, 0.01 * std::fabs(level), kQuantaInAStep * options.allocation_quantum_bytes});
    // A few tall steps on an exact gauge (a hash table doubling its capacity: 1.1, 2.2, 4.3, 8.5 MB in
    // 18 s) tie most pairs of points within a step, and a line through them leaves residuals that are
    // one long run on each side: widened for that autocorrelation, Sen's interval reaches zero, and four
    // steps that never came down read "stable". The widening's premise, residuals that wander, does not
    // hold there: they are the steps. Steps that only rise are tested on Sen's own interval.
    if (!facts.significant && cycles.kind == CycleKind::none)
        if (steps_only_rise(find_staircase(segments, grid.t, begin, step_threshold), grid.t.back())) {
            rate = theil_sen(steady.x, steady.y, {.confidence_level = options.confidence_level});
            facts.significant = rate.ci_low > 0;
        }
    if (facts.significant && cycles.kind == CycleKind::none) {
        const Staircase staircase = find_staircase(segments, grid.t, begin, step_threshold);
        SlopeEstimate recent;
        if (staircase.detected) {
            growth_shape = Pattern::staircase_growth;
            facts.steps = staircase.steps;
            // Steps that began after a long flat stretch, where only the climb from its start proved
            // growth: measured from there, as a late onset is (over the whole steady part the rate's
            // interval reached zero: "Leak: grows in 2 steps ..., 11.7 MB/h (95% CI 0 B/h to 27.0 MB/h)").
            if (late_onset) {
                Steady climb = slice(steady, late_onset->index, steady.x.size());
                if (const SlopeEstimate climbing = robust_slope(climb, options.confidence_level); climbing.ci_low > 0) {
                    rate = climbing;
                    d.onset_s = steady.x[late_onset->index];
                }
            }
        } else if (const Onset onset = late_onset ? *late_onset : find_onset(steady.x, steady.y, options.confidence_level); onset.detected) {
            // Flat, then a steady climb: a leak that started late, measured from where it started
            // (a line through the flat part would halve its rate).
            Steady climb = slice(steady, onset.index, steady.x.size());
            rate = robust_slope(climb, options.confidence_level);
            d.onset_s = steady.x[onset.index];
        } else if (is_accelerating(steady, options.confidence_level, recent)) {
            // A leak that starts late but more gradually than a hinge: when the middle third already
            // climbs nearly as fast as the last one, growth has settled into one rate, and today's
            // rate is the last half's. Quadratic or exponential growth keeps speeding up (middle/last
            // slope 0.6 or less) and stays accelerating.
            const std::size_t n = steady.x.size();
            Steady middle_third = slice(steady, n / 3, 2 * n / 3);
            const SlopeEstimate middle = robust_slope(middle_third, options.confidence_level);
            if (middle.slope > recent.slope / 1.35) {
                // Unless the last half alone is too short to be sure of its pace (its interval reaching
                // zero under a leak called on the whole steady part: "Leak: 1.68 kB/s (95% CI -1.59 kB/s
                // to 5.07 kB/s)", 39 readings 210 s apart); then the whole part's rate stands.
                Steady last_half = slice(steady, n / 2, n);
                if (const SlopeEstimate last = robust_slope(last_half, options.confidence_level); last.ci_low > 0) rate = last;
            } else if (recent.ci_low > 0) {
                growth_shape = Pattern::accelerating_growth;
                rate = recent;  // the rate that matters for the projection is today's, not the average
            }  // else: the last third alone is too short to be sure of its pace; the whole steady part's rate stands
        }
    }
    // Growth that keeps slowing down is a warm-up still settling (a cache filling ever more slowly),
    // not growth that continues: its steady part decelerates and a saturating curve fits it far better
    // than a line. Judged on the steady part, so a warm-up followed by a slow leak is not it (and on the
    // whole climb only where the steady part's tail keeps to one curve with the warm-up: below).
    bool settling = false;
    Saturation saturation;
    const auto settle_on = [&](const Saturation& curve) {
        settling = true;
        saturation = curve;
        facts.settling_rate_now = saturation_rate_at(saturation, steady.x.back());
        facts.settled_so_far_bytes = std::max(0.0, saturation_level_at(saturation, steady.x.back()) - floor.front());
        const std::size_t n = steady.x.size();
        Steady last_third = slice(steady, n - n / 3, n);
        rate = robust_slope(last_third, options.confidence_level);  // today's pace, not the average
        d.settling_toward_bytes = saturation.asymptote;
        d.warmup_bytes = std::max(0.0, saturation.asymptote - floor.front());
        d.warmup_end_s = std::min(grid.t.back(), saturation.t0_s + 3 * saturation.tau_s);
    };
    Slowing slowing;
    bool growth_stopped = false;  // slowed down to no growth at all (below)
    std::optional<Knee> knee;
    // A fill that slowed once to one pace kept since (find_knee): the pace after it is today's. True when found.
    const auto take_knee = [&] {
        const Knee found = find_knee(steady.x, steady.y, options.confidence_level);
        if (!found.detected) return false;
        knee = found;
        Steady after_knee = slice(steady, found.index, steady.x.size());
        rate = robust_slope(after_knee, options.confidence_level);
        return true;
    };
    // Under a sawtooth the same holds for its troughs (a JIT compiling while a GC cycles).
    if (facts.significant && cycles.kind != CycleKind::spikes && growth_shape == Pattern::linear_growth && !d.onset_s) {
        if (const Saturation curve = fit_saturation(steady.x, steady.y, options.confidence_level); curve.detected) {
            // A fill that ended once under growth that goes on bends too, and a curve through both reads the
            // pace after the bend as a tail still levelling off: two lines that fit far better, the second
            // keeping one pace, are that fill and that growth (find_knee). py_export_result_unpolled_leak,
            // RSS alone (session 27): 0.77 MB/s to 7.2 s while the polled results' grace window filled, then
            // the leak's 190 kB/s to the end, read "Warm-up still settling ... toward about 19.5 MB (now
            // +302 MB/h): no leak".
            if (cycles.kind != CycleKind::none || !take_knee()) settle_on(curve);
        }
    }
    // Growth that slows down clearly but has not levelled off enough to prove it: a warm-up's tail and a
    // slow leak after one cannot be told apart yet (undecided below), and its pace today is the last third's.
    if (facts.significant && !settling && !knee && cycles.kind != CycleKind::sawtooth && growth_shape == Pattern::linear_growth &&
        !d.onset_s) {
        slowing = find_slowing(steady.x, steady.y, options.confidence_level);
        const std::size_t n = steady.x.size();
        // The whole climb, warm-up and steady part, for a curve through both (only when no knee is found).
        const auto settles_through_steady_part = [&] {
            const Steady all_observed = observed_part(grid, floor, usable, 0, m);
            return fit_saturation_through_steady_part(all_observed.x, all_observed.y, steady.x.front(), options.confidence_level);
        };
        if (slowing.detected) {
            if (take_knee()) {
                // It slowed once and has kept one pace since: a fast fill that ended, under growth that goes
                // on (numpy views pinning 5 blocks a second under a gateway filling its buffers for 8 s:
                // RSS 820 kB/s, then 328 kB/s to the end). Nothing left to settle; today's pace is after it.
                slowing = Slowing{};
            } else if (const Saturation whole = settles_through_steady_part(); whole.detected) {
                // Too short a tail to prove it levels off alone, but the whole climb is one curve that does,
                // and the tail keeps to it.
                slowing = Slowing{};
                settle_on(whole);
            } else {
                Steady last_third = slice(steady, n - n / 3, n);
                rate = robust_slope(last_third, options.confidence_level);
                // A climb that stopped: the last third holds one level (an exact gauge, level to the byte: Sen's
                // interval exactly zero). What came before it is one-time growth, a warm-up that ended where the series
                // reached the level it keeps. py_usage_rollup_export_spikes, sampled (session 28): pymalloc's
                // arenas kept +4.4, +2.1, +2.1 and +1.0 MB after the first four exports of a rollup every 3 s,
                // none after the fifth, and the heap stayed at 14.67 MB to the byte for its last 5 s; the
                // baseline under the exports "rose 1.80 GB/h".
                if (rate.ci_low == 0 && rate.ci_high == 0) {
                    const double reached = median(last_third.y);
                    std::size_t level_from = n - n / 3;
                    while (level_from > 0 && steady.y[level_from - 1] >= reached - 2 * floor_sigma) --level_from;
                    d.warmup_end_s = steady.x[level_from];
                    d.warmup_bytes = std::max(d.warmup_bytes, reached - floor.front());
                    growth_stopped = true;
                }
            }
        } else if (d.warmup_bytes > 0 && rate.slope > 0 &&
                   watch_more_before_deciding({.rate = rate, .span_s = steady.x.back() - steady.x.front(), .level_bytes = steady_level,
                                               .warmup_bytes = d.warmup_bytes, .warmup_duration_s = d.warmup_end_s - clean.t.front()})) {
            // Growth too small yet to tell from a warm-up's tail (the wait below), slowing too gently within
            // the steady part alone to show it: the warm-up and the steady part may still be one curve levelling
            // off, which a leak after a warm-up is not (its tail climbs on off the curve). c_edge_response_
            // cache_lru_flat, sampled (session 27): an LRU filled to 32.85 MB in 2.5 s, then +70 kB over 13 s,
            // read "caches filling ... watch at least 3 min more". On the synthetic benchmark (seed 314159,
            // 13,000 series) the saturating warm-ups' patterns went from 84.0% to 94.8% right (waits that now
            // settle); leak precision and recall unchanged. (profiler_symbol_cache_settling's heap, three tiers
            // of misses halving, has a tail slower than one exponential, which this curve cannot follow: it
            // still waits.)
            if (const Saturation whole = settles_through_steady_part(); whole.detected) settle_on(whole);
        }
    }
    // Practically significant: above the relative floor, and the growth over the steady state stands out
    // of the series' own noise (with many sites tested, a slope well inside the noise band is chance).
    const double steady_span_s = steady.x.empty() ? 0 : steady.x.back() - d.onset_s.value_or(steady.x.front());
    const bool out_of_the_noise = rate.slope * steady_span_s >= kNoiseBandsToMatter * sigma;
    facts.above_practical_floor = rate.slope >= practical_floor && out_of_the_noise;
    facts.within_noise = rate.slope >= practical_floor && !out_of_the_noise;
    const bool significant_growth = !settling && facts.significant && rate.slope > 0 && facts.above_practical_floor;
    // Significant growth still too small to tell from a warm-up's tail or from noise: undecided.
    if (significant_growth)
        d.watch_more_s = watch_more_before_deciding({.rate = rate, .span_s = steady_span_s, .level_bytes = steady_level,
                                                     .warmup_bytes = d.warmup_bytes, .warmup_duration_s = d.warmup_end_s - clean.t.front()});
    // Slowing down: watch until a curve levelling off could be proven (the pace falling to a third,
    // 1.65 e-folding times of the steady part) or as long again, whichever is longer.
    if (significant_growth && slowing.detected) {
        facts.slowing_from_rate = slowing.first_slope;
        const double more_s = std::max(steady_span_s, 1.65 * slowing.tau_s - steady_span_s);
        d.watch_more_s = whole_minutes(std::max(more_s, d.watch_more_s.value_or(0)));
    }
    // A collected heap's "warm-up" that lasts a third of the run is its growth ahead of the collections
    // as much as a warm-up: it is judged across the releases too.
    const double run_s = clean.t.back() - clean.t.front();
    const bool collector_warmup_late = options.releases_by_collector && d.warmup_end_s - clean.t.front() > run_s / 3;
    const auto wait_for_releases = [&](std::size_t seen, double more_s) {
        facts.releases_undecided = true;
        facts.collected_heap = options.releases_by_collector;
        facts.releases = seen;
        d.watch_more_s = whole_minutes(more_s);
    };
    // Lows of a sawtooth that climb by half a tooth or more over the run, on too few teeth for the
    // trend test (four rising troughs cannot reach 5%), are no evidence of a flat floor either.
    // Unless the lows fall back by a good share of that climb: a leak's lows rise from one release to the
    // next, and lows that wander as much as they climb are no climb (jemalloc_pool_flat's heap, 4,096
    // buffers of random sizes replaced 3,000 times a second: its troughs 14.52, 14.40, 14.67, 15.09, 14.83 MB,
    // a fall of 266 kB against a climb of 460 kB; bash_seen_ids_commands_leak's RSS fell back 344 kB of 2.1 MB).
    const std::size_t troughs = troughs_from(cycles, begin);
    const double climb = rate.slope * steady_span_s;
    const bool troughs_climb_unproven = !significant_growth && cycles.kind == CycleKind::sawtooth && rate.slope > 0 &&
                                        troughs >= kTroughsToJudgeAcrossReleases && troughs < kTroughsForAFlatFloor &&
                                        climb >= 0.5 * cycles.amplitude &&
                                        largest_fall_back(steady.y) < kLowsFallBackShareOfClimb * climb;
    if (troughs_climb_unproven && !d.watch_more_s)
        wait_for_releases(troughs, d.period_s.value_or(0) * static_cast<double>(kTroughsForAFlatFloor - troughs));
    if ((significant_growth || collector_warmup_late) && !d.watch_more_s) {
        const double steady_level = steady.y.empty() ? 0.0 : steady.y.front();
        const double start_level = clean.value.empty() ? 0.0 : clean.value.front();
        if (const auto releases = significant_growth ? releases_too_few_to_judge(cycles, begin, rate.slope * steady_span_s,
                                                                                 options.releases_by_collector, steady_level)
                                                     : releases_too_few_to_judge(cycles, 0, d.warmup_bytes, options.releases_by_collector,
                                                                                 start_level)) {
            double wait_s = std::max(2 * std::max(steady_span_s, run_s / 2),
                                     d.period_s.value_or(0) * static_cast<double>(kTroughsToJudgeAcrossReleases));
            // Growth with no release decides itself once past the collector's headroom: no longer a wait.
            if (significant_growth && rate.slope > 0 && options.releases_by_collector)
                wait_s = std::min(wait_s, (collector_headroom_bytes(steady_level) - rate.slope * steady_span_s) / rate.slope);
            wait_for_releases(*releases, wait_s);
        }
    }
    // The interval says growth, the rank test of the same points does not (undecided.hpp). Judged where
    // the rate is the whole steady part's: after an onset or a knee it is a slice's, which the test on
    // the whole part dilutes; under a sawtooth the few troughs cannot reach the test's level.
    if (significant_growth && !d.watch_more_s && cycles.kind != CycleKind::sawtooth && !d.onset_s && !knee && !slowing.detected)
        if (const auto more_s = watch_while_trend_unproven(trend, rate, steady_span_s)) {
            facts.trend_unproven_p = trend.p_value;
            d.watch_more_s = more_s;
        }
    d.decided = !d.watch_more_s;
    // The fill before a knee is one-time growth: the start's deficit below the line after it, ending at
    // the knee (where the report's fit begins). Set after the wait for a warm-up's tail above: the knee's
    // own tests are what showed that its tail keeps one pace.
    if (knee && d.decided) {
        d.warmup_end_s = steady.x[knee->index];
        d.warmup_bytes = std::max(d.warmup_bytes, rate.intercept + rate.slope * steady.x.front() - steady.y.front());
        // The summary says the warm-up was a faster fill that ended, so that its length (8 s of a 20 s run)
        // does not read as a guess.
        facts.knee_fill_rate = knee->fill_rate;
    }
    const bool growing = significant_growth && d.decided;
    facts.settling = settling;

    // 6. The pattern.
    // A warm-up many teeth tall is the story of a bounded sawtooth's run (a cache filling to its size,
    // then swept every 250 ms): the teeth are a detail on its plateau. Under a history list truncated
    // at its cap the warm-up is about one tooth, and the sawtooth is the story.
    const bool warmup_dwarfs_teeth = cycles.kind == CycleKind::sawtooth && !growing && d.decided &&
                                     d.warmup_bytes >= kWarmupTeethForAPlateau * cycles.amplitude;
    facts.teeth_on_plateau = warmup_dwarfs_teeth;
    if (warmup_dwarfs_teeth) {
        d.pattern = Pattern::warmup_plateau;
    } else if (cycles.kind == CycleKind::sawtooth) {
        d.pattern = Pattern::bounded_sawtooth;
    } else if (cycles.kind == CycleKind::spikes) {
        d.pattern = Pattern::periodic_spikes;
    } else if (growing) {
        d.pattern = growth_shape;
    } else if (significant_growth) {
        d.pattern = growth_shape;  // undecided: the shape seen so far
    } else if (warmup.end_index > 0 || settling || growth_stopped) {
        d.pattern = Pattern::warmup_plateau;
    } else {
        d.pattern = Pattern::stable;
    }
    d.leak = growing;
    d.steady_rate_bytes_per_s = rate.slope;
    d.rate_ci_low_bytes_per_s = rate.ci_low;
    d.rate_ci_high_bytes_per_s = rate.ci_high;
    const double fit_start_s = d.onset_s.value_or(d.warmup_end_s);
    d.fit_intercept_bytes = rate.intercept + rate.slope * fit_start_s;
    d.baseline_bytes = d.fit_intercept_bytes;

    // 7. Per event: the same robust slope against the work counter instead of time.
    if (!grid.events.empty()) {
        Steady by_event;
        for (std::size_t i = begin; i < m; ++i) {
            if (!grid.observed[i] || !usable[i]) continue;
            by_event.x.push_back(grid.events[i]);
            by_event.y.push_back(floor[i]);
        }
        if (by_event.x.size() >= 5 && by_event.x.back() > by_event.x.front()) {
            const SlopeEstimate per_event = robust_slope(by_event, options.confidence_level);
            d.rate_bytes_per_event = per_event.slope;
            d.rate_per_event_ci_low = per_event.ci_low;
            d.rate_per_event_ci_high = per_event.ci_high;
        }
    }

    // 8. Projection from the peaks: value_max per bin, widened to a cycle for sawtooth/spikes.
    std::vector<double> envelope = grid.high;
    if (cycles.kind != CycleKind::none) envelope = rolling_max(grid.high, static_cast<std::size_t>(std::ceil(cycles.period_bins)) + 1);
    PeakLine peaks;
    double peak_offset = 0;
    {
        Steady peak_part = observed_part(grid, envelope, std::vector<char>(m, 1), begin, m);
        peak_offset = peak_part.y.empty() ? 0 : quantile(peak_part.y, 0.5) - quantile(steady.y, 0.5);
        // Peaks ride on the floor: the floor's fitted line plus the typical peak-over-floor height.
        peaks.at_steady_start = d.fit_intercept_bytes + std::max(0.0, peak_offset);
        peaks.at_end = rate.intercept + rate.slope * grid.t.back() + std::max(0.0, peak_offset);
        if (!peak_part.y.empty()) peaks.at_end = std::max(peaks.at_end, peak_part.y.back());
    }
    project(d, growing, peaks, clean.t.front(), clean.value_max.empty() ? clean.value : clean.value_max, options.limit_bytes);
    if (settling) project_settling(d, saturation, std::max(0.0, peak_offset), grid.t.back());
    bound_unbounded_interval(d, clean);
    d.severity = grade(d, growing, steady_level);
    d.confidence = d.decided ? confidence_of(d, growing, rate.ci_high < practical_floor, steady.x.size()) : 0.5;
    d.summary = summarize(d, facts);
    result.growing = growing;
    return result;
}

}  // namespace leakscope::diagnosis::detail

namespace leakscope::diagnosis {

Diagnosis diagnose(const Series& series, const Options& options) { return detail::diagnose_detailed(series, options).diagnosis; }

}  // namespace leakscope::diagnosis
