// The diff as text (stdout) and JSON (--json).
#include <cmath>

#include <fmt/format.h>

#include "compare/comparison_report.hpp"
#include "compare/recording_diff.hpp"
#include "report/human_units.hpp"

namespace leakscope::compare {
namespace {

std::string per_second(double bytes_per_s) { return report::format_rate(bytes_per_s, "s"); }

std::string interval_text(const diagnosis::Diagnosis& d) {
    return fmt::format("{} [{}, {}]", per_second(d.steady_rate_bytes_per_s), per_second(d.rate_ci_low_bytes_per_s),
                       per_second(d.rate_ci_high_bytes_per_s));
}

std::string process_verdict(const RecordingDiff& diff) {
    if (!diff.process.test) return "not tested: a recording is too short for a rate";
    const auto& vs = diff.process;
    const std::string p = p_value_text(vs.test->p_value);
    if (vs.significant) return fmt::format("{} significantly {} ({})", change_text(vs), to_string(vs.direction), p);
    return fmt::format("{} not significantly different ({})", change_text(vs), p);
}

std::string site_label(const SiteChange& site) {
    return site.location ? site.function + " (" + *site.location + ")" : site.function;
}

}  // namespace

std::string diff_text(const RecordingDiff& diff, std::size_t max_sites) {
    const std::string metric = diff.metric == "live_heap" ? "live heap" : "RSS";
    std::string text = fmt::format("leakscope diff: {} -> {} (metric: {})\n", diff.before_path, diff.after_path, metric);
    text += fmt::format("process: {} -> {}: {}\n", interval_text(diff.before.diagnosis), interval_text(diff.after.diagnosis),
                        process_verdict(diff));
    if (diff.process.test) text += fmt::format("test: {}, two-sided, alpha = {}; a difference must also exceed {} of the first rate\n",
                                             diff.process.test->test, diff.options.alpha,
                                             report::format_percent(diff.options.min_relative_change));
    if (!diff.sites_note.empty()) {
        text += "sites: " + diff.sites_note + "\n";
    } else if (diff.sites.empty()) {
        text += "sites: neither recording has allocation sites (was the tracker off? run without --no-track)\n";
    } else {
        text += "\ncall sites, matched by symbolized stack:\n";
        std::vector<std::vector<std::string>> rows = {{"change", "site", "growth before -> after", "live before -> after"}};
        std::size_t shown = 0;
        for (const auto& site : diff.sites) {
            if (shown++ == max_sites) break;
            rows.push_back({to_string(site.status), site_label(site),
                            fmt::format("{} -> {}", site.before ? per_second(site.rate_before()) : "absent",
                                        site.after ? per_second(site.rate_after()) : "absent"),
                            fmt::format("{} -> {}", report::format_bytes(site.live_before()),
                                        report::format_bytes(site.live_after()))});
        }
        std::vector<std::size_t> widths(rows.front().size(), 0);
        for (const auto& row : rows) {
            for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
        }
        for (const auto& row : rows) {
            std::string line = " ";
            for (std::size_t i = 0; i < row.size(); ++i)
                line += i + 1 == row.size() ? " " + row[i] : fmt::format(" {:<{}} ", row[i], widths[i]);
            text += line + "\n";
        }
        if (diff.sites.size() > max_sites) text += fmt::format("  ... and {} more (see --json)\n", diff.sites.size() - max_sites);
    }
    text += "\nsummary: " + diff.summary + "\n";
    return text;
}

nlohmann::json diff_json(const RecordingDiff& diff) {
    using nlohmann::json;
    auto side = [](const RunMeasurement& run) {
        const auto& d = run.diagnosis;
        return json{{"rate_bytes_per_s", d.steady_rate_bytes_per_s},
                    {"rate_ci_low_bytes_per_s", d.rate_ci_low_bytes_per_s},
                    {"rate_ci_high_bytes_per_s", d.rate_ci_high_bytes_per_s},
                    {"rate_bytes_per_event", d.rate_bytes_per_event ? json(*d.rate_bytes_per_event) : json(nullptr)},
                    {"leak", d.leak},
                    {"pattern", diagnosis::to_string(d.pattern)},
                    {"duration_s", run.duration_s}};
    };
    json document;
    document["schema"] = "leakscope.diff/1";
    document["before"] = side(diff.before);
    document["before"]["recording"] = diff.before_path;
    document["after"] = side(diff.after);
    document["after"]["recording"] = diff.after_path;
    document["metric"] = diff.metric;
    const auto& vs = diff.process;
    document["change_bytes_per_s"] = vs.change_bytes_per_s;
    document["change_vs_baseline"] = vs.relative_change ? json(*vs.relative_change) : json(nullptr);
    document["significant"] = vs.significant;
    document["direction"] = to_string(vs.direction);
    document["significantly_worse"] = diff.significantly_worse();
    document["test"] = vs.test ? json(vs.test->test) : json(nullptr);
    document["p_value"] = vs.test ? json(vs.test->p_value) : json(nullptr);
    document["sites"] = json::array();
    for (const auto& site : diff.sites) {
        json item{{"key", site.key},
                  {"function", site.function},
                  {"location", site.location ? json(*site.location) : json(nullptr)},
                  {"status", to_string(site.status)},
                  {"rate_before_bytes_per_s", site.before ? json(site.rate_before()) : json(nullptr)},
                  {"rate_after_bytes_per_s", site.after ? json(site.rate_after()) : json(nullptr)},
                  {"live_before_bytes", site.before ? json(site.live_before()) : json(nullptr)},
                  {"live_after_bytes", site.after ? json(site.live_after()) : json(nullptr)},
                  {"growing_before", site.before && site.before->growing},
                  {"growing_after", site.after && site.after->growing},
                  {"p_value", site.test ? json(site.test->p_value) : json(nullptr)}};
        document["sites"].push_back(std::move(item));
    }
    if (!diff.sites_note.empty()) document["sites_note"] = diff.sites_note;
    document["summary"] = diff.summary;
    return document;
}

}  // namespace leakscope::compare
