// A response cache in front of a thread pool, flat (written in session 4 as a fresh check, never tuned
// on): four workers take requests from a queue; each request's response (1-3 KiB) is cached in an
// unordered_map under its URL with a 2-second time to live, and a sweeper thread drops expired entries
// every 250 ms. 800 requests a second over 6,000 distinct URLs: the cache fills in the first seconds
// and then holds about 1,400 live entries (what 2 s of requests bring, minus repeats).
// Truth: warm-up, then flat; not a leak.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"

using Clock = std::chrono::steady_clock;

class ResponseCache {
public:
    __attribute__((noinline)) void store(const std::string& url, std::string body) {
        std::lock_guard lock(mutex_);
        entries_[url] = Entry{std::move(body), Clock::now() + std::chrono::seconds(2)};
    }
    bool lookup(const std::string& url) {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(url);
        return it != entries_.end() && it->second.expires > Clock::now();
    }
    void sweep() {
        std::lock_guard lock(mutex_);
        const auto now = Clock::now();
        for (auto it = entries_.begin(); it != entries_.end();) it = it->second.expires <= now ? entries_.erase(it) : std::next(it);
    }

private:
    struct Entry {
        std::string body;
        Clock::time_point expires;
    };
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
};

class RequestQueue {
public:
    void push(long id) {
        { std::lock_guard lock(mutex_); ids_.push_back(id); }
        ready_.notify_one();
    }
    bool pop(long& id) {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return closed_ || !ids_.empty(); });
        if (ids_.empty()) return false;
        id = ids_.front();
        ids_.pop_front();
        return true;
    }
    void close() {
        { std::lock_guard lock(mutex_); closed_ = true; }
        ready_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<long> ids_;
    bool closed_ = false;
};

int main(int argc, char** argv) {
    ResponseCache cache;
    RequestQueue queue;
    std::atomic<bool> running{true};
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w)
        workers.emplace_back([&] {
            long id;
            while (queue.pop(id)) {
                const long page = (id * 2654435761L) % 6000;
                const std::string url = "/catalog/item/" + std::to_string(page) + "?lang=en";
                if (!cache.lookup(url)) cache.store(url, std::string(1024 + (page * 37) % 2048, 'x'));
            }
        });
    std::thread sweeper([&] {
        while (running) {
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
            cache.sweep();
        }
    });
    pattern::every(0.01, pattern::run_seconds(argc, argv, 14), [&](long i, double) {
        for (int k = 0; k < 8; ++k) queue.push(i * 8 + k);
    });
    queue.close();
    for (auto& w : workers) w.join();
    running = false;
    sweeper.join();
    return 0;
}
