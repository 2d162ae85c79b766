#include "report/terminal_summary.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "analysis/runtime_heap.hpp"
#include "analysis/pymalloc_arenas.hpp"
#include "analysis/sampled_attribution.hpp"
#include "report/human_units.hpp"
#include "report/readable_names.hpp"
#include "report/report_facts.hpp"
#include "report/report_labels.hpp"
#include "report/series_view.hpp"
#include "report/sparkline.hpp"
#include "util/terminal_text.hpp"

namespace leakscope::report {

bool use_color(int fd) {
    if (!isatty(fd)) return false;
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color && *no_color) return false;  // no-color.org: set and non-empty
    const char* term = std::getenv("TERM");
    return !(term && std::strcmp(term, "dumb") == 0);
}

namespace {

struct Palette {
    bool on;
    std::string operator()(std::string_view text, const char* code) const {
        if (!on) return std::string(text);
        return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
    }
};
constexpr const char* kBold = "1";
constexpr const char* kDim = "2";
constexpr const char* kRed = "1;31";
constexpr const char* kGreen = "1;32";
constexpr const char* kYellow = "1;33";

constexpr std::size_t kSparkWidth = 60;
constexpr std::size_t kTopSites = 5;

/// Sampling mode: the estimate's 95% interval, and a warning when it rests on few samples.
std::string sampled_note(const std::optional<analysis::SampledInterval>& sampled, const Palette& paint) {
    if (!sampled) return "";
    std::string note = fmt::format("  (95%: {}–{}", format_bytes(sampled->low), format_bytes(sampled->high));
    note += sampled->few_samples ? fmt::format(", few samples: ~{:.0f})", sampled->samples) : ")";
    return paint(note, kDim);
}

/// The LeakSanitizer view: what the processes that ended still held, by site.
/// attach --track: tracking ended at the detach (or the exit), and only blocks made after the attach count.
void print_exit_view(std::FILE* out, const analysis::ExitView& view, const RunInfo& info, const Palette& paint) {
    const bool attached = info.attached;
    if (view.processes == 0) return;
    fmt::print(out, "\n  {}\n", paint(exit_view_heading(view, attached), kBold));
    std::size_t rank = 0;
    for (const auto& site : view.sites) {
        if (rank == kTopSites) break;
        ++rank;
        // Names come from the target's binaries: printed as text, never as terminal escapes.
        fmt::print(out, "  {}. {} in {:>6} blocks  {}  {}{}\n", rank,
                   fmt::format("{:>10}", format_bytes(static_cast<double>(site.live_bytes))), site.live_count,
                   util::terminal_text(readable_function(site.name.function)),
                   paint(util::terminal_text(readable_exit_location(site.name)), kDim),
                   sampled_note(site.sampled, paint));
    }
    if (view.site_count > rank)
        fmt::print(out, "  {}\n", paint(fmt::format("({} more sites in the reports)", view.site_count - rank), kDim));
    if (view.processes_without_goodbye > 0)
        fmt::print(out, "  {}\n", paint("(" + without_final_report_text(view.processes_without_goodbye, view.processes,
                                                                         info.runtime == kGoRuntime) + ")",
                                          kDim));
}

}  // namespace

