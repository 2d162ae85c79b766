#include "report/sarif_report.hpp"

#include <cctype>

#include <fmt/format.h>

#include "analysis/site_naming.hpp"
#include "report/report_facts.hpp"
#include "report/report_labels.hpp"
#include "util/version.hpp"

namespace leakscope::report {
namespace {

using nlohmann::json;

constexpr const char* kSiteRule = "leakscope/leaking-site";
constexpr const char* kProcessRule = "leakscope/process-leak";

/// A path as a URI reference: RFC 3986 unreserved characters and '/' stay, the rest is %-encoded.
std::string uri_path(const std::string& path) {
    std::string out;
    for (unsigned char c : path) {
        if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') out += static_cast<char>(c);
        else out += fmt::format("%{:02X}", c);
    }
    return out;
}

/// artifactLocation for a source file: relative to %SRCROOT% when under the root, else a file:// URI.
json artifact(const std::string& file, const std::string& root) {
    const std::string relative = path_under_root(file, root);
    if (!relative.empty() && relative.front() == '/') return {{"uri", "file://" + uri_path(relative)}};
    return {{"uri", uri_path(relative)}, {"uriBaseId", "SRCROOT"}};
}

json physical_location(const std::string& file, int line, const std::string& root) {
    json location = {{"artifactLocation", artifact(file, root)}};
    if (line > 0) location["region"] = {{"startLine", line}};
    return location;
}

json rules() {
    return json::array({
        {{"id", kSiteRule},
         {"name", "LeakingAllocationSite"},
         {"shortDescription", {{"text", "Memory allocated here keeps growing in steady state"}}},
         {"fullDescription",
          {{"text", "The live bytes held by allocations from this call stack grow steadily after the warm-up "
                    "(trend significant after false-discovery control). Still-reachable growth counts."}}},
         {"defaultConfiguration", {{"level", "error"}}}},
        {{"id", kProcessRule},
         {"name", "ProcessMemoryLeak"},
         {"shortDescription", {{"text", "The process's memory grows steadily: a leak"}}},
         {"defaultConfiguration", {{"level", "error"}}}},
    });
}

/// The stack as one thread flow, outermost caller first (the order the calls happened).
json code_flow(const Recording& recording, const analysis::SiteReport& site, const std::string& root) {
    json steps = json::array();
    const auto stack = recording.stacks.find(site.stack);
    if (stack == recording.stacks.end()) return nullptr;
    const auto frames = analysis::resolved_stack(recording, stack->second);
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
        json location = {{"message", {{"text", it->function}}}};
        if (!it->file.empty()) location["physicalLocation"] = physical_location(it->file, it->line, root);
        else if (!it->module.empty())
            location["physicalLocation"] = {{"artifactLocation", artifact(it->module, root)},
                                            {"address", {{"relativeAddress", it->module_offset}}}};
        steps.push_back({{"location", location}});
    }
    if (steps.empty()) return nullptr;
    return {{"threadFlows", json::array({{{"locations", steps}}})}};
}

/// A leaking site is an error when the process leaks too, a warning when the process as a whole does
/// not (a site that grows while others shrink, or growth the process's verdict calls a warm-up).
json site_result(const Recording& recording, const analysis::SiteReport& site, const std::string& root,
                 bool process_leaks) {
    json result = {{"ruleId", kSiteRule},
                   {"ruleIndex", 0},
                   {"level", process_leaks ? "error" : "warning"},
                   {"message", {{"text", site_finding(site)}}}};
    json location = {{"logicalLocations", json::array({{{"fullyQualifiedName", site.function}, {"kind", "function"}}})}};
    if (site.file && !site.file->empty()) location["physicalLocation"] = physical_location(*site.file, site.line.value_or(0), root);
    result["locations"] = json::array({location});
    if (auto flow = code_flow(recording, site, root); !flow.is_null()) result["codeFlows"] = json::array({flow});
    // The same site in the next run keeps its fingerprint, so code scanning tracks it across runs: not
    // the process it was in (a pid changes from run to run).
    result["partialFingerprints"] = {{"leakscopeSite/v1", fmt::format("{}:{}", site.function, site_location_in_any_process(site))}};
    result["properties"] = {{"steady_rate_bytes_per_s", site.diagnosis.steady_rate_bytes_per_s},
                            {"rate_ci_low_bytes_per_s", site.diagnosis.rate_ci_low_bytes_per_s},
                            {"rate_ci_high_bytes_per_s", site.diagnosis.rate_ci_high_bytes_per_s},
                            {"live_bytes", site.live_bytes},
                            {"q_value", site.q_value}};
    return result;
}

}  // namespace

json make_sarif(const Recording& recording, const analysis::Analysis& analysis, const std::string& source_root) {
    json results = json::array();
    const auto sites = leaking_sites(analysis);
    const auto& v = analysis.process.verdict;
    for (const auto* site : sites) results.push_back(site_result(recording, *site, source_root, v.leak));
    if (v.leak && sites.empty()) {
        results.push_back({{"ruleId", kProcessRule},
                           {"ruleIndex", 1},
                           {"level", "error"},
                           {"message", {{"text", verdict_line(analysis) + ". " + v.summary}}},
                           {"properties",
                            {{"pattern", std::string(pattern_id(v.pattern))},
                             {"steady_rate_bytes_per_s", v.steady_rate_bytes_per_s},
                             {"rate_ci_low_bytes_per_s", v.rate_ci_low_bytes_per_s},
                             {"rate_ci_high_bytes_per_s", v.rate_ci_high_bytes_per_s}}}});
    }
    json run = {
        {"tool",
         {{"driver",
           {{"name", "leakscope"},
            {"version", recording.info.leakscope_version.empty() ? std::string(kVersion) : recording.info.leakscope_version},
            {"rules", rules()}}}}},
        {"invocations",
         json::array({{{"executionSuccessful", true},
                       {"commandLine", command_line(recording)},
                       {"properties", {{"verdict", verdict_line(analysis)}}}}})},
        {"results", results},
    };
    if (!source_root.empty()) {
        std::string root = source_root.back() == '/' ? source_root : source_root + "/";
        run["originalUriBaseIds"] = {{"SRCROOT", {{"uri", "file://" + uri_path(root)}}}};
    }
    return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"}, {"version", "2.1.0"}, {"runs", json::array({run})}};
}

void write_sarif(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis) {
    out << make_sarif(recording, analysis, source_root()).dump(2) << '\n';
}

}  // namespace leakscope::report
