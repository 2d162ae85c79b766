// Hooks on the calls that take a descriptor number away from whatever it named: close, dup2, dup3,
// close_range, closefrom. Daemons close every descriptor and reuse the numbers; when our stream's socket
// is among them, it must leave the number before the number names a socket of the program's, or a flush
// on the transport thread writes the tracker's packets into the program's connection. Checking the
// socket's identity before a flush (still_ours) leaves the whole flush as a window; here the program's
// call waits for a running flush and moves the socket out of its way (program_closes_descriptors). Any
// other number costs one relaxed load. Raw system calls bypass these; still_ours catches those at the
// next round, and the stream stops.
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>

#include "hook_linkage.hpp"
#include "thread_state.hpp"
#include "tracker.hpp"
#include "transport.hpp"

// glibc 2.34 has both; declared here for older headers (the hooks forward to the system call where
// libc lacks them).
extern "C" int close_range(unsigned int first, unsigned int last, int flags) noexcept;
extern "C" void closefrom(int lowest) noexcept;

namespace leakscope::tracker {
namespace {

struct RealDescriptorFunctions {
    int (*close)(int) = nullptr;
    int (*dup2)(int, int) = nullptr;
    int (*dup3)(int, int, int) = nullptr;
    int (*close_range)(unsigned, unsigned, int) = nullptr;
    void (*closefrom)(int) = nullptr;
};
constinit RealDescriptorFunctions g_descriptor_functions LEAKSCOPE_STARTUP_DATA{};

#ifndef CLOSE_RANGE_CLOEXEC
constexpr int CLOSE_RANGE_CLOEXEC = 1 << 2;
#endif

/// close_range's last descriptor as an int (the kernel takes ~0U for "every one above first").
int last_of(unsigned last) { return last > static_cast<unsigned>(INT_MAX) ? INT_MAX : static_cast<int>(last); }

}  // namespace

void resolve_descriptor_functions() {
    ReentrancyGuard guard;  // dlsym may allocate
    RealDescriptorFunctions& real = g_descriptor_functions;
    real.close = next_definition<decltype(real.close)>("close");
    real.dup2 = next_definition<decltype(real.dup2)>("dup2");
    real.dup3 = next_definition<decltype(real.dup3)>("dup3");
    real.close_range = next_definition<decltype(real.close_range)>("close_range");
    real.closefrom = next_definition<decltype(real.closefrom)>("closefrom");
}

}  // namespace leakscope::tracker

using namespace leakscope::tracker;

// Before our constructor has looked them up (another library's constructor), the system call stands in.

LEAKSCOPE_HOOK int close(int fd) {
    transport::program_closes_descriptors(fd, fd);
    if (auto real = g_descriptor_functions.close) return real(fd);
    return static_cast<int>(syscall(SYS_close, fd));
}

LEAKSCOPE_HOOK int dup2(int old_fd, int new_fd) {
    if (old_fd != new_fd) transport::program_closes_descriptors(new_fd, new_fd);  // equal: no close
    if (auto real = g_descriptor_functions.dup2) return real(old_fd, new_fd);
    return static_cast<int>(syscall(SYS_dup2, old_fd, new_fd));
}

LEAKSCOPE_HOOK int dup3(int old_fd, int new_fd, int flags) {
    transport::program_closes_descriptors(new_fd, new_fd);
    if (auto real = g_descriptor_functions.dup3) return real(old_fd, new_fd, flags);
    return static_cast<int>(syscall(SYS_dup3, old_fd, new_fd, flags));
}

LEAKSCOPE_HOOK int close_range(unsigned int first, unsigned int last, int flags) noexcept {
    // CLOSE_RANGE_CLOEXEC only marks them: the socket is ours until an exec, which ends the stream anyway.
    if (!(flags & CLOSE_RANGE_CLOEXEC) && first <= static_cast<unsigned>(INT_MAX))
        transport::program_closes_descriptors(static_cast<int>(first), last_of(last));
    if (auto real = g_descriptor_functions.close_range) return real(first, last, flags);
    return static_cast<int>(syscall(SYS_close_range, first, last, flags));
}

LEAKSCOPE_HOOK void closefrom(int lowest) noexcept {
    if (lowest >= 0) transport::program_closes_descriptors(lowest, INT_MAX);
    if (auto real = g_descriptor_functions.closefrom) return real(lowest);
    syscall(SYS_close_range, static_cast<unsigned>(lowest), ~0U, 0);
}
