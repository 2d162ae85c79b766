#include "collector/socket_janitor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace leakscope::collector {

SocketJanitor::SocketJanitor(std::string directory, std::string socket_path)
    : directory_(std::move(directory)), socket_path_(std::move(socket_path)) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    // Everything the child uses is prepared before fork: after it, only async-signal-safe calls.
    const char* const socket_c = socket_path_.c_str();
    const char* const directory_c = directory_.c_str();
    // Double fork: the helper is not our child, so it is never taken for a process of the watched
    // tree (leakscope's own children are, as the tree's subreaper) nor waited for.
    const pid_t child = ::fork();
    if (child == 0 && ::fork() != 0) ::_exit(0);
    if (child == 0) {
        // Ctrl-C and the signals leakscope forwards are not for us: we go when the pipe closes.
        ::signal(SIGINT, SIG_IGN);
        ::signal(SIGTERM, SIG_IGN);
        ::signal(SIGHUP, SIG_IGN);
        ::signal(SIGQUIT, SIG_IGN);
        ::dup2(fds[0], 3);  // not O_CLOEXEC any more, but we never exec
        ::close_range(4, ~0u, 0);  // the listening socket and every other descriptor of leakscope
        char byte;
        while (::read(3, &byte, 1) < 0 && errno == EINTR) {
        }
        ::unlink(socket_c);
        ::rmdir(directory_c);
        ::_exit(0);
    }
    ::close(fds[0]);
    if (child < 0) {
        ::close(fds[1]);
        return;
    }
    while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
    }
    pipe_write_ = fds[1];
}

SocketJanitor::~SocketJanitor() {
    ::unlink(socket_path_.c_str());
    ::rmdir(directory_.c_str());
    if (pipe_write_ >= 0) ::close(pipe_write_);  // the helper finds nothing left to remove, and exits
}

}  // namespace leakscope::collector
