#include "cli/load_recording.hpp"

#include <cstdio>

#include "cli/cli_error.hpp"
#include "recording/recording_error.hpp"
#include "recording/recording_reader.hpp"
#include "util/terminal_text.hpp"

namespace leakscope::cli {

Recording load_recording(const std::string& path) {
    try {
        Recording recording = recording::read_recording(path);
        for (const auto& warning : recording.warnings) std::fprintf(stderr, "leakscope: warning: %s\n", util::terminal_text(warning).c_str());
        return recording;
    } catch (const recording::RecordingError& e) {
        throw CliError("cannot read " + e.path() + ": " + e.reason());
    }
}

}  // namespace leakscope::cli