void print_terminal_summary(std::FILE* out, const Recording& recording, const analysis::Analysis& analysis, bool color,
                            std::string_view recording_path) {
    Palette paint{color};
    const auto& v = analysis.process.verdict;
    const char* verdict_color = v.pattern == diagnosis::Pattern::insufficient_data ? kYellow
                                : v.leak                                          ? kRed
                                : !v.decided                                      ? kYellow
                                : v.pattern == diagnosis::Pattern::fragmentation  ? kYellow
                                                                                  : kGreen;
    auto label = [&](std::string_view text) { return paint(fmt::format("{:<11}", text), kDim); };

    fmt::print(out, "\n{} {}\n", paint(fmt::format("leakscope: {}", verdict_word(v)), verdict_color),
               paint(fmt::format("\u2014 {}", verdict_headline(analysis)), kBold));
    fmt::print(out, "  {} {}, severity {}, confidence {}\n", label("pattern"), pattern_label(v.pattern),
               severity_label(v.severity), format_percent(v.confidence));
    if (!v.summary.empty()) fmt::print(out, "  {}\n", util::terminal_text(v.summary));
    // Undecided on RSS alone: the tracker's live heap and the allocator's own figures usually decide
    // the same run at once (a pool being filled vs a leak, a warm-up's tail vs slow growth). Not a JVM's
    // heap, which is outside malloc: its summary says what would decide it.
    if (!v.decided && v.pattern != diagnosis::Pattern::insufficient_data && recording.info.tracker_mode == "off" &&
        !analysis.process.blind_to_jvm_heap)
        fmt::print(out, "  {}\n",
                   paint(recording.info.attached
                             ? "RSS alone cannot tell yet; the live heap usually can: attach again with --track to follow it by call site"
                             : "RSS alone cannot tell yet; the live heap usually can: run without --no-track to follow it by call site",
                         kDim));
    fmt::print(out, "\n  {} {}, {} every {}\n", label("run"), format_duration(analysis.duration_s),
               format_count_of(static_cast<double>(analysis.samples), "sample"), format_duration(recording.info.interval_s));
    // A target that died says so beside the verdict: the exit status passes through, but a crash read
    // only from it was easy to miss under a report of its memory.
    if (recording.end && recording.end->term_signal) {
        const char* name = sigabbrev_np(*recording.end->term_signal);
        fmt::print(out, "  {} {}\n", label("target"),
                   paint(fmt::format("killed by signal {}{} after {}", *recording.end->term_signal,
                                     name ? fmt::format(" (SIG{})", name) : std::string(), format_duration(recording.end->duration_s)),
                         kYellow));
    } else if (recording.end && recording.end->exit_code && *recording.end->exit_code != 0) {
        fmt::print(out, "  {} exited with code {}\n", label("target"), *recording.end->exit_code);
    }
    double growth = analysis.end_rss - analysis.start_rss;
    fmt::print(out, "  {} start {}, peak {}, end {} ({}{})\n", label("RSS"), format_bytes(analysis.start_rss),
               format_bytes(analysis.peak_rss), format_bytes(analysis.end_rss), growth > 0 ? "+" : "", format_bytes(growth));
    if (const auto& lost = analysis.tracking_lost) {
        const auto& labels = recording.processes;
        const std::string who = lost->process < labels.size() ? labels[lost->process] : std::to_string(lost->process);
        fmt::print(out, "  {} {}\n", label("tracking"),
                   paint(util::terminal_text(fmt::format("lost at {} (process {}): the heap is unknown from then, "
                                                         "the verdict rests on RSS", format_duration(lost->t_s), who)),
                         kYellow));
    }
    bool judged = v.pattern != diagnosis::Pattern::insufficient_data;
    if (judged) {
        fmt::print(out, "  {} {} on the {}{}\n", label(rate_name(v)), rate_with_interval(v, 3600, "h"),
                   verdict_metric_label(analysis.process),
                   still_settling(v) ? ", over the run's last third" : "");
        fmt::print(out, "  {} {}\n", label(""), rate_with_interval(v, 1, "s"));
        if (v.rate_bytes_per_event)
            fmt::print(out, "  {} {} ({} events)\n", label("per event"), signed_rate(*v.rate_bytes_per_event, "event"),
                       format_count(static_cast<double>(analysis.events)));
        if (v.warmup_bytes > 0)
            fmt::print(out, "  {} {}\n", label("warm-up"), warmup_text(v, warmup_series(analysis)));
        else
            fmt::print(out, "  {} none\n", label("warm-up"));
        if (v.period_s) fmt::print(out, "  {} {}\n", label("period"), format_duration(*v.period_s));
    }
    auto limit = v.limit_bytes ? v.limit_bytes : analysis.limit_bytes;
    if (limit) {
        std::string source = analysis.limit_source.empty() ? "" : " (" + analysis.limit_source + ")";
        std::string when = v.time_to_limit_s ? "reached in " + format_duration(*v.time_to_limit_s) : time_to_limit_text(v);
        fmt::print(out, "  {} {}{}: {}\n", label("limit"), format_bytes(*limit), source, when);
        if (v.restart_interval_s)
            fmt::print(out, "  {} {}\n", label("restart"),
                       paint("every " + format_duration(*v.restart_interval_s) + " keeps it under the limit", kBold));
    }

    std::vector<double> rss;
    for (const auto& s : recording.samples) rss.push_back(static_cast<double>(s.rss));
    std::string line = sparkline(rss, kSparkWidth);
    if (!line.empty()) fmt::print(out, "  {} {} RSS\n", label("memory"), paint(line, v.leak ? kRed : kGreen));
    if (auto heap = gauge_series(recording, Gauge::live_heap)) {
        // The series the verdict judged: the heap with the anonymous mappings the tracker saw (CPython's
        // arenas among them), or the line stays flat under a warm-up the verdict counts.
        const auto mapped = gauge_series(recording, Gauge::mapped);
        const bool with_mapped = mapped && mapped->t_s == heap->t_s &&
                                 std::any_of(mapped->value.begin(), mapped->value.end(), [](double b) { return b > 0; });
        if (with_mapped)
            for (std::size_t i = 0; i < heap->value.size(); ++i) heap->value[i] += std::isnan(mapped->value[i]) ? 0.0 : mapped->value[i];
        std::string heap_line = sparkline(heap->value, kSparkWidth);
        if (!heap_line.empty())
            fmt::print(out, "  {} {} {}\n", label(""), paint(heap_line, v.leak ? kRed : kGreen), with_mapped ? "live heap + mmap" : "live heap");
    }
    if (const auto runtime = analysis::runtime_heap_series(recording))
        fmt::print(out, "  {} {}\n", label(runtime->go ? "go" : "jvm"),
                   runtime->go ? analysis::go_heap_sentence(*runtime) : analysis::runtime_heap_sentence(*runtime));

    if (!analysis.sites.empty()) {
        fmt::print(out, "\n  {}\n", paint("top sites (leaks first, then most steady growth)", kBold));
        std::size_t rank = 0;
        for (const auto& site : analysis.sites) {
            if (rank == kTopSites) break;
            ++rank;
            std::string rate = signed_rate(site.diagnosis.steady_rate_bytes_per_s * 3600, "h");
            fmt::print(out, "  {}. {} {} live  {}  {}{}\n", rank,
                       paint(fmt::format("{:>13}", rate), site.diagnosis.leak ? kRed : kDim),
                       fmt::format("{:>10}", format_bytes(site.live_bytes)), util::terminal_text(readable_site_function(site)),
                       paint(util::terminal_text(readable_site_location(site)), kDim), sampled_note(site.sampled, paint));
        }
        if (analysis.sites.size() > kTopSites)
            fmt::print(out, "  {}\n", paint(fmt::format("({} more in the reports)", analysis.sites.size() - kTopSites), kDim));
        if (analysis.sites_not_shown > 0)
            fmt::print(out, "  {}\n", paint(fmt::format("({} sites not shown: too small to judge or past the reports' top {}; "
                                                        "they held {} at the end)", analysis.sites_not_shown,
                                                        analysis.sites.size(), format_bytes(analysis.live_bytes_not_shown)), kDim));
    }
    if (const auto& missed = analysis.unsampled_growth)
        fmt::print(out, "\n  {}\n", paint(analysis::unsampled_growth_sentence(*missed), kYellow));
    if (const auto& arenas = analysis.arena_growth)
        fmt::print(out, "\n  {}\n", paint(analysis::arena_growth_sentence(*arenas), kYellow));
    print_exit_view(out, analysis.at_exit, recording.info, paint);
    if (!recording_path.empty()) fmt::print(out, "\n  {} {}\n", label("recording"), util::terminal_text(recording_path));
    std::fputc('\n', out);
}

}  // namespace leakscope::report
