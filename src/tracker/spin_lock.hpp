// A one-word lock for the sharded tables. Held only for a few hundred instructions and never around a
// call into libc, so spinning (then yielding) beats a futex; a thread that holds it has its
// re-entrancy guard set, so a signal handler that allocates on the same thread cannot deadlock on it.
#pragma once

#include <atomic>

#include "os.hpp"

namespace leakscope::tracker {

class SpinLock {
public:
    void lock() {
        for (unsigned spins = 0; locked_.exchange(true, std::memory_order_acquire); ++spins) {
            while (locked_.load(std::memory_order_relaxed)) {
                if (++spins > 256) {
                    os::yield_cpu();
                    spins = 0;
                } else {
                    __builtin_ia32_pause();
                }
            }
        }
    }
    void unlock() { locked_.store(false, std::memory_order_release); }
    /// Held by some thread (a forked child's copy: by a thread that does not exist there).
    bool held() const { return locked_.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> locked_{false};
};

class SpinLockHolder {
public:
    explicit SpinLockHolder(SpinLock& lock) : lock_(lock) { lock_.lock(); }
    ~SpinLockHolder() { lock_.unlock(); }
    SpinLockHolder(const SpinLockHolder&) = delete;
    SpinLockHolder& operator=(const SpinLockHolder&) = delete;

private:
    SpinLock& lock_;
};

}  // namespace leakscope::tracker
