#include "compare/recording_diff.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "analysis/site_naming.hpp"
#include "compare/distributions.hpp"
#include "report/human_units.hpp"
#include "symbols/frame_format.hpp"
#include "symbols/user_frame.hpp"

namespace leakscope::compare {
namespace {

/// Deep enough to tell call paths apart, short enough that a changed caller far up (a new main loop)
/// does not unmatch every site.
constexpr std::size_t kKeyFrames = 12;

bool is_address_only(const ResolvedFrame& frame) {
    return frame.function.empty() || frame.function == "??" || frame.function.rfind("0x", 0) == 0;
}

std::string per_second(double bytes_per_s) { return report::format_rate(bytes_per_s, "s"); }

/// "0" rather than "12 B/s" for growth below the practical floor: the site stopped growing.
std::string growth_text(double bytes_per_s, bool growing) {
    return growing || std::fabs(bytes_per_s) >= 64.0 ? per_second(bytes_per_s) : "0";
}

SiteGrowth combine(SiteGrowth into, const SiteGrowth& more) {
    const double se_into = standard_error_from_interval(into.rate_ci_low_bytes_per_s, into.rate_ci_high_bytes_per_s);
    const double se_more = standard_error_from_interval(more.rate_ci_low_bytes_per_s, more.rate_ci_high_bytes_per_s);
    into.rate_bytes_per_s += more.rate_bytes_per_s;
    // Independent estimates: the standard errors add in quadrature.
    const double half = normal_quantile(0.975) * std::sqrt(se_into * se_into + se_more * se_more);
    into.rate_ci_low_bytes_per_s = into.rate_bytes_per_s - half;
    into.rate_ci_high_bytes_per_s = into.rate_bytes_per_s + half;
    into.live_bytes += more.live_bytes;
    into.growing = into.growing || more.growing;
    return into;
}

bool growth_changed(const SiteChange& change) {
    return change.status != SiteStatus::unchanged && change.status != SiteStatus::not_growing;
}

}  // namespace

const char* to_string(SiteStatus status) {
    switch (status) {
        case SiteStatus::appeared: return "appeared";
        case SiteStatus::disappeared: return "disappeared";
        case SiteStatus::faster: return "faster";
        case SiteStatus::slower: return "slower";
        case SiteStatus::unchanged: return "unchanged";
        case SiteStatus::not_growing: break;
    }
    return "not growing";
}

std::string site_match_key(const Recording& recording, const Stack& stack) {
    const auto frames = analysis::resolved_stack(recording, stack);
    if (frames.empty()) return "??";
    std::string key;
    std::size_t used = 0;
    for (std::size_t i = symbols::user_frame_index(frames); i < frames.size() && used < kKeyFrames; ++i, ++used) {
        const auto& frame = frames[i];
        if (!key.empty()) key += " < ";
        key += is_address_only(frame) ? "??@" + std::string(symbols::short_file_name(frame.module)) : frame.function;
    }
    return key;
}

analysis::Options diff_analysis_options(analysis::Options options) {
    options.max_sites = 100000;
    return options;
}

std::vector<SiteGrowth> site_growth(const Recording& recording, const analysis::Analysis& analysis) {
    std::map<std::string, SiteGrowth> by_key;
    std::vector<std::string> order;
    for (const auto& site : analysis.sites) {
        SiteGrowth growth;
        const auto stack = recording.stacks.find(site.stack);
        growth.key = stack != recording.stacks.end() ? site_match_key(recording, stack->second) : site.function;
        growth.function = site.function;
        if (site.file) {
            const std::string_view file = symbols::short_file_name(*site.file);
            growth.location = site.line ? fmt::format("{}:{}", file, *site.line) : std::string(file);
        }
        growth.rate_bytes_per_s = site.diagnosis.steady_rate_bytes_per_s;
        growth.rate_ci_low_bytes_per_s = site.diagnosis.rate_ci_low_bytes_per_s;
        growth.rate_ci_high_bytes_per_s = site.diagnosis.rate_ci_high_bytes_per_s;
        growth.live_bytes = site.live_bytes;
        growth.growing = site_grows(site.diagnosis);
        const auto it = by_key.find(growth.key);
        if (it == by_key.end()) {
            order.push_back(growth.key);
            by_key.emplace(growth.key, std::move(growth));
        } else {
            it->second = combine(it->second, growth);
        }
    }
    std::vector<SiteGrowth> sites;
    for (const auto& key : order) sites.push_back(std::move(by_key[key]));
    return sites;
}

std::vector<SiteChange> diff_sites(const std::vector<SiteGrowth>& before, const std::vector<SiteGrowth>& after,
                                   const ComparisonOptions& options) {
    std::map<std::string, SiteChange> by_key;
    std::vector<std::string> order;
    auto entry = [&](const SiteGrowth& site) -> SiteChange& {
        auto it = by_key.find(site.key);
        if (it == by_key.end()) {
            order.push_back(site.key);
            it = by_key.emplace(site.key, SiteChange{}).first;
            it->second.key = site.key;
        }
        return it->second;
    };
    for (const auto& site : before) entry(site).before = site;
    for (const auto& site : after) entry(site).after = site;

    std::vector<SiteChange> changes;
    for (const auto& key : order) {
        SiteChange change = std::move(by_key[key]);
        const auto& named = change.after ? *change.after : *change.before;
        change.function = named.function;
        change.location = named.location;
        const bool grew_before = change.before && change.before->growing;
        const bool grows_after = change.after && change.after->growing;
        if (grew_before && !grows_after) {
            change.status = SiteStatus::disappeared;
        } else if (!grew_before && grows_after) {
            change.status = SiteStatus::appeared;
        } else if (grew_before && grows_after) {
            const auto& b = *change.before;
            const auto& a = *change.after;
            change.test = interval_z_test(b.rate_bytes_per_s,
                                          standard_error_from_interval(b.rate_ci_low_bytes_per_s, b.rate_ci_high_bytes_per_s),
                                          a.rate_bytes_per_s,
                                          standard_error_from_interval(a.rate_ci_low_bytes_per_s, a.rate_ci_high_bytes_per_s));
            const double practical = std::max(options.min_relative_change * std::fabs(b.rate_bytes_per_s),
                                              options.min_change_bytes_per_s);
            const bool significant = change.test->p_value < options.alpha && std::fabs(change.test->difference) >= practical;
            change.status = !significant ? SiteStatus::unchanged
                            : change.test->difference > 0 ? SiteStatus::faster : SiteStatus::slower;
        }
        changes.push_back(std::move(change));
    }
    std::stable_sort(changes.begin(), changes.end(), [](const SiteChange& x, const SiteChange& y) {
        if (growth_changed(x) != growth_changed(y)) return growth_changed(x);
        if (growth_changed(x)) return std::fabs(x.rate_after() - x.rate_before()) > std::fabs(y.rate_after() - y.rate_before());
        return std::fabs(x.live_after() - x.live_before()) > std::fabs(y.live_after() - y.live_before());
    });
    return changes;
}

std::string diff_summary(const std::vector<SiteChange>& sites) {
    std::vector<std::string> parts;
    bool anything_new = false;
    for (const auto& site : sites) {
        switch (site.status) {
            case SiteStatus::disappeared:
            case SiteStatus::faster:
            case SiteStatus::slower:
                parts.push_back(fmt::format("{}: {} -> {}", site.function, growth_text(site.rate_before(), true),
                                            growth_text(site.rate_after(), site.after && site.after->growing)));
                break;
            case SiteStatus::appeared:
                anything_new = true;
                parts.push_back(fmt::format("{} grows: {} -> {}", site.function,
                                            growth_text(site.rate_before(), false), growth_text(site.rate_after(), true)));
                break;
            default: break;
        }
        if (parts.size() == 4) break;
    }
    std::string summary;
    for (const auto& part : parts) summary += (summary.empty() ? "" : "; ") + part;
    if (summary.empty()) summary = "no call site's growth changed significantly";
    if (!anything_new) summary += "; nothing new grows";
    return summary;
}

RecordingDiff diff_recordings(const Recording& before, const analysis::Analysis& before_analysis,
                              const Recording& after, const analysis::Analysis& after_analysis,
                              const ComparisonOptions& options) {
    RecordingDiff diff;
    diff.options = options;
    diff.metric = choose_metric({&before_analysis, &after_analysis});
    diff.before = measure_run(before_analysis, diff.metric);
    diff.after = measure_run(after_analysis, diff.metric);
    if (diff.before.usable() && diff.after.usable()) diff.process = compare_against_baseline({&diff.before}, {&diff.after}, options);
    // Compare only what both recordings have: against a recording without site data every site of the
    // other would be reported as new (or gone), which says nothing about the program.
    const bool before_sites = !before.sites.sites.empty(), after_sites = !after.sites.sites.empty();
    if (before_sites != after_sites) {
        const char* which = before_sites ? "second" : "first";
        diff.sites_note = fmt::format("the {} recording has no allocation site data (made without tracking: attach or "
                                      "--no-track), so call sites are not compared; the process is compared on RSS",
                                      which);
        diff.summary = fmt::format("the {} recording has no site data: only the process's RSS is compared", which);
        return diff;
    }
    diff.sites = diff_sites(site_growth(before, before_analysis), site_growth(after, after_analysis), options);
    diff.summary = diff_summary(diff.sites);
    return diff;
}

}  // namespace leakscope::compare
