// "leakscope.fleet/1": one element per series with the report schema's verdict and growth objects
// (written by report/json_report's functions), streamed element by element.
#include <nlohmann/json.hpp>

#include "fleet/fleet_reports.hpp"
#include "report/json_report.hpp"
#include "util/version.hpp"

namespace leakscope::fleet {

void write_fleet_json(std::ostream& out, const FleetRun& run, const std::vector<FleetEntry>& entries) {
    using nlohmann::json;
    const json head = {
        {"prometheus", run.url},
        {"query", run.query},
        {"start_unix_s", run.start_s},
        {"end_unix_s", run.end_s},
        {"step_s", run.step_s},
    };
    out << "{\"schema\": \"leakscope.fleet/1\", \"leakscope_version\": " << json(kVersion).dump()
        << ", \"source\": " << head.dump() << ",\n \"series\": [";
    bool first = true;
    for (const auto& e : entries) {
        const json element = {
            {"labels", e.labels},
            // The fleet's gauge is whatever the query returns (RSS, working set, ...): the schema's
            // metric names the kind of series, and a queried memory gauge is closest to "rss".
            {"verdict", report::verdict_json(e.verdict)},
            {"growth", report::growth_json(e.verdict, "rss", e.limit_source)},
            {"restarts", e.restarts},
            {"lives_judged", e.lives},
            {"points", e.points},
            {"segment_start_unix_s", e.segment_start_unix_s},
            {"segment_end_unix_s", e.segment_end_unix_s},
            {"last_value", e.last_value},
        };
        out << (first ? "\n  " : ",\n  ") << element.dump();
        first = false;
    }
    out << "\n ]}\n";
}

}  // namespace leakscope::fleet
