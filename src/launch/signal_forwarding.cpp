#include "launch/signal_forwarding.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace leakscope::launch {
namespace {

std::atomic<int> pending_signal{0};
std::atomic<bool> pending_from_terminal{false};
int wakeup_pipe[2] = {-1, -1};

void on_signal(int signal, siginfo_t* info, void*) {
    const int saved_errno = errno;
    // si_code > 0 means the kernel sent it (a terminal's Ctrl-C is SI_KERNEL); <= 0 means kill()/sigqueue().
    pending_from_terminal.store(info && info->si_code > 0, std::memory_order_relaxed);
    pending_signal.store(signal, std::memory_order_release);
    if (wakeup_pipe[1] >= 0) {
        const char byte = 1;
        [[maybe_unused]] auto ignored = ::write(wakeup_pipe[1], &byte, 1);
    }
    errno = saved_errno;
}

}  // namespace

void install_stop_signal_handlers() {
    if (wakeup_pipe[0] < 0 && ::pipe2(wakeup_pipe, O_CLOEXEC | O_NONBLOCK) != 0) wakeup_pipe[0] = wakeup_pipe[1] = -1;
    struct sigaction action {};
    action.sa_sigaction = on_signal;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    for (int signal : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(signal, &action, nullptr);
    // Our stdout may be a closed pipe (leakscope run ... | head): that must not kill the watcher.
    ::signal(SIGPIPE, SIG_IGN);
}

int take_pending_signal(bool& from_terminal) {
    const int signal = pending_signal.exchange(0, std::memory_order_acquire);
    from_terminal = pending_from_terminal.load(std::memory_order_relaxed);
    if (signal && wakeup_pipe[0] >= 0) {
        char drain[64];
        while (::read(wakeup_pipe[0], drain, sizeof drain) > 0) {
        }
    }
    return signal;
}

int signal_wakeup_fd() { return wakeup_pipe[0]; }

}  // namespace leakscope::launch
