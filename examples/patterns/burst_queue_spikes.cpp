// A request queue whose depth swings with bursts, not a leak (written in session 6 as a held-out
// check, never tuned on): an ingest gateway's client uploads a batch every 2 s (at t = 1, 3, 5 ...):
// 16,000 messages of 1,000 bytes pushed onto a std::deque<std::string> within 80 ms by the receiving
// thread. One consumer thread drains the queue at 20,000 messages a second (200 every 10 ms), so each
// batch is gone 0.8 s after it arrived, and the queue is empty until the next one. Beside it the
// gateway keeps an 8 MB routing table.
// Truth: periodic spikes of ~14.5 MB (16,000 x 1,001 bytes arrive in 80 ms while ~1,600 are already
// drained; plus the deque's blocks), 2 s apart, each about 0.9 s wide, over a flat base: no leak. The queue's rise and drain may also read as a bounded
// sawtooth; glibc may keep the freed chunks of the receiving thread's arena, so RSS alone may show a
// plateau after the first batch.
// Usage: burst_queue_spikes SECONDS
#include <atomic>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pacing.hpp"

namespace {

class MessageQueue {
public:
    void push_batch(std::vector<std::string>& batch) {
        std::lock_guard<std::mutex> hold(mutex_);
        for (auto& m : batch) queue_.push_back(std::move(m));
    }
    std::size_t drain(std::size_t most, std::size_t& bytes) {
        std::lock_guard<std::mutex> hold(mutex_);
        std::size_t n = 0;
        for (; n < most && !queue_.empty(); ++n) {
            bytes += queue_.front().size();
            queue_.pop_front();
        }
        return n;
    }

private:
    std::mutex mutex_;
    std::deque<std::string> queue_;
};

__attribute__((noinline)) std::string receive_message(long id) {
    std::string message(1000, static_cast<char>('A' + id % 26));
    const std::string tag = std::to_string(id);
    message.replace(0, tag.size(), tag);  // same length: every message is 1,000 bytes
    return message;
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 14);
    std::vector<long> routes(1'000'000);  // 8 MB, built once
    for (std::size_t k = 0; k < routes.size(); ++k) routes[k] = static_cast<long>(k * 40503u);
    MessageQueue queue;
    std::atomic<long> consumed{0};
    std::size_t bytes = 0;
    std::thread receiver([&] {
        long next = 0;
        // 100 ticks a second; a batch arrives in the 8 ticks from t = 1, 3, 5 ... (2,000 messages a tick).
        pattern::every(0.01, seconds, [&](long i, double) {
            if (i % 200 < 100 || i % 200 >= 108) return;
            std::vector<std::string> batch;
            batch.reserve(2000);
            for (int k = 0; k < 2000; ++k) batch.push_back(receive_message(next++));
            queue.push_batch(batch);
        });
    });
    std::thread consumer([&] {
        pattern::every(0.01, seconds, [&](long, double) { consumed += static_cast<long>(queue.drain(200, bytes)); });
    });
    receiver.join();
    consumer.join();
    std::printf("%ld consumed, %zu bytes, route %ld\n", consumed.load(), bytes, routes[12345]);
    return 0;
}
