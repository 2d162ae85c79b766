#include "report/junit_report.hpp"

#include <ctime>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "report/report_facts.hpp"
#include "report/report_labels.hpp"
#include "report/xml_text.hpp"

namespace leakscope::report {
namespace {

std::string number(double value) { return fmt::format("{:.6g}", value); }

std::string iso_timestamp(double unix_s) {
    std::time_t start = static_cast<std::time_t>(unix_s);
    std::tm utc{};
    gmtime_r(&start, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    return text;
}

}  // namespace

JunitCase junit_case(const Recording& recording, const analysis::Analysis& analysis) {
    const auto& v = analysis.process.verdict;
    JunitCase c;
    c.classname = recording.info.attached ? "leakscope.attach" : "leakscope.run";
    c.name = "memory of " + (recording.info.command.empty() ? std::string("(unknown command)") : command_line(recording));
    c.time_s = analysis.duration_s;
    // Machine-readable numbers first (bytes per second, as in the JSON report), then the same as text.
    c.properties = {
        {"pattern", std::string(pattern_id(v.pattern))},
        {"leak", v.leak ? "true" : "false"},
        {"severity", std::string(severity_label(v.severity))},
        {"confidence", number(v.confidence)},
        {"metric", std::string(analysis.process.metric.empty() ? std::string_view("rss") : schema_metric(analysis.process.metric))},
        {"steady_rate_bytes_per_s", number(v.steady_rate_bytes_per_s)},
        {"rate_ci_low_bytes_per_s", number(v.rate_ci_low_bytes_per_s)},
        {"rate_ci_high_bytes_per_s", number(v.rate_ci_high_bytes_per_s)},
        {"steady_rate", rate_with_interval(v, 3600, "h")},
        {"warmup_bytes", number(v.warmup_bytes)},
        {"duration_s", number(analysis.duration_s)},
        {"samples", std::to_string(analysis.samples)},
        {"sampling_interval_s", number(recording.info.interval_s)},
    };
    if (v.rate_bytes_per_event) c.properties.emplace_back("rate_bytes_per_event", number(*v.rate_bytes_per_event));
    if (v.time_to_limit_s) c.properties.emplace_back("time_to_limit_s", number(*v.time_to_limit_s));

    c.message = verdict_line(analysis);
    std::string details = v.summary;
    for (const auto* site : leaking_sites(analysis)) {
        details += '\n';
        details += site_finding(*site);
    }
    c.details = details;
    if (v.pattern == diagnosis::Pattern::insufficient_data) c.skipped = true;
    else if (v.leak) c.failure_type = std::string(pattern_id(v.pattern));
    return c;
}

void write_junit_cases(std::ostream& out, const std::string& suite, const std::vector<JunitCase>& cases,
                       double start_unix_s, const std::string& hostname) {
    std::size_t failures = 0, skipped = 0;
    double time_s = 0;
    for (const auto& c : cases) {
        failures += c.failure_type ? 1 : 0;
        skipped += c.skipped ? 1 : 0;
        time_s += c.time_s;
    }
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    fmt::print(out, "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{:.3f}\">\n",
               escape_xml(suite), cases.size(), failures, skipped, time_s);
    fmt::print(out, "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{:.3f}\"",
               escape_xml(suite), cases.size(), failures, skipped, time_s);
    if (start_unix_s > 0) fmt::print(out, " timestamp=\"{}\"", iso_timestamp(start_unix_s));
    if (!hostname.empty()) fmt::print(out, " hostname=\"{}\"", escape_xml(hostname));
    out << ">\n";
    for (const auto& c : cases) {
        fmt::print(out, "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\">\n", escape_xml(c.classname),
                   escape_xml(c.name), c.time_s);
        out << "      <properties>\n";
        for (const auto& [name, value] : c.properties)
            fmt::print(out, "        <property name=\"{}\" value=\"{}\"/>\n", escape_xml(name), escape_xml(value));
        out << "      </properties>\n";
        if (c.failure_type)
            fmt::print(out, "      <failure type=\"{}\" message=\"{}\">{}</failure>\n", escape_xml(*c.failure_type),
                       escape_xml(c.message), escape_xml(c.details));
        else if (c.skipped)
            fmt::print(out, "      <skipped message=\"{}\"/>\n", escape_xml(c.message));
        fmt::print(out, "      <system-out>{}</system-out>\n", escape_xml(c.message + "\n" + c.details));
        out << "    </testcase>\n";
    }
    out << "  </testsuite>\n</testsuites>\n";
}

void write_junit(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis) {
    write_junit_cases(out, "leakscope", {junit_case(recording, analysis)}, recording.info.start_unix_s,
                      recording.info.hostname);
}

}  // namespace leakscope::report
