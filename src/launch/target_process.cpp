#include "launch/target_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "launch/command_lookup.hpp"

extern char** environ;

namespace leakscope::launch {
namespace {

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string entry(*e);
        const auto name = entry.substr(0, entry.find('='));
        if (!extra.count(name)) env.push_back(std::move(entry));
    }
    for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
    return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

ExitStatus decode(int status) {
    ExitStatus exit;
    if (WIFEXITED(status)) exit.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) exit.term_signal = WTERMSIG(status);
    return exit;
}

}  // namespace

TargetProcess TargetProcess::launch(const LaunchOptions& options) {
    if (options.argv.empty()) throw LaunchError(2, "no command given (usage: leakscope run [options] -- CMD [ARGS...])");
    auto resolved = resolve_command(options.argv[0]);
    if (auto* error = std::get_if<LookupError>(&resolved)) throw LaunchError(error->exit_code, error->message);
    const std::string program = std::get<std::string>(resolved);

    // Everything the child needs is built before fork: after fork it may only exec or _exit.
    std::vector<std::string> argv_strings = options.argv;
    std::vector<std::string> env_strings = merged_environment(options.extra_environment);
    auto argv = c_strings(argv_strings);
    auto envp = c_strings(env_strings);

    int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, exec_error_pipe[2];
    const bool pipe_stderr = options.pipe_output || options.pipe_stderr;
    if ((options.pipe_output && ::pipe2(out_pipe, O_CLOEXEC) != 0) || (pipe_stderr && ::pipe2(err_pipe, O_CLOEXEC) != 0))
        throw LaunchError(125, std::string("cannot create pipes: ") + std::strerror(errno));
    // Tells the parent why exec failed (ENOEXEC, E2BIG, ...): closed unread when exec succeeds.
    if (::pipe2(exec_error_pipe, O_CLOEXEC) != 0) throw LaunchError(125, std::string("cannot create pipe: ") + std::strerror(errno));

    const pid_t pid = ::fork();
    if (pid < 0) throw LaunchError(125, std::string("cannot fork: ") + std::strerror(errno));
    if (pid == 0) {
        if (options.pipe_output) ::dup2(out_pipe[1], STDOUT_FILENO);
        if (pipe_stderr) ::dup2(err_pipe[1], STDERR_FILENO);
        // Restore what leakscope changed, so the target behaves as it would without us.
        ::signal(SIGPIPE, SIG_DFL);
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGTERM, SIG_DFL);
        ::signal(SIGHUP, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(program.c_str(), argv.data(), envp.data());
        const int error = errno;
        [[maybe_unused]] auto ignored = ::write(exec_error_pipe[1], &error, sizeof error);
        ::_exit(127);
    }
    ::close(exec_error_pipe[1]);
    int exec_errno = 0;
    ssize_t n;
    do {
        n = ::read(exec_error_pipe[0], &exec_errno, sizeof exec_errno);
    } while (n < 0 && errno == EINTR);
    ::close(exec_error_pipe[0]);
    if (n == static_cast<ssize_t>(sizeof exec_errno)) {
        ::waitpid(pid, nullptr, 0);
        for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]})
            if (fd >= 0) ::close(fd);
        throw LaunchError(exec_errno == ENOENT ? 127 : 126,
                          "cannot execute " + options.argv[0] + ": " + std::strerror(exec_errno));
    }

    TargetProcess target;
    target.pid_ = pid;
    if (options.pipe_output) {
        ::close(out_pipe[1]);
        target.stdout_fd_ = out_pipe[0];
    }
    if (pipe_stderr) {
        ::close(err_pipe[1]);
        target.stderr_fd_ = err_pipe[0];
    }
    return target;
}

TargetProcess::TargetProcess(TargetProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      stdout_fd_(std::exchange(other.stdout_fd_, -1)),
      stderr_fd_(std::exchange(other.stderr_fd_, -1)),
      status_(other.status_) {}

TargetProcess::~TargetProcess() { close_output_fds(); }

void TargetProcess::close_output_fds() {
    if (stdout_fd_ >= 0) ::close(std::exchange(stdout_fd_, -1));
    if (stderr_fd_ >= 0) ::close(std::exchange(stderr_fd_, -1));
}

std::optional<ExitStatus> TargetProcess::poll_exit() {
    if (status_ || pid_ <= 0) return status_;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) status_ = decode(status);
    return status_;
}

ExitStatus TargetProcess::wait_exit() {
    while (!status_) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, 0);
        if (r == pid_) status_ = decode(status);
        else if (r < 0 && errno != EINTR) status_ = ExitStatus{};
    }
    return *status_;
}

void TargetProcess::send_signal(int signal) const {
    if (pid_ > 0 && !status_) ::kill(pid_, signal);
}

}  // namespace leakscope::launch
