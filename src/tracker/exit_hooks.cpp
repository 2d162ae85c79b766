// Hooks on the ways a process ends without running library destructors, so the tracker's last state
// still reaches leakscope: _exit/_Exit (fork children, programs that skip their teardown on purpose) send
// the final snapshot and the goodbye; exec* sends the last snapshot of the program being replaced.
// glibc's exec family calls its internal __execve, not the exported one, so every exported variant is
// hooked. The real functions are looked up in the library constructor; if one is missing the raw
// system call stands in for it. An exec whose environment dropped the tracker from LD_PRELOAD while the
// tree is still tracked gets it back (preload_across_exec.hpp).
#include <dlfcn.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>

#include "hook_linkage.hpp"
#include "os.hpp"
#include "preload_across_exec.hpp"
#include "thread_state.hpp"
#include "tracker.hpp"
#include "transport.hpp"

namespace leakscope::tracker {
namespace {

using ExitFunction = void (*)(int);
using ExecveFunction = int (*)(const char*, char* const[], char* const[]);
using ExecvpeFunction = int (*)(const char*, char* const[], char* const[]);
using FexecveFunction = int (*)(int, char* const[], char* const[]);
using FreeresFunction = void (*)();

struct RealProcessEndFunctions {
    ExitFunction exit_ = nullptr;
    ExitFunction Exit = nullptr;
    ExecveFunction execve = nullptr;
    ExecvpeFunction execvpe = nullptr;
    FexecveFunction fexecve = nullptr;
    FreeresFunction libstdcxx_freeres = nullptr;  ///< __gnu_cxx::__freeres (libstdc++ of GCC 9 on)
    int loaded_in_pid = 0;  ///< the process whose start loaded the tracker (fork children inherit it)
};
constinit RealProcessEndFunctions g_end LEAKSCOPE_STARTUP_DATA{};

/// The tracker is running in this process (not while it resolves itself, not when it is off).
bool tracking() { return g_tracker.state.load(std::memory_order_acquire) == static_cast<int>(InitState::kActive); }

/// The real functions; looked up here too when a hook runs before our constructor (another
/// library's constructor calling exec).
const RealProcessEndFunctions& real() {
    if (!g_end.execve) resolve_process_end_functions();
    return g_end;
}

[[noreturn]] void exit_now(ExitFunction real, int status) {
    if (tracking()) {
        release_runtime_pools();
        transport::final_flush();
    }
    if (real) real(status);
    for (;;) syscall(SYS_exit_group, status);
}

void before_exec() {
    if (tracking()) transport::flush_before_exec();
}

}  // namespace

void resolve_process_end_functions() {
    ReentrancyGuard guard;  // dlsym may allocate
    if (g_end.execve) return;
    g_end.exit_ = next_definition<ExitFunction>("_exit");
    g_end.Exit = next_definition<ExitFunction>("_Exit");
    g_end.execve = next_definition<ExecveFunction>("execve");
    g_end.execvpe = next_definition<ExecvpeFunction>("execvpe");
    g_end.fexecve = next_definition<FexecveFunction>("fexecve");
    g_end.libstdcxx_freeres = reinterpret_cast<FreeresFunction>(dlsym(RTLD_DEFAULT, "_ZN9__gnu_cxx9__freeresEv"));
    g_end.loaded_in_pid = os::current_pid();
    preload::remember_tracker_file();
}

void release_runtime_pools() {
    // Only where the pool was allocated under the tracker's eyes: a forked child inherited it (sampled
    // tracking's heap, the allocator's figure less the child's baseline at the fork, would fall below what
    // the child allocated), and an attached tracker came after it.
    if (g_tracker.config.attached || os::current_pid() != g_end.loaded_in_pid) return;
    // Once, on whichever exit path comes first; its free is tracked like any other.
    static std::atomic<bool> released LEAKSCOPE_STARTUP_DATA{false};  // every process's end writes it
    if (released.exchange(true, std::memory_order_acq_rel)) return;
    if (g_end.libstdcxx_freeres) g_end.libstdcxx_freeres();
}

}  // namespace leakscope::tracker

using namespace leakscope::tracker;

LEAKSCOPE_HOOK void _exit(int status) { exit_now(real().exit_, status); }
LEAKSCOPE_HOOK void _Exit(int status) { exit_now(real().Exit ? g_end.Exit : g_end.exit_, status); }

LEAKSCOPE_HOOK int execve(const char* path, char* const argv[], char* const envp[]) {
    before_exec();
    return preload::exec_keeping_the_tracker(envp, [&](char* const* environment) {
        if (real().execve) return g_end.execve(path, argv, environment);
        return static_cast<int>(syscall(SYS_execve, path, argv, environment));
    });
}

LEAKSCOPE_HOOK int execv(const char* path, char* const argv[]) { return execve(path, argv, environ); }

LEAKSCOPE_HOOK int execvpe(const char* file, char* const argv[], char* const envp[]) {
    before_exec();
    return preload::exec_keeping_the_tracker(envp, [&](char* const* environment) {
        if (real().execvpe) return g_end.execvpe(file, argv, environment);
        errno = ENOSYS;
        return -1;
    });
}

LEAKSCOPE_HOOK int execvp(const char* file, char* const argv[]) { return execvpe(file, argv, environ); }

LEAKSCOPE_HOOK int fexecve(int fd, char* const argv[], char* const envp[]) {
    before_exec();
    return preload::exec_keeping_the_tracker(envp, [&](char* const* environment) {
        if (real().fexecve) return g_end.fexecve(fd, argv, environment);
        errno = ENOSYS;
        return -1;
    });
}

namespace {

/// Arguments of an execl-style call after `first`, up to (not counting) the terminating null pointer.
std::size_t count_arguments(va_list va) {
    std::size_t n = 1;
    while (va_arg(va, char*)) ++n;
    return n;
}

}  // namespace

// The execl family builds argv on the stack (a variable-length array, as glibc's own versions do)
// and goes through the hooked vector forms. execle's environment pointer follows the null.
#define LEAKSCOPE_EXECL_ARGV(arg)                           \
    va_list va, counting;                                   \
    va_start(va, arg);                                      \
    va_copy(counting, va);                                  \
    const std::size_t argc = count_arguments(counting);     \
    va_end(counting);                                       \
    char* argv[argc + 1];                                   \
    argv[0] = const_cast<char*>(arg);                       \
    for (std::size_t i = 1; i <= argc; ++i) argv[i] = va_arg(va, char*);

LEAKSCOPE_HOOK int execl(const char* path, const char* arg, ...) {
    LEAKSCOPE_EXECL_ARGV(arg)
    va_end(va);
    return execve(path, argv, environ);
}

LEAKSCOPE_HOOK int execlp(const char* file, const char* arg, ...) {
    LEAKSCOPE_EXECL_ARGV(arg)
    va_end(va);
    return execvpe(file, argv, environ);
}

LEAKSCOPE_HOOK int execle(const char* path, const char* arg, ...) {
    LEAKSCOPE_EXECL_ARGV(arg)
    char* const* envp = va_arg(va, char* const*);
    va_end(va);
    return execve(path, argv, envp);
}
