// Runs --on-leak commands (through /bin/sh -c) without waiting for them: a slow hook must not stall
// the sampling of every other process. Finished hooks are reaped on the next poll.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace leakscope::watch {

class HookRunner {
public:
    explicit HookRunner(std::string command) : command_(std::move(command)) {}

    /// Starts the command with `environment` added to leakscope's own. At most kMaxRunning at once:
    /// beyond that the hook is skipped and counted as a failure (returns false).
    bool start(const std::vector<std::string>& environment);
    /// Reaps finished hooks; counts the ones that exited non-zero.
    void poll();

    bool enabled() const { return !command_.empty(); }
    std::uint64_t runs() const { return runs_; }
    std::uint64_t failures() const { return failures_; }

    static constexpr std::size_t kMaxRunning = 4;

private:
    void account(int status);
    std::string command_;
    std::vector<pid_t> running_;
    std::uint64_t runs_ = 0;
    std::uint64_t failures_ = 0;
};

}  // namespace leakscope::watch
