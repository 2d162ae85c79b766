// Runs the experiment: every planned run, in the interleaved order, under leakscope's watch, with the
// configuration's environment and arguments, the target's output silenced unless asked for, and one
// progress line per run on stderr. Each run's recording is analyzed as soon as it ends.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/analysis.hpp"
#include "compare/experiment_plan.hpp"
#include "launch/target_process.hpp"
#include "session/watch_options.hpp"

namespace leakscope::compare {

struct ExperimentSettings {
    std::vector<std::string> command;
    std::vector<Configuration> configurations;
    int repeats = 1;
    session::WatchOptions watch;            ///< the same for every run; the recording path is set per run
    std::filesystem::path recordings_dir;   ///< <dir>/<configuration>.<repeat>.lks
    bool show_output = false;               ///< let the target's stdout/stderr through
    analysis::Options analysis_options;
};

struct ExperimentRun {
    PlannedRun plan;
    analysis::Analysis analysis;
    std::string recording_path;
    std::optional<launch::ExitStatus> exit;
};

/// Progress lines go here (stderr in the CLI); `partial` text is the start of a line the next call ends.
struct ProgressSink {
    std::function<void(const std::string& text)> write;
};

/// Ctrl-C or SIGTERM stopped the experiment; the runs so far are in the recordings directory.
class ExperimentInterrupted : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Runs everything. Throws launch::LaunchError when the command cannot start, ExperimentInterrupted.
std::vector<ExperimentRun> run_experiment(const ExperimentSettings& settings, const ProgressSink& progress);

}  // namespace leakscope::compare
