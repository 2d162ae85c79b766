// A TTL cache whose size follows the load up and down (written in session 18 as a held-out check,
// never tuned on): the caching stub resolver of a crawler fleet. Two resolver threads answer the
// crawler's lookups from a std::unordered_map of answers (each entry: its name, 1-4 records with
// their owner name and rdata, an expiry), filling misses from "upstream" (made up here from the
// name). Most names are new (the crawler walks ever new hosts: per-link CDN and tracking hosts),
// each answer's TTL is 3 s, and a sweeper thread erases expired entries every 200 ms. The crawl rate
// swings with the frontier's refills: between ~2,600 and ~5,400 new names a second, one full swing
// every 6 s. 2,000 popular names (the sites' own hosts) are asked for all the time and re-fetched
// when they expire. The map's bucket array grows by rehash steps while it fills (as
// std::unordered_map does: to the next prime past double) and never shrinks: it stays at its
// high-water mark, a fraction of a MB.
// Truth: not a leak: the live entries are (new names a second) x 3 s: a fill over the first ~3 s to
// ~14,000 entries (~14 MB), then the cache breathes with the load, ~+-20% around its mean (up and
// down over each 6 s swing, three swings in an 18 s run), with no trend: what goes in is erased 3 s
// later. Entries are allocated in fetch_upstream.
// glibc keeps the heap's high-water mark, so RSS rises over the first ~3 s and then holds.
// Measured (session 18, a plain run without leakscope: RSS, and glibc's mallinfo2 every 100 ms): heap
// 13.9 MB at 3 s, then between 9.6 and 14.7 MB (troughs at ~5.5, 11.5, 17.5 s; -8.6 kB/s over 3-18 s,
// -1.2 kB/s over 9-15 s); RSS 18.1 MB at 3 s, 18.4 MB at 18 s (+14 kB/s over 3-18 s, +0.3 kB/s over
// 9-15 s); 83,099 misses, 10,291 answers cached at exit, 20,753 buckets.
// Usage: dns_cache_ttl_tide_flat SECONDS
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"
#include "mix.h"

namespace {

using Clock = std::chrono::steady_clock;

struct ResourceRecord {
    std::string owner;
    std::uint16_t type;
    std::uint32_t ttl;
    std::string rdata;
};

struct CachedAnswer {
    std::vector<ResourceRecord> records;
    Clock::time_point expires;
    std::uint32_t hits = 0;
};

// What the upstream resolver answers for a name: 1-4 records (CNAME chains, A/AAAA sets, TXT).
__attribute__((noinline)) CachedAnswer fetch_upstream(const std::string& name, Clock::time_point now) {
    const std::uint64_t h = mix(std::hash<std::string>{}(name));
    CachedAnswer answer;
    const std::size_t count = 1 + h % 4;
    answer.records.reserve(count);
    for (std::size_t r = 0; r < count; ++r) {
        const std::uint64_t hr = mix(h + r);
        ResourceRecord record;
        record.owner = r == 0 ? name : "edge-" + std::to_string(hr % 100000) + ".cdn.example.net";
        record.type = static_cast<std::uint16_t>(1 + hr % 28);
        record.ttl = 3;
        record.rdata.assign(16 + hr % 240, static_cast<char>('a' + hr % 26));
        answer.records.push_back(std::move(record));
    }
    answer.expires = now + std::chrono::seconds(3);
    return answer;
}

class ResolverCache {
public:
    // Answers a lookup: a hit while the entry lives, else fetched and stored.
    std::size_t resolve(const std::string& name) {
        const auto now = Clock::now();
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto found = answers_.find(name);
            if (found != answers_.end() && found->second.expires > now) {
                ++found->second.hits;
                ++hits_;
                return found->second.records.size();
            }
        }
        CachedAnswer answer = fetch_upstream(name, now);
        const std::size_t records = answer.records.size();
        std::lock_guard<std::mutex> lock(mutex_);
        answers_.insert_or_assign(name, std::move(answer));
        ++misses_;
        return records;
    }

    void sweep_expired() {
        const auto now = Clock::now();
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto it = answers_.begin(); it != answers_.end();) {
            if (it->second.expires <= now) it = answers_.erase(it);
            else ++it;
        }
    }

    void print_stats() {
        std::lock_guard<std::mutex> lock(mutex_);
        std::fprintf(stderr, "%llu hits, %llu misses, %zu answers cached, %zu buckets\n", (unsigned long long)hits_,
                     (unsigned long long)misses_, answers_.size(), answers_.bucket_count());
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, CachedAnswer> answers_;
    std::uint64_t hits_ = 0, misses_ = 0;
};

std::string crawl_host(std::uint64_t n) {
    return "t" + std::to_string(mix(n) % 1000000000ull) + ".links.cdn-" + std::to_string(n % 97) + ".example.com";
}

std::string popular_host(std::uint64_t n) { return "www.site-" + std::to_string(n % 2000) + ".example.org"; }

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 18);
    ResolverCache cache;
    std::atomic<bool> running{true};
    std::thread sweeper([&] {
        while (running.load()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            cache.sweep_expired();
        }
    });

    // Each resolver thread takes half of the crawler's lookups, every 20 ms.
    std::atomic<std::uint64_t> next_name{0};
    auto resolver = [&](int id) {
        std::uint64_t lookups = 0;
        pattern::every(0.02, seconds, [&](long tick, double t) {
            const double rate = 4000.0 + 1400.0 * std::sin(2.0 * M_PI * t / 6.0);  // new names a second
            const int fresh = static_cast<int>(rate * 0.02 / 2.0 + 0.5);
            for (int k = 0; k < fresh; ++k) lookups += cache.resolve(crawl_host(next_name.fetch_add(1)));
            for (int k = 0; k < 40; ++k) lookups += cache.resolve(popular_host(mix(tick * 80 + k * 2 + id)));
        });
        return lookups;
    };
    std::thread second([&] { resolver(1); });
    resolver(0);
    second.join();
    running = false;
    sweeper.join();
    cache.print_stats();
    return 0;
}
