#include "watch/hook_runner.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

extern char** environ;

namespace leakscope::watch {

bool HookRunner::start(const std::vector<std::string>& environment) {
    if (command_.empty()) return false;
    poll();
    if (running_.size() >= kMaxRunning) {
        ++failures_;
        return false;
    }
    // The hook's environment: ours, with the facts replacing any variable of the same name.
    std::vector<std::string> merged;
    for (char** e = environ; *e; ++e) {
        const std::string entry(*e);
        const auto name = entry.substr(0, entry.find('=') + 1);
        const bool replaced = std::any_of(environment.begin(), environment.end(),
                                          [&](const std::string& given) { return given.compare(0, name.size(), name) == 0; });
        if (!replaced) merged.push_back(entry);
    }
    merged.insert(merged.end(), environment.begin(), environment.end());
    std::vector<char*> envp;
    for (auto& entry : merged) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::string shell = "/bin/sh", dash_c = "-c", command = command_;
    char* argv[] = {shell.data(), dash_c.data(), command.data(), nullptr};

    // watch ignores SIGPIPE (for its HTTP server); the hook gets the default back, as from a shell.
    posix_spawnattr_t attributes;
    ::posix_spawnattr_init(&attributes);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    ::posix_spawnattr_setsigdefault(&attributes, &defaults);
    ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
    pid_t pid = 0;
    ++runs_;
    const int failed = ::posix_spawn(&pid, "/bin/sh", nullptr, &attributes, argv, envp.data());
    ::posix_spawnattr_destroy(&attributes);
    if (failed != 0) {
        ++failures_;
        return false;
    }
    running_.push_back(pid);
    return true;
}

void HookRunner::account(int status) {
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures_;
}

void HookRunner::poll() {
    std::erase_if(running_, [&](pid_t pid) {
        int status = 0;
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) account(status);
        return done != 0;  // finished, or not ours any more
    });
}

}  // namespace leakscope::watch
