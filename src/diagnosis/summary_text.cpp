#include "diagnosis/summary_text.hpp"

#include <fmt/format.h>

#include <cmath>

#include "diagnosis/units.hpp"

namespace leakscope::diagnosis::detail {

std::string rate_with_interval(const Diagnosis& d) {
    std::string text = format_rate(d.steady_rate_bytes_per_s);
    if (std::isfinite(d.rate_ci_low_bytes_per_s) && std::isfinite(d.rate_ci_high_bytes_per_s)) {
        // Same unit for both ends: per hour when the centre is shown per hour.
        const bool hourly = text.ends_with("/h");
        auto show = [&](double v, int digits) { return hourly ? format_rate_per_h(v, false, digits) : format_rate_per_s(v, false, digits); };
        const auto [low, high] = interval_ends(d.rate_ci_low_bytes_per_s, d.rate_ci_high_bytes_per_s, show);
        text += fmt::format(" (95% CI {} to {})", low, high);
    }
    if (d.rate_bytes_per_event) text += fmt::format(", {} per event", format_bytes(*d.rate_bytes_per_event));
    return text;
}

std::string projection_sentence(const Diagnosis& d) {
    if (!d.limit_bytes) return "";
    if (d.time_to_limit_s) {
        std::string text = fmt::format(" At this rate the {} limit is reached in {}", format_bytes(*d.limit_bytes),
                                       format_duration(*d.time_to_limit_s));
        // The restart interval counts from a start, the time to the limit from now: when the first is the
        // longer, say so ("reached in 40.7 s; restarting every 46.1 s" read as a contradiction).
        if (d.restart_interval_s && *d.restart_interval_s > *d.time_to_limit_s)
            text += fmt::format("; restarting it {} after each start keeps it under.", format_duration(*d.restart_interval_s));
        else if (d.restart_interval_s)
            text += fmt::format("; restarting every {} keeps it under.", format_duration(*d.restart_interval_s));
        else text += "; even a fresh start does not leave 10% headroom.";
        return text;
    }
    if (d.fraction_of_samples_near_limit >= 0.5)
        return fmt::format(" {:.0f}% of samples are above 80% of the {} limit.", 100 * d.fraction_of_samples_near_limit,
                           format_bytes(*d.limit_bytes));
    return "";
}

namespace {

// "(+0.3 KB/s, not significant)" — why a small rate is not called a leak.
std::string flat_qualifier(const Diagnosis& d, const SummaryFacts& facts) {
    const std::string rate = format_rate(d.steady_rate_bytes_per_s, true);
    if (!facts.significant) return fmt::format("({}, not significant)", rate);
    if (facts.within_noise)  // above the floor, but inside the noise: not above_practical_floor either
        return fmt::format("({}, too little over the run to stand out of its noise)", rate);
    if (!facts.above_practical_floor) return fmt::format("({}, below the practical floor)", rate);
    return fmt::format("({})", rate);
}

// "flat (+0.3 KB/s, not significant)", or "drifting down, -147 MB/h (95% CI ...)" for a level that went down
// beyond doubt (drifts_down: memory given back, a cache shrinking, an allocator purging). Called flat and "not
// significant", it contradicted the report's own rate tile and Trend row (c_jemalloc_broker_flat, RSS alone:
// "then flat (-147 MB/h, not significant)" beside an interval of -263 to -25.9 MB/h; 9 of 678 summaries of the
// accuracy corpus in session 29). Such a fall is a slope, not a drop: that one was 0.5 MB over 13 s on 39 MB.
std::string flat_or_falling(const Diagnosis& d, const SummaryFacts& facts) {
    return drifts_down(d) ? "drifting down, " + rate_with_interval(d) : "flat " + flat_qualifier(d, facts);
}

std::string warmup_clause(const Diagnosis& d, const SummaryFacts& facts) {
    if (d.warmup_bytes <= 0) return "";
    const std::string clause = fmt::format(" after a one-time warm-up of {} in the first {}", format_bytes(d.warmup_bytes),
                                           format_duration(d.warmup_end_s - facts.start_t_s));
    // "(a fill at 2.95 GB/h, 2.5 times the leak's pace, that slowed to it there)"
    if (facts.knee_fill_rate && d.steady_rate_bytes_per_s > 0 && *facts.knee_fill_rate > d.steady_rate_bytes_per_s)
        return clause + fmt::format(" (a fill at {}, {:.1f} times the leak's pace, that slowed to it there)", format_rate(*facts.knee_fill_rate),
                                    *facts.knee_fill_rate / d.steady_rate_bytes_per_s);
    return clause;
}

// "in the first 5.7 s", or "90% of it in the first 400 ms, the rest by 18.2 s" when its tail took far longer.
std::string warmup_timing(const Diagnosis& d, const SummaryFacts& facts) {
    const double took_s = d.warmup_end_s - facts.start_t_s;
    if (facts.warmup_mostly_by_s && *facts.warmup_mostly_by_s - facts.start_t_s < 0.5 * took_s)
        return fmt::format("(90% of it in the first {}, the rest by {})", format_duration(*facts.warmup_mostly_by_s - facts.start_t_s),
                           format_duration(took_s));
    return fmt::format("in the first {}", format_duration(took_s));
}

std::string watch_more(const Diagnosis& d) {
    return d.watch_more_s ? fmt::format("watch at least {} more", format_duration(*d.watch_more_s)) : std::string("watch longer");
}

// Significant growth that is still too small to decide on (see undecided.hpp).
std::string undecided_summary(const Diagnosis& d, const SummaryFacts& facts) {
    if (facts.releases_undecided) {
        const std::string seen = facts.releases == 0 ? std::string("none")
                                 : facts.releases == 1 ? std::string("one, too few to compare")
                                                       : fmt::format("{}, too few to show a trend", facts.releases);
        // A collected heap whose warm-up took a third of the run or more, flat since: its warm-up is what
        // waits for the releases (node, an LRU of pages: a warm-up over 8.8 s of 16.7 s, then 0 B/s, read
        // "Growing 0 B/s, but ...").
        if (facts.collected_heap && !(facts.significant && d.steady_rate_bytes_per_s > 0) && d.warmup_bytes > 0)
            return fmt::format("Warm-up of {} in the first {}, then {}, but a garbage-collected heap grows ahead of its "
                               "collections: a leak shows as lows that rise from one release of memory to the next, and this "
                               "run saw {}: {}.",
                               format_bytes(d.warmup_bytes), format_duration(d.warmup_end_s - facts.start_t_s),
                               flat_or_falling(d, facts), seen, watch_more(d));
        return fmt::format("Growing {}{}: a leak shows as lows that rise from one release of memory to the next, "
                           "and this run saw {}: {}.",
                           format_rate(d.steady_rate_bytes_per_s),
                           facts.collected_heap ? ", but a garbage-collected heap grows ahead of its collections" : " under a sawtooth",
                           seen, watch_more(d));
    }
    if (facts.trend_unproven_p)
        return fmt::format("Growing {}, but a rank test of the same readings finds no steady trend (p = {:.2f}): a level "
                           "that wanders and comes back looks like this as much as a leak does. Too early to tell: {}.",
                           rate_with_interval(d), *facts.trend_unproven_p, watch_more(d));
    if (facts.slowing_from_rate)
        return fmt::format("Growing {} and slowing down (from {}){}: a warm-up still settling or a slow leak, too early "
                           "to tell: {}.",
                           format_rate(d.steady_rate_bytes_per_s), format_rate(*facts.slowing_from_rate),
                           d.warmup_bytes > 0 ? fmt::format(" after a one-time warm-up of {}", format_bytes(d.warmup_bytes)) : "",
                           watch_more(d));
    if (d.warmup_bytes > 0)
        return fmt::format("Growing {} after a one-time warm-up of {}; too early to tell a slow leak from a warm-up "
                           "still settling: {}.",
                           format_rate(d.steady_rate_bytes_per_s), format_bytes(d.warmup_bytes), watch_more(d));
    return fmt::format("Growing {} at about {}, a fraction of a percent over the run: too little yet to tell a slow "
                       "leak from a level still drifting: {}.",
                       format_rate(d.steady_rate_bytes_per_s), format_bytes(facts.level_bytes), watch_more(d));
}

std::string since_onset(const Diagnosis& d, const SummaryFacts& facts) {
    return d.onset_s ? fmt::format(" since {} (flat before)", format_duration(*d.onset_s - facts.start_t_s)) : std::string{};
}

std::string every(const Diagnosis& d) { return d.period_s ? fmt::format(" every {}", format_duration(*d.period_s)) : std::string{}; }

}  // namespace

std::string summarize(const Diagnosis& d, const SummaryFacts& facts) {
    if (!d.decided) return undecided_summary(d, facts) + projection_sentence(d);
    // So far and where it goes are the fitted curve's, now its pace at the end (the last third's average
    // slope, shown as the steady rate, overstates it: "45.2 MB so far, slowing down toward about 45.2 MB
    // (now +2.44 GB/h)").
    if (facts.settling && d.settling_toward_bytes && d.pattern == Pattern::warmup_plateau)
        return fmt::format("Warm-up still settling: +{} so far, slowing down toward about {} (now {}): no leak.{}",
                           format_bytes(facts.settled_so_far_bytes), format_bytes(*d.settling_toward_bytes), format_rate(facts.settling_rate_now, true),
                           d.time_to_limit_s ? fmt::format(" It levels off above the {} limit, which it reaches in {}.",
                                                           format_bytes(*d.limit_bytes), format_duration(*d.time_to_limit_s))
                                             : projection_sentence(d));
    switch (d.pattern) {
        case Pattern::insufficient_data:
            // One sample spans no time: say so rather than "1 samples over 0 ms".
            if (facts.samples < 2)
                return fmt::format("{}: not enough data to tell growth from noise (need at least 10 samples over 2 s "
                                   "or more).",
                                   facts.samples == 1 ? "Only one usable sample" : "No usable samples");
            return fmt::format("Only {} usable samples over {}: not enough data to tell growth from noise "
                               "(need at least 10 samples over 2 s or more).",
                               facts.samples, format_duration(facts.duration_s));
        case Pattern::stable:
            if (drifts_down(d))
                return fmt::format("At about {} and drifting down, {}: no leak.{}", format_bytes(facts.level_bytes), rate_with_interval(d),
                                   projection_sentence(d));
            return fmt::format("Stable at about {} {}: no leak.{}", format_bytes(facts.level_bytes), flat_qualifier(d, facts),
                               projection_sentence(d));
        case Pattern::warmup_plateau:
            return fmt::format("One-time warm-up of {}{} {}, then {}{}: no leak.{}", format_bytes(d.warmup_bytes),
                               facts.warmup_of_rss ? " of RSS" : "", warmup_timing(d, facts), flat_or_falling(d, facts),
                               facts.teeth_on_plateau ? fmt::format(", with a sawtooth of {}{} on top",
                                                                    format_bytes(facts.cycle_amplitude), every(d))
                                                      : std::string{},
                               projection_sentence(d));
        case Pattern::bounded_sawtooth: {
            const std::string cycle = fmt::format("a sawtooth of {}{}", format_bytes(facts.cycle_amplitude), every(d));
            if (d.leak) return fmt::format("Leak under {}: the floor rises {}.{}", cycle, rate_with_interval(d), projection_sentence(d));
            return fmt::format("Bounded: {} (grows, then is truncated) over a {}: no leak.{}", cycle,
                               drifts_down(d) ? "floor drifting down, " + rate_with_interval(d) : "flat floor " + flat_qualifier(d, facts),
                               projection_sentence(d));
        }
        case Pattern::periodic_spikes: {
            const std::string spikes = fmt::format("periodic spikes of {}{}", format_bytes(facts.cycle_amplitude), every(d));
            if (d.leak) return fmt::format("Leak under {}: the baseline rises {}.{}", spikes, rate_with_interval(d), projection_sentence(d));
            // A baseline that rose once, then kept its level: said, or the chart's climb contradicts "flat".
            const std::string after_warmup = d.warmup_bytes > 0 ? fmt::format("after a one-time warm-up of {}{} {}, ", format_bytes(d.warmup_bytes),
                                                                              facts.warmup_of_rss ? " of RSS" : "", warmup_timing(d, facts))
                                                                : std::string{};
            return fmt::format("Batches: {} that are released again; {}the baseline is {}: no leak.{}", spikes, after_warmup,
                               flat_or_falling(d, facts), projection_sentence(d));
        }
        case Pattern::linear_growth:
            return fmt::format("Leak: steady growth of {}{}{}.{}", rate_with_interval(d), since_onset(d, facts), warmup_clause(d, facts),
                               projection_sentence(d));
        case Pattern::staircase_growth:
            return fmt::format("Leak: grows in {} steps that never come back down, {} on average{}.{}", facts.steps,
                               rate_with_interval(d), warmup_clause(d, facts), projection_sentence(d));
        case Pattern::accelerating_growth:
            return fmt::format("Leak, accelerating: growth is speeding up and is now {}{}.{}", rate_with_interval(d),
                               warmup_clause(d, facts), projection_sentence(d));
        case Pattern::fragmentation:
            return fmt::format("Fragmentation: RSS grows {} while the live heap stays flat{}: the allocator keeps freed memory; "
                               "not a leak in the program.{}",
                               format_rate(d.steady_rate_bytes_per_s),
                               facts.live_heap_rate ? fmt::format(" ({})", format_rate(*facts.live_heap_rate, true)) : std::string{},
                               projection_sentence(d));
    }
    return {};
}

}  // namespace leakscope::diagnosis::detail
