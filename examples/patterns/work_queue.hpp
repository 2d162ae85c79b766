// The hand-off between a service's acceptor and its worker threads in the pattern examples: an
// unbounded queue that workers block on until it is closed and drained, or, in an elastic pool, until
// they have been idle long enough to leave (the queue itself holds only what is in flight, so it adds
// no growth of its own to a program's truth).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

namespace pattern {

template <typename T>
class WorkQueue {
public:
    void push(T item) {
        {
            std::lock_guard lock(mutex_);
            queue_.push_back(std::move(item));
        }
        ready_.notify_one();
    }
    /// The next item; false once the queue is closed and drained.
    bool pop(T& out) {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return closed_ || !queue_.empty(); });
        if (queue_.empty()) return false;
        out = std::move(queue_.front());
        queue_.pop_front();
        return true;
    }
    enum class Pop { item, idle, closed };
    /// pop() for a worker that may leave when idle (an elastic pool): `idle` when nothing came for
    /// that long, `closed` once the queue is closed and drained.
    Pop pop_for(T& out, std::chrono::milliseconds idle) {
        std::unique_lock lock(mutex_);
        if (!ready_.wait_for(lock, idle, [&] { return closed_ || !queue_.empty(); })) return Pop::idle;
        if (queue_.empty()) return Pop::closed;
        out = std::move(queue_.front());
        queue_.pop_front();
        return Pop::item;
    }
    /// Items waiting (a dispatcher reads it to decide whether the pool should grow).
    std::size_t depth() {
        std::lock_guard lock(mutex_);
        return queue_.size();
    }
    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        ready_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<T> queue_;
    bool closed_ = false;
};

}  // namespace pattern
