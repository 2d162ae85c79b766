#include "attach/remote_thread.hpp"

#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

namespace leakscope::attach {

#if !defined(__x86_64__)
#error "RemoteThread drives x86-64 registers; other architectures need their own call sequence"
#endif

struct RemoteThread::SavedState {
    user_regs_struct regs{};
    std::vector<unsigned char> extended;  ///< XSAVE area (x87/SSE/AVX...): the calls may use vector registers
    int pending_signal = 0;               ///< a signal the thread was about to take when it stopped: redelivered
};

namespace {

constexpr std::uint64_t kRedZone = 128;  // the System V ABI lets leaf code use 128 bytes below rsp

/// Waits for `tid` to stop; returns its wait status. Throws when it exits instead.
int wait_for_stop(pid_t tid) {
    int status = 0;
    while (::waitpid(tid, &status, __WALL) < 0) {
        if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "waitpid");
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) throw std::runtime_error("the process ended while leakscope was injecting");
    return status;
}

}  // namespace

RemoteThread::RemoteThread(pid_t pid, pid_t tid) : pid_(pid), tid_(tid), saved_(std::make_unique<SavedState>()) {
    if (::ptrace(PTRACE_SEIZE, tid, nullptr, nullptr) != 0) throw std::system_error(errno, std::generic_category(), "ptrace");
    if (::ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr) != 0) {
        const int error = errno;
        ::ptrace(PTRACE_DETACH, tid, nullptr, nullptr);
        throw std::system_error(error, std::generic_category(), "ptrace interrupt");
    }
    const int status = wait_for_stop(tid);
    stopped_at_ = std::chrono::steady_clock::now();
    // A signal-delivery stop came before our interrupt: keep the signal and give it back when we leave.
    if ((status >> 16) != PTRACE_EVENT_STOP) saved_->pending_signal = WSTOPSIG(status);
    iovec extended{nullptr, 0};
    saved_->extended.resize(16384);
    extended = {saved_->extended.data(), saved_->extended.size()};
    if (::ptrace(PTRACE_GETREGS, tid, nullptr, &saved_->regs) != 0 ||
        ::ptrace(PTRACE_GETREGSET, tid, reinterpret_cast<void*>(NT_X86_XSTATE), &extended) != 0) {
        const int error = errno;
        ::ptrace(PTRACE_DETACH, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(saved_->pending_signal)));
        throw std::system_error(error, std::generic_category(), "ptrace getregs");
    }
    saved_->extended.resize(extended.iov_len);
    memory_fd_ = ::open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDWR | O_CLOEXEC);
    scratch_ = (saved_->regs.rsp - kRedZone - 128) & ~std::uint64_t{15};
}

RemoteThread::~RemoteThread() {
    if (!released_) {
        try {
            release();
        } catch (...) {
        }
    }
}

long RemoteThread::stopped_system_call() const { return static_cast<long>(saved_->regs.orig_rax); }
std::uint64_t RemoteThread::stopped_pc() const { return saved_->regs.rip; }

std::uint64_t RemoteThread::push_bytes(const void* data, std::size_t size) {
    scratch_ = (scratch_ - size) & ~std::uint64_t{15};
    if (memory_fd_ < 0 || ::pwrite(memory_fd_, data, size, static_cast<off_t>(scratch_)) != static_cast<ssize_t>(size))
        throw std::runtime_error("cannot write into the process's memory: " + std::string(std::strerror(errno)));
    return scratch_;
}

std::uint64_t RemoteThread::read_word(std::uint64_t address) const {
    std::uint64_t word = 0;
    if (memory_fd_ < 0 || ::pread(memory_fd_, &word, sizeof(word), static_cast<off_t>(address)) != sizeof(word))
        throw std::runtime_error("cannot read the process's memory: " + std::string(std::strerror(errno)));
    return word;
}

std::uint64_t RemoteThread::call(std::uint64_t function, std::initializer_list<std::uint64_t> args,
                                 std::chrono::milliseconds timeout) {
    if (args.size() > 6) throw std::logic_error("RemoteThread::call: at most six arguments");
    user_regs_struct regs = saved_->regs;
    unsigned long long* const argument_registers[] = {&regs.rdi, &regs.rsi, &regs.rdx, &regs.rcx, &regs.r8, &regs.r9};
    std::size_t i = 0;
    for (std::uint64_t arg : args) *argument_registers[i++] = arg;
    // The callee's frame goes below our scratch data; at entry rsp+8 is 16-byte aligned, [rsp] the return address.
    std::uint64_t sp = ((scratch_ - 256) & ~std::uint64_t{15}) - 8;
    const std::uint64_t return_address = 0;
    if (::pwrite(memory_fd_, &return_address, sizeof(return_address), static_cast<off_t>(sp)) != sizeof(return_address))
        throw std::runtime_error("cannot write into the process's stack: " + std::string(std::strerror(errno)));
    regs.rsp = sp;
    regs.rip = function;
    regs.rax = 0;              // no vector arguments (varargs convention)
    regs.orig_rax = ~0ull;     // not in a system call: the kernel must not "restart" our call
    if (::ptrace(PTRACE_SETREGS, tid_, nullptr, &regs) != 0 || ::ptrace(PTRACE_CONT, tid_, nullptr, nullptr) != 0)
        throw std::system_error(errno, std::generic_category(), "ptrace call");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t got = ::waitpid(tid_, &status, __WALL | WNOHANG);
        if (got == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::ptrace(PTRACE_INTERRUPT, tid_, nullptr, nullptr);
                wait_for_stop(tid_);
                throw std::runtime_error("the injected call did not return within " + std::to_string(timeout.count()) + " ms");
            }
            std::this_thread::sleep_for(std::chrono::microseconds(100));
            continue;
        }
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw std::system_error(errno, std::generic_category(), "waitpid");
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            released_ = true;
            throw std::runtime_error("the process ended during the injected call");
        }
        const int signal = WSTOPSIG(status);
        if ((status >> 16) == PTRACE_EVENT_STOP) {  // a group stop or a late interrupt: carry on
            ::ptrace(PTRACE_CONT, tid_, nullptr, nullptr);
            continue;
        }
        if (signal == SIGSEGV) {
            user_regs_struct after{};
            ::ptrace(PTRACE_GETREGS, tid_, nullptr, &after);
            if (after.rip == 0) return after.rax;  // returned to our address 0: done
            throw std::runtime_error("the injected call faulted");
        }
        // The program's own signal (a timer, a child): deliver it; its handler returns into our call.
        ::ptrace(PTRACE_CONT, tid_, nullptr, reinterpret_cast<void*>(static_cast<long>(signal)));
    }
}

std::chrono::nanoseconds RemoteThread::release() {
    if (released_) return {};
    released_ = true;
    iovec extended{saved_->extended.data(), saved_->extended.size()};
    ::ptrace(PTRACE_SETREGS, tid_, nullptr, &saved_->regs);
    ::ptrace(PTRACE_SETREGSET, tid_, reinterpret_cast<void*>(NT_X86_XSTATE), &extended);
    // Detaching from the fault of our last return discards that SIGSEGV (or hands back a signal that was
    // pending when we stopped the thread); a system call it was in restarts with the restored registers.
    ::ptrace(PTRACE_DETACH, tid_, nullptr, reinterpret_cast<void*>(static_cast<long>(saved_->pending_signal)));
    if (memory_fd_ >= 0) ::close(memory_fd_);
    memory_fd_ = -1;
    return std::chrono::steady_clock::now() - stopped_at_;
}

}  // namespace leakscope::attach
