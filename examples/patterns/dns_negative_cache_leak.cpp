// A slow leak on a big base (written in session 9 as a held-out check, never tuned on): an
// authoritative-and-caching DNS resolver loads its zone data at start (180,000 names, each with its
// answer in wire format, ~170 MB) and serves 2,000 queries a second on 4 worker threads that take
// them from a shared queue (each worker allocates from its own glibc arena). 6% of the queries are
// for random names under a real zone (a "random subdomain" flood) and get NXDOMAIN; the resolver
// caches each negative answer for 2 s in a negative cache, and a sweeper takes expired entries out
// every 250 ms. The queries arrive with DNS 0x20 case randomization (letters in random case), and the
// cache is keyed by the name as asked, while the sweeper erases the lowercased name it put in its
// expiry queue: the erase finds nothing, so no negative entry ever leaves the cache.
// Truth: a leak, linear, slow on a big base: 120 negative entries a second, each a mixed-case key of
// 39 characters (40 bytes asked of malloc), its hash node (80 bytes: link, key, answer vector, expiry,
// cached hash) and its 480-byte negative answer: 600 B, so 72,000 B/s, plus the node table's bucket
// arrays doubling now and then. Measured under leakscope run: the live heap grows 73.5 kB/s over 3-16 s
// and over 8-16 s (164.5 -> 165.5 MB), RSS 78-81 kB/s (199.7 -> 200.8 MB): ~1.2 MB over the run on
// ~200 MB, about 0.6% of the process. The zone data is the warm-up. The entries are allocated in
// NegativeCache::put.
// Usage: dns_negative_cache_leak SECONDS
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"
#include "work_queue.hpp"

namespace {

constexpr int kZoneNames = 180'000;
constexpr std::size_t kAnswerBytes = 800;
constexpr std::size_t kNegativeAnswerBytes = 480;
constexpr double kNegativeTtlS = 2.0;

struct Query {
    std::string name;  // as asked, 0x20-randomized case
    double at;
};

/// The zone data, loaded once: owner name -> answer section in wire format.
class ZoneStore {
public:
    void load() {
        answers_.reserve(kZoneNames);
        for (int k = 0; k < kZoneNames; ++k) {
            std::vector<char> wire(kAnswerBytes);
            pattern::touch(wire.data(), wire.size());
            answers_.emplace(zone_name(k), std::move(wire));
        }
    }
    const std::vector<char>* find(const std::string& lower) const {
        auto it = answers_.find(lower);
        return it == answers_.end() ? nullptr : &it->second;
    }
    static std::string zone_name(int k) { return "host" + std::to_string(k) + ".edge.cdn-example.net."; }

private:
    std::unordered_map<std::string, std::vector<char>> answers_;
};

struct NegativeEntry {
    std::vector<char> answer;  // NXDOMAIN with the zone's SOA in the authority section
    double expires;
};

class NegativeCache {
public:
    __attribute__((noinline)) void put(const std::string& asked, const std::string& lower, double now) {
        std::vector<char> answer(kNegativeAnswerBytes);
        pattern::touch(answer.data(), answer.size());
        std::lock_guard lock(mutex_);
        entries_.insert_or_assign(asked, NegativeEntry{std::move(answer), now + kNegativeTtlS});
        expiry_.push_back({lower, now + kNegativeTtlS});
    }
    bool hit(const std::string& asked, double now) {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(asked);
        return it != entries_.end() && it->second.expires > now;
    }
    /// The bug: the expiry queue holds the lowercased name, the cache the name as asked.
    void sweep(double now) {
        std::lock_guard lock(mutex_);
        while (!expiry_.empty() && expiry_.front().second <= now) {
            entries_.erase(expiry_.front().first);
            expiry_.pop_front();
        }
    }
    std::size_t size() {
        std::lock_guard lock(mutex_);
        return entries_.size();
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, NegativeEntry> entries_;
    std::deque<std::pair<std::string, double>> expiry_;
};

std::string lowercase(const std::string& s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

/// 0x20 encoding: each letter's case from one bit of the query id.
std::string randomize_case(const std::string& s, std::uint64_t bits) {
    std::string out(s);
    for (char& c : out) {
        if (std::isalpha(static_cast<unsigned char>(c))) {
            if (bits & 1) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            bits = bits >> 1 | bits << 63;
        }
    }
    return out;
}

/// A random label under the zone: 39 characters in all, so its key is never short-string-optimized.
std::string random_subdomain(std::uint64_t n) {
    char label[32];
    std::snprintf(label, sizeof label, "x%016llx", static_cast<unsigned long long>(n * 0x9E3779B97F4A7C15ull));
    return std::string(label) + ".edge.cdn-example.net.";
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    ZoneStore zones;
    zones.load();
    NegativeCache negative;
    pattern::WorkQueue<Query> queries;
    std::vector<std::uint64_t> sent(4);
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w) {
        workers.emplace_back([&, w] {
            Query q;
            while (queries.pop(q)) {
                const std::string lower = lowercase(q.name);
                if (const auto* answer = zones.find(lower)) {
                    std::vector<char> response(answer->begin(), answer->end());  // copied into the reply
                    sent[w] += response.size();
                } else if (negative.hit(q.name, q.at)) {
                    sent[w] += kNegativeAnswerBytes;
                } else {
                    negative.put(q.name, lower, q.at);
                    sent[w] += kNegativeAnswerBytes;
                }
            }
        });
    }
    std::uint64_t n = 0, flood = 0;
    // 100 ticks a second, 20 queries each: 94% for zone names, 6% (every 50th query of 3) for random ones.
    pattern::every(0.01, seconds, [&](long i, double t) {
        for (int k = 0; k < 20; ++k, ++n) {
            const bool random = n % 50 < 3;
            std::string name = random ? random_subdomain(flood++) : ZoneStore::zone_name(static_cast<int>(n * 7919 % kZoneNames));
            queries.push({randomize_case(name, n * 0xD1B54A32D192ED03ull), t});
        }
        if (i % 25 == 24) negative.sweep(t);
    });
    queries.close();
    for (auto& w : workers) w.join();
    std::uint64_t total = 0;
    for (auto s : sent) total += s;
    std::printf("%llu queries, %llu NXDOMAIN, %zu negative entries cached, %llu bytes sent\n",
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(flood), negative.size(),
                static_cast<unsigned long long>(total));
    return 0;
}
