// The `--prometheus` side of `leakscope analyze`: its options and the run (src/fleet/ does the work).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/report_options.hpp"
#include "cli/verdict_gate.hpp"

namespace leakscope::cli {

struct FleetArguments {
    std::string prometheus;
    std::string query;
    std::string range = "7d";
    std::string step = "1m";
    std::string end;
    std::string limit_query;
    std::string start_time_query;
    double restart_drop = 0.5;
    std::size_t jobs = 0;
    std::size_t batch = 100;
    std::size_t top = 30;
};

void add_fleet_options(CLI::App& command, FleetArguments& args);
bool fleet_requested(const FleetArguments& args);
/// Exit code: 0; with the gate, kExitLeakFound when any series leaks, else kExitUndecided when any
/// series is undecided.
int analyze_fleet(const FleetArguments& args, const ReportOptions& reports, const VerdictGate& gate);

}  // namespace leakscope::cli
