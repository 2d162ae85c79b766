#include "analysis/teardown.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace leakscope::analysis {
namespace {

/// A level the values kept coming back down to is where the program rests between its batches, not
/// where it ends up as it exits: a batch job that fills 30 MB for 0.5 s every 2 s and frees it rests
/// at 73 kB for 1.5 s between batches, and a run that ended 1.2 s into such a rest was cut as a
/// teardown (its last batch's fall then read as a spike that never returned; the run was called
/// flat). Counts how often the values before `end` fell back to `level` after being above it.
constexpr std::size_t kReturnsForARestingLevel = 2;
std::size_t returns_to(std::span<const double> values, std::size_t end, double level) {
    std::size_t returns = 0;
    bool above = false;
    for (std::size_t i = 0; i < end; ++i) {
        if (values[i] > level) {
            above = true;
        } else if (above) {
            ++returns;
            above = false;
        }
    }
    return returns;
}

/// The length of the longest trailing run of `values` whose every value is more than a quarter below
/// the median of the five values before the run, at most `most`. Judged against the level before the
/// whole run, not value by value: an interpreter frees a big list over a few samples and then idles at
/// its bottom before it exits (a slowly freed 41 MB list, then 0.4 s at 1 MB), and each of those last
/// samples is level with the ones just before it. 0 when the run sits at a level the values had come
/// back down to before (within a tenth of the fall).
std::size_t trailing_cliff(std::span<const double> values, std::size_t most) {
    std::size_t cliff = 0;
    double level_before = 0, highest_after = 0;
    for (std::size_t run = 1; run <= most && run + 5 < values.size(); ++run) {
        const std::size_t first = values.size() - run;
        std::vector<double> before(values.begin() + static_cast<std::ptrdiff_t>(first - 5),
                                   values.begin() + static_cast<std::ptrdiff_t>(first));
        std::nth_element(before.begin(), before.begin() + 2, before.end());
        const double highest = *std::max_element(values.begin() + static_cast<std::ptrdiff_t>(first), values.end());
        if (highest < 0.75 * before[2]) {
            cliff = run;
            level_before = before[2];
            highest_after = highest;
        }
    }
    if (cliff == 0) return 0;
    const double resting_level = highest_after + 0.1 * (level_before - highest_after);
    if (returns_to(values, values.size() - cliff - 5, resting_level) >= kReturnsForARestingLevel) return 0;
    return cliff;
}

/// The variance of a sampled site's estimate of `live_bytes` in `live_count` blocks, taken to be of the
/// site's mean size m: each of them is sampled with probability p = 1 - exp(-m/S) and then weighs m/p,
/// so the estimate's variance is count x m^2 x (1 - p)/p. About S x bytes for small blocks (the
/// estimate is a count of samples); nearly 0 for blocks much larger than S, which are always sampled.
double sampled_estimate_variance(double live_bytes, double live_count, double sample_bytes) {
    if (live_bytes <= 0 || live_count <= 0 || sample_bytes <= 0) return 0;
    const double mean_size = live_bytes / live_count;
    const double p = -std::expm1(-mean_size / sample_bytes);
    return live_count * mean_size * mean_size * (1 - p) / p;
}

/// Sampled tracking's heap gauge is the allocator's in-use figure, read seconds apart when the read is
/// slow: a teardown between two reads leaves the samples repeating the figure from before it. The
/// sites' estimates are the tracker's own view, sent every report: a journal vector freed as main
/// returned, in the report just before exit, left its 8.39 MB site at 0 B in the last column while
/// the heap gauge still read 8.48 MB, and the site was judged at 0 B live under a leak verdict
/// (vector_journal, sampled, one run in three). A fall of the sites' total counts only when sampling
/// cannot have made it: a few hundred kB of small blocks drawn at one sample per 512 KiB halve and
/// double from one report to the next (order_book_churn_flat: 5.8 MB, then 2.6 MB, then 3.1 MB).
/// The samples from the first column of the sites' trailing cliff on; 0 without sampled tracking.
std::size_t samples_after_sampled_sites_fell(const Recording& recording, std::size_t most) {
    const auto& grid = recording.sites;
    if (recording.info.tracker_mode != "sampled" || grid.t_s.size() < 12 || grid.sites.empty()) return 0;
    const auto sample_bytes = static_cast<double>(recording.info.sample_bytes);
    std::vector<double> totals(grid.t_s.size(), 0.0);
    std::vector<double> variances(grid.t_s.size(), 0.0);
    for (const auto& site : grid.sites) {
        for (std::size_t column = 0; column < totals.size() && column < site.live_bytes.size(); ++column) {
            const auto bytes = static_cast<double>(site.live_bytes[column]);
            totals[column] += bytes;
            if (column < site.live_count.size()) {
                variances[column] +=
                    sampled_estimate_variance(bytes, static_cast<double>(site.live_count[column]), sample_bytes);
            }
        }
    }
    const std::size_t cliff = trailing_cliff(totals, most);
    if (cliff == 0) return 0;
    // The fall from the column before the cliff to the cliff's highest column, against three standard
    // deviations of the two estimates' difference.
    const std::size_t before = totals.size() - cliff - 1;
    std::size_t highest = before + 1;
    for (std::size_t column = before + 1; column < totals.size(); ++column) {
        if (totals[column] > totals[highest]) highest = column;
    }
    const double fall = totals[before] - totals[highest];
    if (fall <= 3 * std::sqrt(variances[before] + variances[highest])) return 0;
    const double fell_by = grid.t_s[before + 1];
    const auto& samples = recording.samples;
    std::size_t after = 0;
    while (after < samples.size() && samples[samples.size() - after - 1].t_s >= fell_by) ++after;
    return std::min(after, most);
}

/// File-backed pages "not moving": a page's worth of jitter (a log file's last page, a shared
/// library's page reclaimed and faulted back).
constexpr std::uint64_t kFileBytesAtRest = 4096;
/// The least rise read as code paged in at exit: 16 pages (libgcc_s alone is about 30).
constexpr std::uint64_t kExitCodePaging = 16 * 4096;

}  // namespace

