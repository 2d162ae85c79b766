// The calling thread's errno without a call. A tracked allocation keeps the program's errno across
// the tracker's work; `errno` is `*__errno_location()`, a call through the PLT (and the registers it
// may clobber saved around it) on every tracked allocation. glibc's errno lives in libc's static TLS
// block, at the same offset from the thread pointer in every thread, which is all __errno_location
// computes: measured once, the thread's errno is one load relative to %fs.
#pragma once

#include <cerrno>
#include <cstdint>

namespace leakscope::tracker {

/// errno's address less the thread pointer, measured when tracking is prepared (prepare_tables), before
/// any tracked call can read it; every process and thread made afterwards has the same.
extern std::intptr_t g_errno_offset __attribute__((visibility("hidden")));

void measure_errno_offset();

/// Reads and restores the calling thread's errno around the tracker's work on a tracked call.
class SavedErrno {
public:
#if defined(__x86_64__)
    SavedErrno() { asm volatile("movl %%fs:(%1), %0" : "=r"(value_) : "r"(g_errno_offset) : "memory"); }
    ~SavedErrno() { asm volatile("movl %0, %%fs:(%1)" : : "r"(value_), "r"(g_errno_offset) : "memory"); }
#else
    SavedErrno() : value_(errno) {}
    ~SavedErrno() { errno = value_; }
#endif
    SavedErrno(const SavedErrno&) = delete;
    SavedErrno& operator=(const SavedErrno&) = delete;

private:
    int value_;
};

}  // namespace leakscope::tracker
