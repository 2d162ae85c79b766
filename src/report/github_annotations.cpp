#include "report/github_annotations.hpp"

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "report/report_facts.hpp"

namespace leakscope::report {
namespace {

std::string escape(const std::string& text, bool property) {
    std::string out;
    for (char c : text) {
        if (c == '%') out += "%25";
        else if (c == '\r') out += "%0D";
        else if (c == '\n') out += "%0A";
        else if (property && c == ':') out += "%3A";
        else if (property && c == ',') out += "%2C";
        else out += c;
    }
    return out;
}

}  // namespace

bool in_github_actions() {
    const char* value = std::getenv("GITHUB_ACTIONS");
    return value && std::strcmp(value, "true") == 0;
}

std::string github_escape_message(const std::string& text) { return escape(text, false); }
std::string github_escape_property(const std::string& text) { return escape(text, true); }

void write_github_annotations(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis,
                              const std::string& source_root) {
    const auto& v = analysis.process.verdict;
    // As in SARIF: an error where the process leaks, a warning where only the site's own series grows.
    const char* site_level = v.leak ? "error" : "warning";
    for (const auto* site : leaking_sites(analysis)) {
        std::string properties;
        if (site->file && !site->file->empty()) {
            properties = "file=" + github_escape_property(path_under_root(*site->file, source_root));
            if (site->line && *site->line > 0) properties += fmt::format(",line={}", *site->line);
            properties += ",";
        }
        properties += "title=" + github_escape_property("leakscope: memory leak at " + site->function);
        fmt::print(out, "::{} {}::{}\n", site_level, properties, github_escape_message(site_finding(*site)));
    }
    const char* level = v.leak ? "error" : v.pattern == diagnosis::Pattern::insufficient_data ? "warning" : "notice";
    std::string command = recording.info.command.empty() ? std::string("(unknown command)") : command_line(recording);
    fmt::print(out, "::{} title={}::{}\n", level, github_escape_property("leakscope: " + command),
               github_escape_message(verdict_line(analysis) + ". " + v.summary));
}

}  // namespace leakscope::report
