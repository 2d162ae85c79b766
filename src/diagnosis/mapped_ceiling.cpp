#include "diagnosis/mapped_ceiling.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "diagnosis/rss_explanation.hpp"
#include "diagnosis/severity_projection.hpp"
#include "diagnosis/undecided.hpp"
#include "diagnosis/units.hpp"

namespace leakscope::diagnosis::detail {
namespace {

// RSS's growth is anonymous memory when anonymous RSS gained at least this share of it (file-backed
// pages, a mapped file being read, are not in VmData)...
constexpr double kAnonymousShare = 0.5;
// ...and the mappings did not grow with it when VmData gained under this share of the anonymous gain.
// Leaks measured on the corpus gain 0.8 to 1.6 times as much VmData; filling ones gain none.
constexpr double kMappedShare = 0.25;
// Enough samples that the two ends of the window are levels, not single readings.
constexpr std::size_t kMinSamples = 20;

}  // namespace

std::optional<MappedCeiling> growth_into_mapped_memory(const ProcessSeries& series, double from_s, double to_s,
                                                       std::optional<double> limit_bytes) {
    if (!series.vm_data || !series.anon_rss || series.vm_data->t_s.size() < kMinSamples || !(to_s > from_s)) return std::nullopt;
    std::size_t in_window = 0;
    for (const double t : series.vm_data->t_s) in_window += t >= from_s && t <= to_s;
    if (in_window < kMinSamples) return std::nullopt;

    MappedCeiling c;
    const double rss_gain = gain(series.rss, from_s, to_s);
    c.anon_gain = gain(*series.anon_rss, from_s, to_s);
    if (!(rss_gain > 0) || c.anon_gain < kAnonymousShare * rss_gain) return std::nullopt;
    c.vm_data_gain = gain(*series.vm_data, from_s, to_s);
    if (c.vm_data_gain >= kMappedShare * c.anon_gain) return std::nullopt;

    const double half_width_s = 0.05 * (to_s - from_s);
    c.vm_data = level_near(*series.vm_data, to_s - half_width_s, half_width_s);
    // Anonymous RSS also counts the main thread's stack and shared anonymous pages, which VmData does
    // not: the headroom errs low. Thread stacks are in VmData, mapped whole and mostly never touched
    // (8 MiB each by default; a five-thread service had 32.7 MB of its 33.8 MB "headroom" there): no
    // heap grows into them, so what of them is not resident is no room (when smaps told it).
    c.headroom = c.vm_data - level_near(*series.anon_rss, to_s - half_width_s, half_width_s);
    if (series.unresident_stacks) c.headroom -= level_near(*series.unresident_stacks, to_s, half_width_s);
    c.headroom = std::max(0.0, c.headroom);
    c.ceiling = level_near(series.rss, to_s - half_width_s, half_width_s) + c.headroom;
    // A bound above the limit does not keep the process from reaching it.
    if (limit_bytes && c.ceiling >= *limit_bytes) return std::nullopt;
    c.rate = rss_gain / (to_s - from_s);
    c.fill_s = c.headroom / c.rate;
    double threads = 1;
    if (series.threads)
        for (std::size_t i = 0; i < series.threads->t_s.size(); ++i)
            if (series.threads->t_s[i] >= from_s && series.threads->t_s[i] <= to_s) threads = std::max(threads, series.threads->value[i]);
    c.allocator_slack = threads * kArenaTopSlackBytes;
    return c;
}

bool bound_tested(const MappedCeiling& c) {
    return c.anon_gain >= kFilledShareToTestTheBound * (c.anon_gain + c.headroom) && c.anon_gain > c.allocator_slack;
}

Diagnosis filling_mapped_memory(const DetailedDiagnosis& rss, const MappedCeiling& ceiling) {
    Diagnosis d = rss.diagnosis;
    d.pattern = Pattern::warmup_plateau;
    d.leak = false;
    d.decided = true;
    d.watch_more_s.reset();
    d.time_to_limit_s.reset();
    d.restart_interval_s.reset();
    d.settling_toward_bytes = ceiling.ceiling;
    // The one-time growth so far: the warm-up RSS saw, and the filling after it.
    d.warmup_bytes = rss.diagnosis.warmup_bytes + std::max(0.0, rss.diagnosis.final_bytes - rss.diagnosis.baseline_bytes);
    d.severity = d.fraction_of_samples_near_limit >= kNearLimitFraction ? Severity::high : Severity::none;
    d.summary = fmt::format(
        "RSS grows {}, but only into memory the process mapped earlier: its private writable mappings stay at {} "
        "({} while anonymous memory gained {}), so RSS levels off by {} at most, {} above now. A buffer, pool or "
        "cache being filled, not a leak; a leak would have to map more memory.",
        format_rate(rss.diagnosis.steady_rate_bytes_per_s), format_bytes(ceiling.vm_data),
        format_bytes(ceiling.vm_data_gain, true), format_bytes(ceiling.anon_gain, true), format_bytes(ceiling.ceiling),
        format_bytes(ceiling.headroom));
    return d;
}

Diagnosis filling_untested_room(const DetailedDiagnosis& rss, const MappedCeiling& ceiling) {
    Diagnosis d = rss.diagnosis;
    // Until the headroom is used, or at least until the growth outgrew the allocator's slack.
    make_undecided(d, std::max(ceiling.fill_s, (ceiling.allocator_slack - ceiling.anon_gain) / ceiling.rate));
    if (d.fraction_of_samples_near_limit >= kNearLimitFraction) d.severity = Severity::high;
    d.summary = fmt::format(
        "RSS grows {} into memory the process mapped earlier (its private writable mappings stay at {}: {} while "
        "anonymous memory gained {}), with {} of it not resident yet: a pool or cache being filled stops there, a "
        "leak has to map more once it is used, {} from now at this pace. Too early to tell: watch at least {} more.",
        format_rate(rss.diagnosis.steady_rate_bytes_per_s), format_bytes(ceiling.vm_data), format_bytes(ceiling.vm_data_gain, true),
        format_bytes(ceiling.anon_gain, true), format_bytes(ceiling.headroom), format_duration(ceiling.fill_s),
        format_duration(*d.watch_more_s));
    return d;
}

}  // namespace leakscope::diagnosis::detail
