#include "diagnosis/steady_state.hpp"

#include <algorithm>
#include <cmath>

#include "diagnosis/effective_sample_size.hpp"
#include "diagnosis/robust_stats.hpp"

namespace leakscope::diagnosis::detail {

Steady observed_part(const Grid& grid, std::span<const double> values, std::span<const char> usable, std::size_t begin, std::size_t end) {
    Steady part;
    for (std::size_t i = begin; i < end; ++i) {
        if (!grid.observed[i] || !usable[i]) continue;
        part.x.push_back(grid.t[i]);
        part.y.push_back(values[i]);
    }
    return part;
}

SlopeEstimate robust_slope(Steady& part, double confidence) {
    // The first pass only has to centre the residuals: a smaller pair subset does.
    SlopeEstimate first = theil_sen(part.x, part.y, {.confidence_level = confidence, .max_pairs = 20'000});
    // Widen Sen's interval by n / n_eff of the residuals: memory series are autocorrelated.
    part.residual.resize(part.x.size());
    for (std::size_t i = 0; i < part.x.size(); ++i) part.residual[i] = part.y[i] - (first.intercept + first.slope * part.x[i]);
    const double n = static_cast<double>(part.x.size());
    const double inflation = n / effective_sample_size(part.residual);
    return theil_sen(part.x, part.y, {.confidence_level = confidence, .variance_inflation = inflation});
}

bool starts_with_a_jump(std::span<const double> values) {
    return values.size() > 3 && values[1] - values[0] > 4 * std::max({values[2] - values[1], values[3] - values[2], 0.0});
}

// A warm-up may take at most this share of the run: the rest (a third at least) is the steady part it is judged by.
constexpr double kWarmupShareOfRun = 2.0 / 3.0;

// Warm-up = the beginning sits clearly below the line the second half of the run follows, and from
// some point on the series stays on that line. That point is where steady state begins; the deficit
// at the start is the one-time growth. Accelerating growth lies above the back-extrapolated line, a
// staircase crosses it again and again, so neither passes for a warm-up.
Warmup find_warmup(const Grid& grid, std::span<const double> floor, std::span<const char> usable, double threshold, double noise_sigma) {
    Warmup warmup;
    const std::size_t m = floor.size();
    if (m < 8) return warmup;
    Steady tail = observed_part(grid, floor, usable, m / 2, m);
    if (tail.x.size() < 3) return warmup;
    const SlopeEstimate line = theil_sen(tail.x, tail.y, {.max_pairs = 20'000});
    std::vector<double> deficit(m);
    for (std::size_t i = 0; i < m; ++i) deficit[i] = line.intercept + line.slope * grid.t[i] - floor[i];
    // The warm-up is the run of points well below the line that the series starts with (gaps of a
    // sample or two are noise). A dip later on, or a last sample caught in the exit, is no part of it.
    std::size_t last_high = m;
    for (std::size_t i = 0; i < m; ++i) {
        if (deficit[i] > threshold) last_high = i;
        else if (last_high != m && i > last_high + 2) break;
    }
    if (last_high == m) return warmup;
    // The knee is where the deficit drops under the threshold; the curve's last bit, still clearly
    // (2 sigma) below the line, belongs to the warm-up too, or it would tilt the steady slope.
    // The scatter around the line in the second half sets "clearly": a floor taken as a rolling
    // minimum is flat for stretches, so its sample-to-sample noise understates it.
    // An exact gauge (the tracker's live heap) has next to no scatter, and then a container's
    // doubling would count as "clearly below": a tenth of a percent of the level is the least that counts.
    const double scatter = 1.4826 * median_absolute_deviation(std::span<const double>(deficit).subspan(m / 2));
    const double resolution = 1e-3 * std::fabs(line.intercept + line.slope * grid.t[m - 1]);
    std::size_t end = last_high + 1;
    while (end < m && deficit[end] > 2 * std::max({noise_sigma, scatter, resolution})) ++end;
    // A tail that creeps on for most of the run (a few pages a second after a large warm-up, arenas
    // settling) is not part of the one-time growth: the warm-up ends at its knee, and the steady part
    // after it carries the creep, where the settling fit and the undecided rule judge it.
    if (static_cast<double>(end) > kWarmupShareOfRun * static_cast<double>(m)) end = last_high + 1;
    if (static_cast<double>(end) > kWarmupShareOfRun * static_cast<double>(m)) return warmup;  // not over: not a plateau
    // The one-time growth: how far the first sample sits below the steady line (a warm-up is often
    // half done by the second sample, so no averaging over the first few). In a long run a bin holds
    // many samples and its median may be a warm-up half done: the first sample is where it started.
    const std::size_t head = std::max<std::size_t>(1, std::min<std::size_t>(3, end));
    const double bytes = std::max(deficit[0], line.intercept + line.slope * grid.t[0] - grid.first_value);
    if (bytes <= threshold) return warmup;
    // And the growth must slow down for good: before the knee the floor climbs several times faster
    // than after it. Levels (medians of a tenth at each end) rather than a slope after the knee, so a
    // staircase's next step counts even when it is the only one left.
    auto level = [&](std::size_t from, std::size_t to) {
        return median(std::span<const double>(floor.begin() + static_cast<std::ptrdiff_t>(from), to - from));
    };
    const std::size_t tenth = std::max<std::size_t>(1, (m - end) / 10);
    const double at_knee = level(end, end + tenth);
    // Where the climb started: the median of the first few samples, or the first sample alone when the
    // warm-up is its jump to the second (a process caught as it exec'd, a runtime mapped at once): that
    // jump is several times any step after it, and all the climb after it is small beside it.
    const bool warmup_is_the_jump = starts_with_a_jump(floor) && at_knee - floor[1] < 0.25 * (floor[1] - floor[0]);
    const double start_level = warmup_is_the_jump ? floor[0] : level(0, head);
    const double before = (at_knee - start_level) / std::max(grid.t[end] - grid.t[0], 1e-9);
    const double after = (level(m - tenth, m) - at_knee) / std::max(grid.t[m - 1] - grid.t[end], 1e-9);
    if (!(before > 8 * std::max(after, 0.0))) return warmup;
    // A knee much earlier, where nine tenths of the climb were done, when the floor climbed from there
    // to `end` at no more than twice the pace after it, clearly (the upper end of its slope's interval),
    // and what follows is growth proven to the end of the run: those points are steady growth that a step left below the line, not the warm-up's tail. A leak into
    // containers that double their capacity rises in steps, and the line through the second half (after
    // the last step) sits above the floor before it: geo_gateway_referer_leak's heap jumped to 37.5 MB in
    // 1 s, then grew 43 kB/s, stepped 0.12 MB at 11 s as its 240 vectors doubled together, and grew
    // 30 kB/s after; the warm-up "lasted" 10.6 s, and 5.9 s of steady state against three warm-up lengths
    // left a leak undecided. A warm-up still settling climbs its last tenth faster than what follows, and
    // a noisy one cannot show the contrary: both keep their knee (with the points' pace instead of the
    // interval, one generated saturating warm-up of 49 noisy samples in 100 became a leak).
    std::size_t early = 0;
    while (early < end && floor[early] < start_level + 0.9 * (at_knee - start_level)) ++early;
    if (early + 4 < end && end + 4 < m) {
        const Steady tail = observed_part(grid, floor, usable, early, end);
        const Steady later = observed_part(grid, floor, usable, end, m);
        const Steady last_half = observed_part(grid, floor, usable, end + (m - end) / 2, m);
        if (tail.x.size() >= 4 && later.x.size() >= 4 && last_half.x.size() >= 4) {
            const SlopeEstimate tail_slope = theil_sen(tail.x, tail.y, {.max_pairs = 20'000});
            const SlopeEstimate later_slope = theil_sen(later.x, later.y, {.max_pairs = 20'000});
            // Only under growth that is proven to the end of the run: over a plateau or a sawtooth's floor
            // that crept a little after the knee and then stopped, a tail as slow as what follows is the
            // warm-up settling (audit_batch_flush_sawtooth's RSS crept 0.6 MB over 3.6-9 s, then its teeth
            // stood on one floor; its knee moved back to 3.9 s read the creep as lows climbing: undecided).
            const bool grows_to_the_end = theil_sen(last_half.x, last_half.y, {.max_pairs = 20'000}).ci_low > 0;
            if (grows_to_the_end && later_slope.slope > 0 && tail_slope.ci_high <= 2 * later_slope.slope) end = early + 1;
        }
    }
    warmup.end_index = end;
    warmup.bytes = bytes;
    return warmup;
}

// PELT on block medians of the floor (about 200 blocks): autocorrelated noise, which a penalty from the
// sample-to-sample noise would otherwise cut into hundreds of segments, averages out within a block,
// and steps stay sharp. Segments are mapped back to grid indices.
std::vector<Segment> segment_floor(std::span<const double> t, std::span<const double> floor, double min_sigma) {
    constexpr std::size_t kBlocks = 200;
    const std::size_t m = floor.size();
    const std::size_t block = std::max<std::size_t>(1, m / kBlocks);
    std::vector<double> block_t, block_value, chunk;
    std::vector<std::size_t> block_begin;
    for (std::size_t from = 0; from < m; from += block) {
        const std::size_t to = std::min(m, from + block);
        chunk.assign(floor.begin() + static_cast<std::ptrdiff_t>(from), floor.begin() + static_cast<std::ptrdiff_t>(to));
        block_t.push_back(0.5 * (t[from] + t[to - 1]));
        block_value.push_back(median(chunk));
        block_begin.push_back(from);
    }
    block_begin.push_back(m);
    const double sigma = std::max(noise_sigma_from_differences(block_value), min_sigma);
    std::vector<Segment> segments = pelt_linear_segments(block_t, block_value, {.noise_sigma = sigma});
    for (Segment& segment : segments) {
        segment.begin = block_begin[segment.begin];
        segment.end = block_begin[segment.end];
    }
    return segments;
}

// Steps: where the piecewise-linear fit jumps. A transition is a run of segment boundaries and short
// segments (a step sampled mid-way, or noise the segmentation split off) between long segments; its
// growth is the jumps at the boundaries plus the short segments' own climb. A staircase is when such
// transitions, not the slopes of the long segments, carry most of the growth.
Staircase find_staircase(const std::vector<Segment>& segments, std::span<const double> t, std::size_t begin, double threshold) {
    Staircase staircase;
    const std::size_t steady_len = t.size() - begin;
    const std::size_t short_len = std::max<std::size_t>(4, steady_len / 30);
    // The pace of the long segments (the ramp between steps, ~0 for a true staircase). A short
    // segment or a jump counts as a step only by what it climbs beyond that pace: a clean linear
    // series that PELT cuts into many short pieces (no noise to merge them) has no steps.
    std::vector<double> ramp_slopes;
    std::size_t resting_points = 0;
    for (const Segment& segment : segments) {
        const std::size_t from = std::max(segment.begin, begin);
        if (segment.end > begin && segment.end - from > short_len) {
            ramp_slopes.push_back(segment.slope);
            resting_points += segment.end - from;
        }
    }
    // A staircase rests between its steps: most of its time is spent in long pieces. A ramp that PELT
    // cut at every quantum (256 KB mapped every 2.5 samples, say) is all short pieces, with perhaps
    // one long one whose pace says little: that is not a staircase.
    if (2 * resting_points < steady_len) return staircase;
    std::nth_element(ramp_slopes.begin(), ramp_slopes.begin() + static_cast<std::ptrdiff_t>(ramp_slopes.size() / 2), ramp_slopes.end());
    const double ramp_slope = std::max(0.0, ramp_slopes[ramp_slopes.size() / 2]);
    double step_growth = 0, ramp_growth = 0, descent = 0, transition = 0;
    const Segment* previous = nullptr;
    auto close_transition = [&](double at_s) {
        if (transition >= threshold) {
            ++staircase.steps;
            step_growth += transition;
            staircase.step_t_s.push_back(at_s);
        }
        if (transition <= -threshold) ++staircase.falls;
        descent += std::max(-transition, 0.0);
        transition = 0;
    };
    for (const Segment& segment : segments) {
        if (segment.end <= begin) continue;
        const std::size_t from = std::max(segment.begin, begin);
        const double climb = segment.slope * (t[segment.end - 1] - t[from]);
        if (previous != nullptr) {
            const double gap_s = t[from] - t[std::max(previous->end, std::size_t{1}) - 1];
            transition += segment.level_at_begin - previous->level_at_end - ramp_slope * gap_s;
        }
        if (segment.end - from <= short_len) {
            transition += climb - ramp_slope * (t[segment.end - 1] - t[from]);
        } else {
            close_transition(t[from]);
            ramp_growth += std::max(climb, 0.0);
            descent += std::max(-climb, 0.0);
        }
        previous = &segment;
    }
    close_transition(t.back());
    // Steps that never come back down: a level that gave back half of what its steps climbed, in falls or
    // long slopes down, wanders (noisy_flat's working set, 18.4 -> 21.1 -> 19.0 -> 21.8 MB in 10 s, read
    // "grows in 4 steps that never come back down").
    staircase.detected = staircase.steps >= 2 && step_growth >= 0.6 * (step_growth + ramp_growth) && descent < 0.5 * step_growth;
    return staircase;
}

bool steps_only_rise(const Staircase& staircase, double end_s) {
    if (!staircase.detected || staircase.steps < 3 || staircase.falls > 0 || staircase.step_t_s.size() < 3) return false;
    double longest_rest_s = 0;
    for (std::size_t k = 1; k < staircase.step_t_s.size(); ++k)
        longest_rest_s = std::max(longest_rest_s, staircase.step_t_s[k] - staircase.step_t_s[k - 1]);
    return end_s - staircase.step_t_s.back() <= longest_rest_s;
}

// Growth speeding up: the last third of the steady part climbs clearly faster than the first third.
bool is_accelerating(const Steady& steady, double confidence, SlopeEstimate& recent) {
    const std::size_t n = steady.x.size();
    if (n < 15) return false;
    auto third = [&](std::size_t k) {
        Steady part;
        part.x.assign(steady.x.begin() + static_cast<std::ptrdiff_t>(k * n / 3), steady.x.begin() + static_cast<std::ptrdiff_t>((k + 1) * n / 3));
        part.y.assign(steady.y.begin() + static_cast<std::ptrdiff_t>(k * n / 3), steady.y.begin() + static_cast<std::ptrdiff_t>((k + 1) * n / 3));
        return robust_slope(part, confidence);
    };
    const SlopeEstimate early = third(0);
    recent = third(2);
    return recent.slope > 1.8 * std::max(early.slope, 0.0) && recent.ci_low > early.slope && recent.slope > 0;
}

}  // namespace leakscope::diagnosis::detail
