// Fuzz target of the whole offline pipeline, as `leakscope analyze`/`report`/`diff` run it on a file
// someone handed over: reader -> analysis -> every report format -> diff (the input against itself).
// Checksums are ignored so mutated bytes reach every payload decoder and then every writer. Only
// RecordingError ("not a recording", one line) may escape the reader; any other exception, crash,
// sanitizer report or timeout is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <span>

#include "analysis/analysis.hpp"
#include "compare/recording_diff.hpp"
#include "recording/recording_error.hpp"
#include "recording/recording_reader.hpp"
#include "report/csv_series.hpp"
#include "report/folded_stacks.hpp"
#include "report/html_report.hpp"
#include "report/json_report.hpp"
#include "report/markdown_report.hpp"
#include "report/terminal_summary.hpp"

namespace {

std::FILE* null_output() {
    static std::FILE* const sink = std::fopen("/dev/null", "w");
    return sink;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace leakscope;
    Recording recording;
    try {
        recording = recording::read_recording_bytes(std::span<const std::uint8_t>(data, size), "fuzz-input",
                                                    recording::ReadOptions{false});
    } catch (const recording::RecordingError&) {
        return 0;
    }
    const analysis::Analysis report_analysis = analysis::analyze(recording);
    std::ostringstream out;
    report::write_json(out, recording, report_analysis);
    report::write_html(out, recording, report_analysis);
    report::write_markdown(out, recording, report_analysis);
    report::write_folded(out, recording, report_analysis);
    report::write_csv(out, recording, report_analysis);
    report::print_terminal_summary(null_output(), recording, report_analysis, true, "fuzz-input");

    const analysis::Analysis diff_analysis = analysis::analyze(recording, compare::diff_analysis_options({}));
    const compare::RecordingDiff diff =
        compare::diff_recordings(recording, diff_analysis, recording, diff_analysis, compare::ComparisonOptions{});
    out << compare::diff_text(diff) << compare::diff_json(diff).dump();
    return 0;
}
