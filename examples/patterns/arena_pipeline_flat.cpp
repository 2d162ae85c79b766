// glibc arenas from several threads, flat: four producer threads build messages (each thread
// allocates from its own glibc arena) and hand them through a bounded queue to one consumer thread,
// which frees them (a free into another thread's arena). The queue holds at most 2000 messages of
// 200..2200 bytes, so the live memory is bounded; the arenas may keep some freed pages.
// Truth: stable, not a leak.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pacing.hpp"

class MessageQueue {
public:
    __attribute__((noinline)) void produce(long id) {
        auto message = std::make_unique<std::string>(200 + (id * 7919) % 2000, static_cast<char>('a' + id % 26));
        std::unique_lock lock(mutex_);
        if (queue_.size() >= 2000) queue_.pop_front();  // the consumer fell behind: drop the oldest
        queue_.push_back(std::move(message));
        ready_.notify_one();
    }
    /// Frees up to `batch` messages; false once closed and empty.
    bool consume(std::size_t batch) {
        std::vector<std::unique_ptr<std::string>> taken;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [&] { return closed_ || !queue_.empty(); });
            if (closed_ && queue_.empty()) return false;
            while (!queue_.empty() && taken.size() < batch) {
                taken.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        return true;  // `taken` is freed here, outside the lock, in the consumer's thread
    }
    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
        ready_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::unique_ptr<std::string>> queue_;
    bool closed_ = false;
};

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 14);
    MessageQueue queue;
    std::thread consumer([&] {
        while (queue.consume(64)) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    });
    std::vector<std::thread> producers;
    for (int p = 0; p < 4; ++p) {
        producers.emplace_back([&, p] {
            pattern::every(0.005, seconds, [&](long i, double) {
                for (int k = 0; k < 10; ++k) queue.produce((i * 10 + k) * 4 + p);
            });
        });
    }
    for (auto& t : producers) t.join();
    queue.close();
    consumer.join();
}
