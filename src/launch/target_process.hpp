// The target of `leakscope run`: a child process started with the environment the tracker needs,
// its output either inherited untouched or passed through pipes (to count --events-regex lines, or
// to take out the Go runtime's collection reports leakscope asked for).
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace leakscope::launch {

class LaunchError : public std::runtime_error {
public:
    LaunchError(int exit_code, const std::string& message) : std::runtime_error(message), exit_code_(exit_code) {}
    int exit_code() const { return exit_code_; }

private:
    int exit_code_;
};

struct LaunchOptions {
    std::vector<std::string> argv;
    std::map<std::string, std::string> extra_environment;  ///< added to (or replacing in) ours
    bool pipe_output = false;  ///< stdout/stderr through pipes we copy from (for --events-regex)
    bool pipe_stderr = false;  ///< stderr alone through a pipe (a Go program's collection reports); stdout inherited
};

/// How a process ended, as waitpid tells it.
struct ExitStatus {
    std::optional<int> exit_code;    ///< when it exited
    std::optional<int> term_signal;  ///< when a signal killed it
    /// The code a shell would report: the exit code, or 128 + signal.
    int shell_code() const { return exit_code ? *exit_code : 128 + term_signal.value_or(0); }
};

class TargetProcess {
public:
    /// Starts argv[0] (searched in $PATH). Throws LaunchError with one clear line when it cannot.
    static TargetProcess launch(const LaunchOptions& options);

    TargetProcess(TargetProcess&& other) noexcept;
    TargetProcess& operator=(TargetProcess&&) = delete;
    TargetProcess(const TargetProcess&) = delete;
    ~TargetProcess();

    pid_t pid() const { return pid_; }
    /// Read ends of the output pipes, -1 when output is inherited.
    int stdout_fd() const { return stdout_fd_; }
    int stderr_fd() const { return stderr_fd_; }
    void close_output_fds();

    /// Non-blocking: the exit status once the process has ended (reaped once, then remembered).
    std::optional<ExitStatus> poll_exit();
    /// Blocks until the process ends.
    ExitStatus wait_exit();
    void send_signal(int signal) const;

private:
    TargetProcess() = default;
    pid_t pid_ = -1;
    int stdout_fd_ = -1;
    int stderr_fd_ = -1;
    std::optional<ExitStatus> status_;
};

}  // namespace leakscope::launch
