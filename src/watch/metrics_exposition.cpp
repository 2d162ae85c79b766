#include "watch/metrics_exposition.hpp"

#include <cmath>
#include <cstdio>
#include <functional>

namespace leakscope::watch {
namespace {

/// Go's ParseFloat reads these; %.17g round-trips every double.
std::string number(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", value);
    return buffer;
}

struct Family {
    const char* name;
    const char* type;
    const char* help;
};

class Page {
public:
    void family(const Family& f) {
        text_ += "# HELP ";
        text_ += f.name;
        text_ += ' ';
        text_ += f.help;
        text_ += "\n# TYPE ";
        text_ += f.name;
        text_ += ' ';
        text_ += f.type;
        text_ += '\n';
    }
    void sample(const char* name, const std::string& labels, double value) {
        text_ += name;
        if (!labels.empty()) {
            text_ += '{';
            text_ += labels;
            text_ += '}';
        }
        text_ += ' ';
        text_ += number(value);
        text_ += '\n';
    }
    std::string take() { return std::move(text_); }

private:
    std::string text_;
};

std::string label(const char* name, const std::string& value) {
    return std::string(name) + "=\"" + escape_label_value(value) + "\"";
}

std::string process_labels(const ProcessMetrics& p) {
    return label("pid", std::to_string(p.pid)) + "," + label("comm", p.comm);
}

std::string verdict_labels(const ProcessMetrics& p) {
    return process_labels(p) + "," + label("pattern", p.pattern) + "," + label("severity", p.severity);
}

/// One gauge family over every process that has a value for it (none: the family is left out).
void per_process(Page& page, const Family& f, const std::vector<ProcessMetrics>& processes,
                 const std::function<std::optional<double>(const ProcessMetrics&)>& value,
                 const std::function<std::string(const ProcessMetrics&)>& labels = process_labels) {
    bool any = false;
    for (const auto& p : processes) any = any || value(p).has_value();
    if (!any) return;
    page.family(f);
    for (const auto& p : processes) {
        if (const auto v = value(p)) page.sample(f.name, labels(p), *v);
    }
}

/// One counter family, a sample per JVM and kind of collection.
void jvm_collections(Page& page, const std::vector<ProcessMetrics>& processes) {
    const char* name = "leakscope_jvm_collections_total";
    bool header = false;
    for (const auto& p : processes) {
        if (!p.jvm) continue;
        if (!header) page.family({name, "counter", "Collections of the JVM's heap, by kind (young includes G1's mixed)."});
        header = true;
        using Count = std::pair<const char*, double>;
        for (const auto& [kind, count] : {Count{"young", p.jvm->young_collections}, Count{"full", p.jvm->full_collections},
                                          Count{"concurrent", p.jvm->concurrent_collections}})
            page.sample(name, process_labels(p) + "," + label("kind", kind), count);
    }
}

}  // namespace

std::string escape_label_value(const std::string& value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string render_metrics(const std::vector<ProcessMetrics>& processes, const WatchHealth& health) {
    Page page;
    using P = ProcessMetrics;
    per_process(page, {"leakscope_rss_bytes", "gauge", "Resident set size of the process and its children, in bytes."},
                processes, [](const P& p) -> std::optional<double> { return p.rss_bytes; });
    per_process(page, {"leakscope_live_heap_bytes", "gauge", "Bytes in live heap allocations (allocation tracker on)."},
                processes, [](const P& p) { return p.live_heap_bytes; });
    per_process(page, {"leakscope_steady_rate_bytes_per_second", "gauge",
                       "Steady-state growth rate after the warm-up, in bytes per second."},
                processes, [](const P& p) -> std::optional<double> { return p.steady_rate_bytes_per_s; });
    per_process(page, {"leakscope_steady_rate_bytes_per_second_ci_low", "gauge",
                       "Lower end of the 95% interval of the steady-state rate, in bytes per second."},
                processes, [](const P& p) -> std::optional<double> { return p.rate_ci_low_bytes_per_s; });
    per_process(page, {"leakscope_steady_rate_bytes_per_second_ci_high", "gauge",
                       "Upper end of the 95% interval of the steady-state rate, in bytes per second."},
                processes, [](const P& p) -> std::optional<double> { return p.rate_ci_high_bytes_per_s; });
    per_process(page, {"leakscope_warmup_bytes", "gauge", "One-time growth before steady state, in bytes."}, processes,
                [](const P& p) -> std::optional<double> { return p.warmup_bytes; });
    per_process(page, {"leakscope_leak", "gauge", "1 when the verdict is a leak, else 0."}, processes,
                [](const P& p) -> std::optional<double> { return p.leak ? 1.0 : 0.0; }, verdict_labels);
    per_process(page, {"leakscope_decided", "gauge",
                       "1 when the verdict is settled, 0 while leakscope needs to watch longer."},
                processes, [](const P& p) -> std::optional<double> { return p.decided ? 1.0 : 0.0; }, verdict_labels);
    per_process(page, {"leakscope_watch_more_seconds", "gauge",
                       "While undecided: how much longer leakscope needs to watch for a verdict (absent once decided)."},
                processes, [](const P& p) { return p.decided ? std::nullopt : p.watch_more_s; });
    per_process(page, {"leakscope_limit_bytes", "gauge", "The memory limit the projection uses, in bytes."}, processes,
                [](const P& p) { return p.limit_bytes; });
    per_process(page, {"leakscope_time_to_limit_seconds", "gauge",
                       "Seconds until the peaks reach the limit at the steady rate (absent: never)."},
                processes, [](const P& p) { return p.time_to_limit_s; });
    per_process(page, {"leakscope_restart_interval_seconds", "gauge",
                       "Restart interval that keeps the peaks under the limit (absent: none needed)."},
                processes, [](const P& p) { return p.restart_interval_s; });

    per_process(page, {"leakscope_data_mappings_bytes", "gauge",
                       "Size of the private writable mappings (VmData), resident or not, in bytes: RSS growing while "
                       "this stays flat fills memory mapped earlier."},
                processes, [](const P& p) { return p.data_mappings_bytes; });
    per_process(page, {"leakscope_jvm_heap_used_bytes", "gauge",
                       "Bytes in use in the JVM's heap, all generations (its hsperfdata counters)."},
                processes, [](const P& p) { return p.jvm ? std::optional(p.jvm->used_bytes) : std::nullopt; });
    per_process(page, {"leakscope_jvm_heap_committed_bytes", "gauge", "Bytes the JVM's heap has committed."}, processes,
                [](const P& p) { return p.jvm ? std::optional(p.jvm->committed_bytes) : std::nullopt; });
    per_process(page, {"leakscope_jvm_heap_max_bytes", "gauge", "The most the JVM's heap may commit (-Xmx)."}, processes,
                [](const P& p) { return p.jvm ? p.jvm->max_bytes : std::nullopt; });
    jvm_collections(page, processes);

    page.family({"leakscope_watch_processes", "gauge", "Processes being watched."});
    page.sample("leakscope_watch_processes", "", static_cast<double>(health.processes));
    page.family({"leakscope_watch_cycles_total", "counter", "Sampling and diagnosis cycles completed."});
    page.sample("leakscope_watch_cycles_total", "", static_cast<double>(health.cycles));
    page.family({"leakscope_watch_cycle_duration_seconds", "gauge", "Wall time of the last cycle."});
    page.sample("leakscope_watch_cycle_duration_seconds", "", health.last_cycle_seconds);
    page.family({"leakscope_watch_start_time_seconds", "gauge", "When this watch started, Unix time."});
    page.sample("leakscope_watch_start_time_seconds", "", health.start_time_unix_s);
    page.family({"leakscope_watch_resident_bytes", "gauge", "leakscope's own resident set size, in bytes."});
    page.sample("leakscope_watch_resident_bytes", "", health.resident_bytes);
    page.family({"leakscope_watch_state_bytes", "gauge", "Bytes in the state directory."});
    page.sample("leakscope_watch_state_bytes", "", health.state_bytes);
    page.family({"leakscope_watch_state_errors_total", "counter", "Failed writes of the state directory."});
    page.sample("leakscope_watch_state_errors_total", "", static_cast<double>(health.state_errors));
    page.family({"leakscope_watch_transitions_total", "counter",
                 "Verdict transitions logged, by kind (leak, recovered, near_limit)."});
    for (const char* kind : {"leak", "recovered", "near_limit"}) {
        const auto it = health.transitions.find(kind);
        page.sample("leakscope_watch_transitions_total", label("kind", kind),
                    static_cast<double>(it == health.transitions.end() ? 0 : it->second));
    }
    page.family({"leakscope_watch_hook_runs_total", "counter", "--on-leak commands started."});
    page.sample("leakscope_watch_hook_runs_total", "", static_cast<double>(health.hook_runs));
    page.family({"leakscope_watch_hook_failures_total", "counter",
                 "--on-leak commands that failed to start or exited non-zero."});
    page.sample("leakscope_watch_hook_failures_total", "", static_cast<double>(health.hook_failures));
    if (health.tracked_processes) {
        page.family({"leakscope_watch_tracked_processes", "gauge", "Processes streaming allocation totals to watch (--track)."});
        page.sample("leakscope_watch_tracked_processes", "", static_cast<double>(*health.tracked_processes));
    }
    return page.take();
}

}  // namespace leakscope::watch