std::size_t teardown_samples(const Recording& recording) {
    const auto& samples = recording.samples;
    if (!recording.end || recording.info.attached || samples.size() < 12) return 0;
    const std::string& reason = recording.end->reason;
    if (reason != "exited" && reason != "duration" && reason != "interrupted") return 0;
    const std::size_t most = std::min<std::size_t>(20, samples.size() / 10);
    // Extends the trailing run of `drop` samples while the one before it, `end`, still `belongs`
    // (judged against the five samples before it). Only a run that reaches the end: a dip followed by a
    // recovery is behaviour, not teardown.
    const auto extend = [&](std::size_t drop, auto belongs) {
        while (drop < most) {
            const std::size_t end = samples.size() - drop - 1;
            if (end < 5 || !belongs(end)) break;
            ++drop;
        }
        return drop;
    };
    // Memory falling off a cliff, on the heap and its mappings where the tracker counts them.
    std::vector<double> gauge;
    gauge.reserve(samples.size());
    for (const auto& s : samples) {
        gauge.push_back(
            static_cast<double>(known(s.live_heap) ? s.live_heap + (known(s.mapped) ? s.mapped : 0) : s.rss));
    }
    std::size_t drop = std::max(trailing_cliff(gauge, most), samples_after_sampled_sites_fell(recording, most));
    // Threads ending as the program ends are teardown too, whatever the heap does: their stacks and
    // arena pages leave RSS (0.5-0.8 MB of a 10 MB two-thread service, its heap unchanged), which a
    // last sample would read as RSS falling against a flat heap. Fewer threads than all five before.
    drop = extend(drop, [&](std::size_t end) {
        std::uint32_t fewest_before = UINT32_MAX;
        for (std::size_t i = end - 5; i < end; ++i) fewest_before = std::min(fewest_before, samples[i].threads);
        return samples[end].threads < fewest_before;
    });
    // A program that exits pages in code it had not run: exiting threads make glibc load libgcc_s to
    // unwind them, destructors and atexit handlers fault in their own code. The last sample of a
    // settling symbol cache (profiler_symbol_cache_settling, --no-track) rose 156 kB in file-backed
    // pages alone after 8 s without one, and that rise on the run's slowest third kept the settling
    // curve from being proven. A rise of file-backed pages alone (anonymous memory rose less than
    // half of it), where they had not moved in the five samples before, is the exit's. A leak of
    // mapped files grows them all along and is never cut.
    drop = extend(drop, [&](std::size_t end) {
        const SamplePoint& last = samples[end];
        if (!known(last.file) || !known(last.anon)) return false;
        std::uint64_t low = UINT64_MAX, high = 0;
        for (std::size_t i = end - 5; i < end; ++i) {
            if (!known(samples[i].file) || !known(samples[i].anon)) return false;
            low = std::min(low, samples[i].file);
            high = std::max(high, samples[i].file);
        }
        if (high - low > kFileBytesAtRest || last.file < high + kExitCodePaging) return false;
        const double file_rise = static_cast<double>(last.file - high);
        const double anon_rise = static_cast<double>(last.anon) - static_cast<double>(samples[end - 1].anon);
        return anon_rise < 0.5 * file_rise;
    });
    return drop;
}

}  // namespace leakscope::analysis
