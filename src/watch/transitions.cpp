#include "watch/transitions.hpp"

#include <cmath>
#include <cstdio>

#include "report/human_units.hpp"

namespace leakscope::watch {
namespace {

std::string plain_number(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    return buffer;
}

}  // namespace

const char* to_string(TransitionKind kind) {
    switch (kind) {
        case TransitionKind::leak: return "leak";
        case TransitionKind::recovered: return "recovered";
        case TransitionKind::near_limit: return "near_limit";
    }
    return "leak";
}

std::vector<TransitionKind> update_state(VerdictState& state, const ProcessMetrics& now, double near_limit_s) {
    std::vector<TransitionKind> changes;
    const bool leak = now.leak && now.decided;
    // An undecided verdict neither raises nor clears the alarm: it says "keep watching".
    if (leak && !state.leak) changes.push_back(TransitionKind::leak);
    if (!now.leak && now.decided && state.leak) changes.push_back(TransitionKind::recovered);
    if (now.decided) state.leak = leak;
    const bool near = now.time_to_limit_s && *now.time_to_limit_s < near_limit_s;
    if (near && !state.near_limit) changes.push_back(TransitionKind::near_limit);
    state.near_limit = near;
    return changes;
}

std::string describe(const Transition& t) {
    const auto& f = t.facts;
    std::string line = "pid " + std::to_string(f.pid) + " (" + f.comm + ") ";
    switch (t.kind) {
        case TransitionKind::leak: line += "is leaking: "; break;
        case TransitionKind::recovered: line += "no longer leaks: "; break;
        case TransitionKind::near_limit: line += "approaches its memory limit: "; break;
    }
    line += f.pattern + ", " + report::format_rate(f.steady_rate_bytes_per_s * 3600.0, "h") + " [" +
            report::format_rate_interval(f.rate_ci_low_bytes_per_s * 3600.0, f.rate_ci_high_bytes_per_s * 3600.0, "h", ", ") +
            "], RSS " + report::format_bytes(f.rss_bytes);
    if (f.time_to_limit_s) line += ", limit in " + report::format_duration(*f.time_to_limit_s);
    if (f.restart_interval_s) line += ", restart every " + report::format_duration(*f.restart_interval_s);
    return line;
}

std::vector<std::string> hook_environment(const Transition& t) {
    const auto& f = t.facts;
    std::vector<std::string> env = {
        std::string("LEAKSCOPE_EVENT=") + to_string(t.kind),
        "LEAKSCOPE_PID=" + std::to_string(f.pid),
        "LEAKSCOPE_COMM=" + f.comm,
        "LEAKSCOPE_PATTERN=" + f.pattern,
        "LEAKSCOPE_SEVERITY=" + f.severity,
        std::string("LEAKSCOPE_LEAK=") + (f.leak ? "1" : "0"),
        std::string("LEAKSCOPE_DECIDED=") + (f.decided ? "1" : "0"),
        "LEAKSCOPE_RSS_BYTES=" + plain_number(f.rss_bytes),
        "LEAKSCOPE_RATE_BYTES_PER_S=" + plain_number(f.steady_rate_bytes_per_s),
        "LEAKSCOPE_RATE_CI_LOW_BYTES_PER_S=" + plain_number(f.rate_ci_low_bytes_per_s),
        "LEAKSCOPE_RATE_CI_HIGH_BYTES_PER_S=" + plain_number(f.rate_ci_high_bytes_per_s),
        "LEAKSCOPE_WARMUP_BYTES=" + plain_number(f.warmup_bytes),
        "LEAKSCOPE_SUMMARY=" + t.summary,
        "LEAKSCOPE_STATE_FILE=" + t.state_file,
    };
    // Absent facts are absent variables, not empty strings, so a hook can test with ${VAR+x}.
    if (f.limit_bytes) env.push_back("LEAKSCOPE_LIMIT_BYTES=" + plain_number(*f.limit_bytes));
    if (f.time_to_limit_s) env.push_back("LEAKSCOPE_TIME_TO_LIMIT_S=" + plain_number(*f.time_to_limit_s));
    if (f.restart_interval_s) env.push_back("LEAKSCOPE_RESTART_INTERVAL_S=" + plain_number(*f.restart_interval_s));
    if (!f.decided && f.watch_more_s) env.push_back("LEAKSCOPE_WATCH_MORE_S=" + plain_number(*f.watch_more_s));
    return env;
}

}  // namespace leakscope::watch
