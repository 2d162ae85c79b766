#include "report/folded_stacks.hpp"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ostream.h>

namespace leakscope::report {

namespace {

/// ';' separates frames and a newline ends the record, so neither may appear inside a frame.
std::string clean_frame(const std::string& frame) {
    std::string out = frame;
    for (char& c : out) {
        if (c == ';') c = ',';
        else if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    return out.empty() ? std::string("??") : out;
}

}  // namespace

void write_folded(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis) {
    bool name_process = recording.processes.size() > 1;
    for (const auto& site : analysis.sites) {
        auto weight = static_cast<long long>(std::llround(site.live_bytes));
        if (weight <= 0) continue;
        std::string line;
        if (name_process && site.process < recording.processes.size())
            line = clean_frame(recording.processes[site.process]);
        if (site.frames.empty()) {
            if (!line.empty()) line += ';';
            line += clean_frame(site.function);
        }
        for (auto frame = site.frames.rbegin(); frame != site.frames.rend(); ++frame) {
            if (!line.empty()) line += ';';
            line += clean_frame(*frame);
        }
        fmt::print(out, "{} {}\n", line, weight);
    }
}

}  // namespace leakscope::report
