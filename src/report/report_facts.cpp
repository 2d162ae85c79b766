#include "report/report_facts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include <unistd.h>

#include <fmt/format.h>

#include "report/human_units.hpp"
#include "report/readable_names.hpp"
#include "report/report_labels.hpp"
#include "util/version.hpp"

namespace leakscope::report {
namespace {

/// "file.cpp:42", "file.cpp", the module's file name when the source is unknown, or "?"; then the frame
/// that tells the site from a namesake ("via ...") and the process that tells it from the same code in
/// another process ("in pid 4242 (python3)").
std::string location_text(const std::optional<std::string>& file, const std::optional<int>& line,
                          const std::optional<std::string>& module, const std::string& via, const std::string& in_process) {
    std::string where = "?";
    if (file && !file->empty()) {
        where = line && *line > 0 ? fmt::format("{}:{}", *file, *line) : *file;
    } else if (module && !module->empty()) {
        const auto slash = module->rfind('/');
        where = slash == std::string::npos ? *module : module->substr(slash + 1);
    }
    if (!via.empty()) where = where == "?" ? "via " + via : where + " via " + via;  // a row of no one place (pymalloc's arenas)
    if (!in_process.empty()) where += " in " + in_process;
    return where;
}

}  // namespace

std::string signed_rate(double bytes_per_unit, const char* unit, int significant) {
    std::string text = format_rate(bytes_per_unit, unit, significant);
    return bytes_per_unit > 0 ? "+" + text : text;
}

std::string signed_interval(double low, double high, const char* unit) {
    const auto [from, to] = diagnosis::interval_ends(low, high, [&](double v, int digits) { return signed_rate(v, unit, digits); });
    return from + " to " + to;
}

std::string rate_with_interval(const diagnosis::Diagnosis& d, double seconds_per_unit, const char* unit) {
    return fmt::format("{} (95% interval {})", signed_rate(d.steady_rate_bytes_per_s * seconds_per_unit, unit),
                       signed_interval(d.rate_ci_low_bytes_per_s * seconds_per_unit, d.rate_ci_high_bytes_per_s * seconds_per_unit, unit));
}

bool still_settling(const diagnosis::Diagnosis& v) { return v.settling_toward_bytes && !v.leak && v.decided; }

std::string rate_name(const diagnosis::Diagnosis& v) { return still_settling(v) ? "pace" : "steady"; }

std::string warmup_text(const diagnosis::Diagnosis& v, std::string_view of) {
    const std::string amount = of.empty() ? format_bytes(v.warmup_bytes) : fmt::format("{} {}", format_bytes(v.warmup_bytes), of);
    if (still_settling(v))
        return fmt::format("{} one-time, still settling (toward a level of about {})", amount, format_bytes(*v.settling_toward_bytes));
    return fmt::format("{} one-time, steady from {}", amount, format_duration(v.warmup_end_s));
}

std::string warmup_series(const analysis::Analysis& analysis) {
    const auto& p = analysis.process;
    return !p.warmup_metric.empty() && p.warmup_metric != p.metric ? "of " + std::string(metric_label(p.warmup_metric)) : std::string();
}

std::string time_to_limit_text(const diagnosis::Diagnosis& v) {
    if (v.time_to_limit_s) return format_duration(*v.time_to_limit_s);
    if (still_settling(v)) return fmt::format("not reached: the warm-up settles at about {}", format_bytes(*v.settling_toward_bytes));
    // Undecided growth is not projected: "restart every 9.5 days" beside "too early to tell" was one.
    return v.decided ? "not reached at the steady rate" : "not projected until the verdict is decided";
}

std::string verdict_headline(const analysis::Analysis& analysis) {
    const auto& v = analysis.process.verdict;
    std::string metric(verdict_metric_label(analysis.process));
    if (analysis.process.blind_to_jvm_heap && !v.decided)
        return fmt::format("a JVM whose heap leakscope could not read: its RSS ({}) cannot tell a leak inside that heap from the JVM filling it",
                           signed_rate(analysis.process.rss.steady_rate_bytes_per_s * 3600, "h"));
    // Undecided without growth (a collected heap's long warm-up waiting for its releases): no "grows 0 B/h".
    if (v.pattern != diagnosis::Pattern::insufficient_data && !v.decided && !(v.steady_rate_bytes_per_s > 0))
        return fmt::format("the {} {}, too early to call: watch {} more", metric,
                           v.warmup_bytes > 0 ? "is flat after its warm-up" : "does not grow", v.watch_more_s ? format_duration(*v.watch_more_s) : std::string("longer"));
    if (v.pattern != diagnosis::Pattern::insufficient_data && !v.decided)
        return fmt::format("the {} grows {}, too early to call: watch {} more", metric,
                           signed_rate(v.steady_rate_bytes_per_s * 3600, "h"),
                           v.watch_more_s ? format_duration(*v.watch_more_s) : std::string("longer"));
    // The level it settles at, not its warm-up beside it ("45.2 MB of warm-up, still settling toward about 45.2 MB").
    if (v.settling_toward_bytes && v.pattern == diagnosis::Pattern::warmup_plateau)
        return fmt::format("the {}'s warm-up is still settling, toward about {}", metric, format_bytes(*v.settling_toward_bytes));
    switch (v.pattern) {
        case diagnosis::Pattern::insufficient_data:
            return fmt::format("the run is too short or too sparse to tell ({})",
                               format_count_of(static_cast<double>(analysis.samples), "sample"));
        case diagnosis::Pattern::warmup_plateau: {
            // The warm-up may be RSS's beside the heap's verdict (a JIT's code, an interpreter's arenas).
            const auto& heap = analysis.process.live_heap;
            const bool rss_warmup = analysis.process.metric == "live_heap" && heap && v.warmup_bytes != heap->warmup_bytes &&
                                    v.warmup_bytes == analysis.process.rss.warmup_bytes;
            // As the summary says it: a level whose whole interval lies below zero drifts down (summary_text.cpp).
            return fmt::format("{} of one-time warm-up{}, then the {} {}", format_bytes(v.warmup_bytes), rss_warmup ? " of RSS" : "",
                               metric, diagnosis::drifts_down(v) ? "drifts down" : "stays flat");
        }
        case diagnosis::Pattern::fragmentation:
            return fmt::format("RSS grows {} while the live heap does not and the allocator keeps more free memory: fragmentation",
                               signed_rate(analysis.process.rss.steady_rate_bytes_per_s * 3600, "h"));
        case diagnosis::Pattern::bounded_sawtooth:
        case diagnosis::Pattern::periodic_spikes: {
            std::string text = fmt::format("{} of the {}", pattern_label(v.pattern), metric);
            if (v.period_s) text += ", every " + format_duration(*v.period_s);
            // A leak under a sawtooth: what leaks is the rising floor, so say so next to the shape.
            if (v.leak) text += ", floor rising " + signed_rate(v.steady_rate_bytes_per_s * 3600, "h");
            return text;
        }
        default: break;
    }
    if (v.leak) {
        // Per hour is how service leaks are quoted; a leak of megabytes a second reads better per second.
        bool per_second = std::fabs(v.steady_rate_bytes_per_s) >= 1e6;
        std::string text = fmt::format("{} of the {}, {}", pattern_label(v.pattern), metric,
                                       per_second ? signed_rate(v.steady_rate_bytes_per_s, "s")
                                                  : signed_rate(v.steady_rate_bytes_per_s * 3600, "h"));
        if (v.onset_s) text += ", since " + format_duration(*v.onset_s);
        if (analysis.process.rss_growth == diagnosis::RssGrowth::outside_heap) text += ", outside the malloc heap";
        return text;
    }
    return fmt::format("{} {}", metric, pattern_label(v.pattern));
}

namespace {

/// Whether any sample carries a runtime heap's figures (a JVM's counters, a Go program's gctrace lines).
bool known_runtime_heap(const Recording& recording) {
    return std::any_of(recording.samples.begin(), recording.samples.end(), [](const SamplePoint& p) { return known(p.runtime_heap_used); });
}

}  // namespace

bool events_known(const Recording& recording) {
    if (!recording.info.events_regex.empty()) return true;
    for (const auto& sample : recording.samples)
        if (sample.events > 0) return true;
    return false;
}

std::string command_line(const Recording& recording) {
    std::string line;
    for (const auto& arg : recording.info.command) {
        if (!line.empty()) line += ' ';
        bool plain = !arg.empty() && arg.find_first_of(" \t\"'$\\") == std::string::npos;
        if (plain) {
            line += arg;
        } else {
            line += '\'';
            for (char c : arg) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
            line += '\'';
        }
    }
    return line;
}

std::string site_leak_call(const analysis::SiteReport& site) {
    if (!site.diagnosis.leak) return "no";
    if (site.q_value < 0.001) return "yes (q<0.001)";
    return fmt::format("yes (q={:.2g})", site.q_value);
}

std::string exit_site_location(const analysis::SiteName& name) {
    return location_text(name.file, name.line, name.module, name.via, {});
}

std::string readable_site_function(const analysis::SiteReport& site) {
    return site.function.empty() ? "??" : readable_function(site.function);
}

std::string readable_site_location(const analysis::SiteReport& site) { return readable_function(site_location(site)); }

std::string readable_exit_location(const analysis::SiteName& name) { return readable_function(exit_site_location(name)); }

std::string exit_view_heading(const analysis::ExitView& view, bool attached) {
    // Each process's state as it ended, added up: a pool that recycled 35 workers "held 365 MB at exit"
    // in a run whose RSS never passed 132 MB. The heading says what the sum is over.
    const std::string over = view.processes > 1 ? fmt::format(", summed over the {} processes that ended", view.processes) : std::string();
    return fmt::format("still allocated {}{}{}: {} in {} from {}",
                       attached ? "when tracking ended (blocks allocated since the attach)" : "at exit", over,
                       view.sampled ? " (sampled estimates)" : "", format_bytes(static_cast<double>(view.live_bytes)),
                       format_count_of(static_cast<double>(view.live_count), "block"),
                       format_count_of(static_cast<double>(view.site_count), "site"));
}

std::string site_location(const analysis::SiteReport& site) {
    return location_text(site.file, site.line, site.module, site.via, site.in_process);
}

std::string site_location_in_any_process(const analysis::SiteReport& site) {
    return location_text(site.file, site.line, site.module, site.via, {});
}

std::string verdict_line(const analysis::Analysis& analysis) {
    return fmt::format("{}: {}", verdict_word(analysis.process.verdict), verdict_headline(analysis));
}

std::vector<const analysis::SiteReport*> leaking_sites(const analysis::Analysis& analysis) {
    std::vector<const analysis::SiteReport*> sites;
    for (const auto& site : analysis.sites)
        if (site.diagnosis.leak) sites.push_back(&site);
    return sites;
}

std::string site_finding(const analysis::SiteReport& site) {
    return fmt::format("{} ({}) grows {}, {} live at the end; leak call {}", site.function, site_location(site),
                       rate_with_interval(site.diagnosis, 3600, "h"), format_bytes(site.live_bytes),
                       site_leak_call(site));
}

std::string path_under_root(const std::string& file, const std::string& root) {
    if (file.empty() || root.empty()) return file;
    std::string prefix = root.back() == '/' ? root : root + "/";
    if (file.front() == '/') {
        if (file.compare(0, prefix.size(), prefix) == 0 && file.size() > prefix.size()) return file.substr(prefix.size());
        return file;
    }
    // A name relative to the compiler's working directory ("../../src/log.cpp", as ccache's base_dir or a
    // build in a subdirectory writes it): without its leading ./ and ../ it is relative to the checkout
    // when such a file is there.
    std::size_t start = 0;
    while (file.compare(start, 2, "./") == 0 || file.compare(start, 3, "../") == 0) start += file[start + 1] == '/' ? 2 : 3;
    if (start == 0) return file;
    const std::string rest = file.substr(start);
    std::error_code error;
    return std::filesystem::is_regular_file(prefix + rest, error) ? rest : file;
}

std::string source_root() {
    if (const char* workspace = std::getenv("GITHUB_WORKSPACE"); workspace && *workspace) return workspace;
    char buffer[4096];
    return getcwd(buffer, sizeof buffer) ? std::string(buffer) : std::string();
}

std::vector<Fact> verdict_facts(const Recording& recording, const analysis::Analysis& analysis) {
    const auto& v = analysis.process.verdict;
    std::vector<Fact> facts;
    facts.push_back({"Verdict", std::string(verdict_word(v))});
    facts.push_back({"Pattern", std::string(pattern_label(v.pattern))});
    facts.push_back({"Severity", std::string(severity_label(v.severity))});
    facts.push_back({"Confidence", format_percent(v.confidence)});
    if (v.pattern == diagnosis::Pattern::insufficient_data) {
        // Rates fitted to a handful of points would be read as findings: state only what was measured.
        facts.push_back({"Measured", fmt::format("{} over {}", format_count_of(static_cast<double>(analysis.samples), "sample"),
                                                 format_duration(analysis.duration_s))});
        facts.push_back({"RSS start / peak / end", fmt::format("{} / {} / {}", format_bytes(analysis.start_rss),
                                                               format_bytes(analysis.peak_rss), format_bytes(analysis.end_rss))});
        return facts;
    }
    facts.push_back({"Measured on", std::string(verdict_metric_label(analysis.process))});
    if (still_settling(v)) {
        facts.push_back({"Pace over the last third (still settling) per hour", rate_with_interval(v, 3600, "h")});
        facts.push_back({"Pace over the last third (still settling) per second", rate_with_interval(v, 1, "s")});
    } else {
        facts.push_back({"Steady rate per hour", rate_with_interval(v, 3600, "h")});
        facts.push_back({"Steady rate per second", rate_with_interval(v, 1, "s")});
    }
    const bool significant = diagnosis::rate_significant(v);
    if (analysis.process.metric == "jvm_heap" || analysis.process.metric == "go_heap")
        facts.push_back({"Trend", fmt::format("{} (Mann-Kendall p = {:.2g} on the levels after collections)",
                                              analysis.process.trend_evidence, v.trend_p_value)});
    else
        // "Significant" is the rate interval's call (it excludes zero); the rank test on the same readings
        // can disagree (a level that wanders, read on few points), and a p of 0.41 beside "significant"
        // read as a contradiction: then both are said.
        facts.push_back({"Trend", significant && v.trend_p_value > 0.05
                                      ? fmt::format("significant by the rate's interval; Mann-Kendall p = {:.2g} does not "
                                                    "show a steady trend on its own", v.trend_p_value)
                                      : fmt::format("{} (Mann-Kendall p = {:.2g})", significant ? "significant" : "not significant",
                                                    v.trend_p_value)});
    if (v.rate_bytes_per_event) {
        std::string per_event = signed_rate(*v.rate_bytes_per_event, "event");
        if (v.rate_per_event_ci_low && v.rate_per_event_ci_high)
            per_event += fmt::format(" (95% interval {})", signed_interval(*v.rate_per_event_ci_low, *v.rate_per_event_ci_high, "event"));
        facts.push_back({"Steady rate per event", per_event});
    } else {
        facts.push_back({"Steady rate per event", events_known(recording) ? "not estimated" : "no events counted"});
    }
    if (v.warmup_bytes > 0)
        facts.push_back({"Warm-up", warmup_text(v, warmup_series(analysis))});
    else
        facts.push_back({"Warm-up", "none"});
    if (v.period_s) facts.push_back({"Period", format_duration(*v.period_s)});
    facts.push_back({"RSS start / peak / end", fmt::format("{} / {} / {}", format_bytes(analysis.start_rss),
                                                           format_bytes(analysis.peak_rss), format_bytes(analysis.end_rss))});
    auto limit = v.limit_bytes ? v.limit_bytes : analysis.limit_bytes;
    if (limit) {
        std::string source = analysis.limit_source.empty() ? "" : " (" + analysis.limit_source + ")";
        facts.push_back({"Limit", format_bytes(*limit) + source});
        facts.push_back({"Time to limit", time_to_limit_text(v)});
        facts.push_back({"Restart interval", v.restart_interval_s ? "every " + format_duration(*v.restart_interval_s)
                                             : v.decided          ? std::string("not needed")
                                                                  : std::string("not projected until decided")});
    } else {
        facts.push_back({"Limit", "unknown (pass --limit to project)"});
    }
    if (v.fraction_of_samples_near_limit > 0)
        facts.push_back({"Samples above 80% of the limit", format_percent(v.fraction_of_samples_near_limit)});
    return facts;
}

std::vector<Fact> run_facts(const Recording& recording, const analysis::Analysis& analysis) {
    const auto& info = recording.info;
    std::vector<Fact> facts;
    facts.push_back({"Command", info.command.empty() ? std::string("(unknown)") : command_line(recording)});
    if (info.pid) facts.push_back({info.attached ? "Attached to pid" : "Pid", std::to_string(*info.pid)});
    // Before the year 10000: a start time read from a damaged or crafted recording may be any double,
    // and converting one beyond time_t's range is undefined.
    constexpr double kLastRepresentableStart = 253402300799.0;
    std::tm utc{};
    if (info.start_unix_s > 0 && info.start_unix_s <= kLastRepresentableStart) {
        const auto start = static_cast<std::time_t>(info.start_unix_s);
        char text[32];
        if (gmtime_r(&start, &utc) && std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &utc) > 0)
            facts.push_back({"Started", text});
    }
    facts.push_back({"Duration", format_duration(analysis.duration_s)});
    facts.push_back({"Samples", fmt::format("{} (every {})", format_count(static_cast<double>(analysis.samples)),
                                            format_duration(info.interval_s))});
    std::string tracker = info.tracker_mode;
    if (info.tracker_mode == "sampled" && info.sample_bytes > 0)
        tracker += " (one sample per " + format_bytes_binary(static_cast<double>(info.sample_bytes)) + " on average)";
    // Asked for, but no process reported to it (a static binary, a program that never called malloc): the
    // warnings say why.
    const bool tracker_reported = std::any_of(recording.samples.begin(), recording.samples.end(),
                                              [](const SamplePoint& p) { return known(p.live_heap); });
    if (info.tracker_mode != "off" && !tracker_reported) tracker += ", but no process reported to it (see the warnings)";
    facts.push_back({"Allocation tracker", tracker});
    if (info.runtime == kGoRuntime)
        facts.push_back({"Runtime", known_runtime_heap(recording)
                                        ? "Go: a heap of its own collector's, judged by what each collection found live (its gctrace lines); no allocation tracker sees it"
                                        : "Go: a heap of its own collector's, judged across its collections; no allocation tracker sees it"});
    else if (!info.runtime.empty())
        facts.push_back({"Runtime", info.runtime});
    if (events_known(recording)) {
        std::string events = format_count(static_cast<double>(analysis.events));
        if (!info.events_regex.empty()) events += " (lines matching /" + info.events_regex + "/)";
        facts.push_back({"Events", events});
    }
    if (recording.end) {
        const auto& end = *recording.end;
        std::string how = end.reason;
        if (end.exit_code) how += fmt::format(", exit code {}", *end.exit_code);
        if (end.term_signal) how += fmt::format(", signal {}", *end.term_signal);
        facts.push_back({"Ended", how});
    } else {
        facts.push_back({"Ended", "unknown (the recording has no end record)"});
    }
    if (!info.hostname.empty()) facts.push_back({"Host", info.hostname});
    std::string version = info.leakscope_version.empty() ? kVersion : info.leakscope_version;
    facts.push_back({"leakscope version", version});
    return facts;
}

}  // namespace leakscope::report
