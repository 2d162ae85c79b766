// The fleet's reports: a terminal table, JSON ("leakscope.fleet/1", written element by element),
// Markdown, and one HTML page with a sparkline per series linking to its chart in Prometheus.
#pragma once

#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "fleet/fleet_diagnosis.hpp"

namespace leakscope::fleet {

struct FleetRun {
    std::string url;
    std::string query;
    double start_s = 0, end_s = 0, step_s = 0;
    std::size_t requests = 0;
    double fetch_s = 0, diagnose_s = 0;  ///< wall time fetching; CPU-seconds diagnosing, summed over threads
};

/// Ranked entries (rank_fleet) in, one report out.
void write_fleet_json(std::ostream& out, const FleetRun& run, const std::vector<FleetEntry>& entries);
void write_fleet_markdown(std::ostream& out, const FleetRun& run, const std::vector<FleetEntry>& entries);
void write_fleet_html(std::ostream& out, const FleetRun& run, const std::vector<FleetEntry>& entries);
/// The first `top` rows and a count line.
void print_fleet_table(std::FILE* out, const FleetRun& run, const std::vector<FleetEntry>& entries, std::size_t top);

// Shared cell texts of the human reports.
std::string labels_text(const Labels& labels);  ///< 'name{a="1",b="2"}'
std::string rate_text(const diagnosis::Diagnosis& d);  ///< "+31.0 MB/h [29.5, 32.4]"
std::string time_to_limit_text(const diagnosis::Diagnosis& d);  ///< "3.2 days" or "—"
std::string verdict_text(const diagnosis::Diagnosis& d);  ///< "LEAK linear_growth" / "warmup_plateau"

}  // namespace leakscope::fleet
