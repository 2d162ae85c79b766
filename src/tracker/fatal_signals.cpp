#include "fatal_signals.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "os.hpp"
#include "transport.hpp"

namespace leakscope::tracker::fatal_signals {
namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
constexpr std::uint64_t kLongestWaitNs = 1000000000ull;

void on_fatal_signal(int signal, siginfo_t* info, void*) {
    int saved_errno = errno;
    transport::flush_for_fatal_signal(kLongestWaitNs);
    errno = saved_errno;
    // SA_RESETHAND put the default action back. A fault returns to the faulting instruction and faults
    // again; a signal that was sent (kill, raise) is sent once more, and kills when this handler returns.
    if (info == nullptr || info->si_code <= 0) syscall(SYS_tgkill, os::current_pid(), os::current_tid(), signal);
}

}  // namespace

void install() {
    for (int signal : kFatalSignals) {
        struct sigaction current{};
        if (sigaction(signal, nullptr, &current) != 0) continue;
        if ((current.sa_flags & SA_SIGINFO) || current.sa_handler != SIG_DFL) continue;
        struct sigaction ours{};
        ours.sa_sigaction = on_fatal_signal;
        sigemptyset(&ours.sa_mask);
        ours.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_ONSTACK | SA_RESTART;
        sigaction(signal, &ours, nullptr);
    }
}

}  // namespace leakscope::tracker::fatal_signals
