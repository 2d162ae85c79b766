// The hand-off between a service's acceptor and its worker threads in the pattern examples: an
// unbounded queue that workers block on until it is closed and drained (the queue itself holds only
// what is in flight, so it adds no growth of its own to a program's truth).
#pragma once

#include <condition_variable>
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
