#include "cli/analyze_fleet.hpp"

#include <signal.h>

#include <chrono>
#include <cmath>
#include <fstream>

#include "cli/cli_error.hpp"
#include "cli/units_parsing.hpp"
#include "fleet/fleet_analysis.hpp"
#include "report/human_units.hpp"

namespace leakscope::cli {
namespace {

double duration(const char* name, const std::string& text) {
    const auto seconds = parse_duration_s(text);
    if (!seconds || *seconds <= 0) throw CliError(std::string(name) + ": '" + text + "' is not a duration (examples: 7d, 12h, 1m)", kExitUsage);
    return *seconds;
}

/// "now", or Unix seconds.
double end_time(const std::string& text) {
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (text.empty() || text == "now") return now;
    char* end = nullptr;
    const double t = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || !std::isfinite(t) || t <= 0)
        throw CliError("--end: '" + text + "' is not a Unix time in seconds (or 'now')", kExitUsage);
    return t;
}

void write_report(const std::string& path, const char* what, const std::function<void(std::ostream&)>& write) {
    if (path.empty()) return;
    if (path == "-") {
        write(std::cout);
        std::cout.flush();
        return;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (out) write(out);
    out.flush();
    if (!out) throw CliError(std::string("cannot write the ") + what + " to " + path);
}

}  // namespace

void add_fleet_options(CLI::App& command, FleetArguments& args) {
    const char* group = "Fleet (from Prometheus)";
    command.add_option("--prometheus", args.prometheus, "Diagnose every series of --query from this Prometheus (HTTP API)")
        ->option_text("URL")->group(group);
    command.add_option("--query", args.query, "PromQL giving one memory series per process or container")
        ->option_text("PROMQL")->group(group);
    command.add_option("--range", args.range, "How far back from --end (default 7d)")->option_text("D")->group(group);
    command.add_option("--step", args.step, "Resolution of the series (default 1m)")->option_text("D")->group(group);
    command.add_option("--end", args.end, "End of the range, Unix seconds (default now)")->option_text("TIME")->group(group);
    command.add_option("--limit-query", args.limit_query,
                       "PromQL giving each series' memory limit, e.g. container_spec_memory_limit_bytes")
        ->option_text("PROMQL")->group(group);
    command.add_option("--start-time-query", args.start_time_query,
                       "PromQL giving each process's start time (process_start_time_seconds): cut at restarts")
        ->option_text("PROMQL")->group(group);
    command.add_option("--restart-drop", args.restart_drop,
                       "A fall below this fraction of the level just before is a restart (default 0.5)")
        ->option_text("F")->check(CLI::Range(0.0, 1.0))->group(group);
    command.add_option("--jobs", args.jobs, "Diagnosis threads (default: one per core)")->option_text("N")->group(group);
    command.add_option("--batch", args.batch, "Series per request (default 100)")->option_text("N")->check(CLI::Range(1, 100000))->group(group);
    command.add_option("--top", args.top, "Rows in the terminal table (default 30)")->option_text("N")->group(group);
}

bool fleet_requested(const FleetArguments& args) { return !args.prometheus.empty() || !args.query.empty(); }

int analyze_fleet(const FleetArguments& args, const ReportOptions& reports, const VerdictGate& gate) {
    if (args.prometheus.empty() || args.query.empty())
        throw CliError("analyze: --prometheus URL and --query PROMQL go together", kExitUsage);
    if (!reports.folded_path.empty() || !reports.csv_path.empty())
        throw CliError("analyze --prometheus writes --json, --html and --markdown (not --folded or --csv)", kExitUsage);
    if (args.prometheus.rfind("http://", 0) != 0 && args.prometheus.rfind("https://", 0) != 0)
        throw CliError("--prometheus: '" + args.prometheus + "' is not an http:// or https:// URL (example: http://localhost:9090)",
                       kExitUsage);
    fleet::FleetOptions options;
    options.url = args.prometheus;
    options.query = args.query;
    options.range_s = duration("--range", args.range);
    options.step_s = duration("--step", args.step);
    options.end_s = end_time(args.end);
    options.limit_bytes = reports.analysis_options().limit_bytes;
    options.limit_query = args.limit_query;
    options.start_time_query = args.start_time_query;
    options.restart_drop_fraction = args.restart_drop;
    options.jobs = args.jobs;
    options.batch_series = args.batch;
    if (options.step_s > options.range_s) throw CliError("--step is longer than --range", kExitUsage);

    // cpp-httplib writes without MSG_NOSIGNAL: Prometheus closing a connection must be an error
    // message, not a silent death by SIGPIPE.
    ::signal(SIGPIPE, SIG_IGN);
    fleet::FleetResult result;
    try {
        result = fleet::analyze_fleet(options);
    } catch (const fleet::FleetError& e) {
        throw CliError(e.what());
    }
    write_report(reports.json_path, "JSON report", [&](std::ostream& out) { fleet::write_fleet_json(out, result.run, result.entries); });
    write_report(reports.html_path, "HTML report", [&](std::ostream& out) { fleet::write_fleet_html(out, result.run, result.entries); });
    write_report(reports.markdown_path, "Markdown report",
                 [&](std::ostream& out) { fleet::write_fleet_markdown(out, result.run, result.entries); });
    if (!reports.quiet) {
        fleet::print_fleet_table(stderr, result.run, result.entries, args.top);
        std::fprintf(stderr, "fetched in %s (%zu requests), diagnosed in %s of CPU\n",
                     report::format_duration(result.run.fetch_s).c_str(), result.run.requests,
                     report::format_duration(result.run.diagnose_s).c_str());
    }
    if (result.entries.empty()) std::fprintf(stderr, "leakscope: the query returned no series over the range\n");
    bool any_leak = false, any_undecided = false;
    for (const auto& e : result.entries) {
        any_leak = any_leak || e.verdict.leak;
        any_undecided = any_undecided || !e.verdict.decided;
    }
    if (gate.fail_on_leak && any_leak) return kExitLeakFound;
    return gate.fail_on_undecided && any_undecided ? kExitUndecided : 0;
}

}  // namespace leakscope::cli
