// One thread of another process borrowed through ptrace to run a few function calls in it (x86-64):
// seized and interrupted, its registers (general and extended state) saved, each call made by setting
// the registers with a return address of 0 — the return faults, ptrace reports the fault, and the
// result is in rax — then the saved state put back and the thread let go, as if nothing happened (a
// system call it was blocked in restarts). Only this thread stops; the process's others run on.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>

namespace leakscope::attach {

class RemoteThread {
public:
    /// Seizes and stops `tid` of process `pid`. Throws std::system_error (errno of PTRACE_SEIZE, e.g.
    /// EPERM) or std::runtime_error when the thread cannot be stopped.
    RemoteThread(pid_t pid, pid_t tid);
    ~RemoteThread();  ///< releases the thread if release() was not called
    RemoteThread(const RemoteThread&) = delete;
    RemoteThread& operator=(const RemoteThread&) = delete;

    /// Where the thread stopped: in a system call (its number), or in user code at `stopped_pc()`.
    long stopped_system_call() const;
    std::uint64_t stopped_pc() const;

    /// Copies bytes below the thread's stack pointer (past the red zone), returns their address.
    std::uint64_t push_bytes(const void* data, std::size_t size);
    std::uint64_t push_string(const std::string& text) { return push_bytes(text.c_str(), text.size() + 1); }
    std::uint64_t read_word(std::uint64_t address) const;
    /// Calls `function(args...)` (up to six integer arguments) on the thread and returns rax. Throws
    /// std::runtime_error if the process dies, the call faults elsewhere, or it does not return in time.
    std::uint64_t call(std::uint64_t function, std::initializer_list<std::uint64_t> args,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// Puts the saved state back and detaches; returns how long the thread was held.
    std::chrono::nanoseconds release();

private:
    struct SavedState;
    pid_t pid_, tid_;
    int memory_fd_ = -1;
    std::unique_ptr<SavedState> saved_;
    std::uint64_t scratch_ = 0;  ///< next free byte (downwards) of the scratch area below the stack
    std::chrono::steady_clock::time_point stopped_at_;
    bool released_ = false;
};

}  // namespace leakscope::attach
