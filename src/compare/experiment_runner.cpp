#include "compare/experiment_runner.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

#include "report/human_units.hpp"
#include "session/watch_session.hpp"

namespace leakscope::compare {
namespace {

/// Points stdout and stderr at /dev/null while a run lasts: the target inherits them (or leakscope
/// relays its piped output into them, still counting --events-regex lines), so a chatty service does
/// not bury the progress lines.
class ScopedSilence {
public:
    explicit ScopedSilence(bool enabled) {
        if (!enabled) return;
        std::fflush(stdout);
        std::fflush(stderr);
        const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null_fd < 0) return;
        saved_out_ = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        saved_err_ = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
        ::dup2(null_fd, STDOUT_FILENO);
        ::dup2(null_fd, STDERR_FILENO);
        ::close(null_fd);
    }
    ~ScopedSilence() {
        std::fflush(stdout);
        std::fflush(stderr);
        if (saved_out_ >= 0) {
            ::dup2(saved_out_, STDOUT_FILENO);
            ::close(saved_out_);
        }
        if (saved_err_ >= 0) {
            ::dup2(saved_err_, STDERR_FILENO);
            ::close(saved_err_);
        }
    }
    ScopedSilence(const ScopedSilence&) = delete;
    ScopedSilence& operator=(const ScopedSilence&) = delete;

private:
    int saved_out_ = -1, saved_err_ = -1;
};

std::string outcome_text(const ExperimentRun& run) {
    const auto& process = run.analysis.process;
    const auto& d = process.verdict;
    std::string text = fmt::format("{}, {} {} ({})", report::format_duration(run.analysis.duration_s),
                                   process.metric == "live_heap" ? "live heap" : "RSS",
                                   report::format_rate(d.steady_rate_bytes_per_s * 3600.0, "h"),
                                   diagnosis::to_string(d.pattern));
    if (run.exit && run.exit->exit_code && *run.exit->exit_code != 0) text += fmt::format(", exit code {}", *run.exit->exit_code);
    if (run.exit && run.exit->term_signal && run.analysis.duration_s > 0 && !(run.exit->term_signal == 15))
        text += fmt::format(", killed by signal {}", *run.exit->term_signal);
    return text;
}

}  // namespace

std::vector<ExperimentRun> run_experiment(const ExperimentSettings& settings, const ProgressSink& progress) {
    const auto schedule = interleaved_schedule(settings.configurations.size(), settings.repeats);
    std::vector<ExperimentRun> runs;
    for (std::size_t i = 0; i < schedule.size(); ++i) {
        const auto& plan = schedule[i];
        const auto& configuration = settings.configurations[plan.configuration];
        const std::string label = fmt::format("run {}/{}: {} #{}", i + 1, schedule.size(), configuration.name, plan.repeat);

        session::WatchOptions options = settings.watch;
        options.status_line = false;
        options.extra_environment = configuration.environment;
        options.recording_path = settings.recordings_dir / fmt::format("{}.{}.lks", configuration.name, plan.repeat);
        if (!settings.show_output) progress.write("leakscope: " + label + " ... ");

        session::WatchResult result;
        {
            ScopedSilence silence(!settings.show_output);
            result = session::run_and_watch(command_for(settings.command, configuration), options);
        }
        ExperimentRun run;
        run.plan = plan;
        run.recording_path = options.recording_path.string();
        run.exit = result.exit;
        run.analysis = analysis::analyze(result.recording, settings.analysis_options);
        const std::string outcome = outcome_text(run);
        progress.write(settings.show_output ? "leakscope: " + label + ": " + outcome + "\n" : outcome + "\n");
        for (const auto& note : result.notes) {
            if (i == 0) progress.write("leakscope: " + note + "\n");  // the same for every run: say it once
        }
        const bool interrupted = result.recording.end && result.recording.end->reason == "interrupted";
        runs.push_back(std::move(run));
        if (interrupted) {
            throw ExperimentInterrupted(fmt::format("interrupted during run {} of {}; the recordings so far are in {}", i + 1,
                                                 schedule.size(), settings.recordings_dir.string()));
        }
    }
    return runs;
}

}  // namespace leakscope::compare
