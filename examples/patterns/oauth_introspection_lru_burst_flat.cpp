// A bounded LRU cache under bursty load (written in session 24, batch 8, as a held-out check, never tuned
// on): the token introspection cache of an API gateway. Three worker threads serve 4,000 requests a
// second between them; each request carries an OAuth bearer token, which the gateway must introspect
// (RFC 7662) before routing it. The introspection result (the token's claims as JSON, 0.5-3 kB, and its
// parsed scopes) is cached under the token's SHA-256 (64 hex characters, always the same length) in four
// shards, each an LRU of at most 4,000 entries (an std::list in recency order and an std::unordered_map
// of list iterators), for at most 10 s (an expired entry is introspected again and replaced in place).
// Half the requests come from a hot set of 3,000 tokens (web sessions that keep calling), half from new
// tokens (mobile clients, batch jobs: a population of millions, never seen twice in a run). Every 4 s,
// for 1 s, a push notification makes the mobile app call in: the rate goes to 10,000 requests a second,
// 80% of them with new tokens.
// Truth: not a leak: a warm-up, then flat. The cache fills to its 16,000 entries in the first ~5 s
// (~2,000 new tokens a second, ~8,000 in the burst at 1-2 s: the fill comes in steps), ~3.1 kB each (the
// claims with the string's spare capacity, the key held by the list and the map, the scopes, the nodes),
// ~50 MB; from then on every new token evicts the least recently used one, whose claims come from the
// same distribution, so the live heap stays at its level whatever the bursts do (they only speed the
// eviction up). The hot set mostly stays resident. The values are allocated on whichever worker missed
// and freed on whichever evicts them: glibc's three thread arenas take cross-thread frees, and the
// per-request temporaries (the request's headers, the introspection round trip's body) come and go
// within each tick.
// Measured (session 24, tests/accuracy/measure.py): tracked, live heap 1.4 MB at 0.2 s, 9.1 at 1 s, 33.2 at
// 2 s, 42.1 at 3 s, 49.0 at 4 s, 51.5 at 5 s, then 50.6-51.5 MB to the end (-26 kB/s over 5-16 s, -16
// kB/s over 11-16 s), RSS 65.4 -> 66.1 MB over 5-16 s (+40 kB/s); --plain, RSS 13.5 MB at 1 s, 40.3 at 2
// s, 47.7 at 3 s, 57.0 at 5 s, 57.7 at 16 s (+45 kB/s over 5-16 s, +38 over 11-16 s); 87,603 requests,
// 58,777 introspections, 16,000 cached and 41,416 evicted at exit.
// Usage: oauth_introspection_lru_burst_flat SECONDS
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mix.h"
#include "pacing.hpp"

namespace {

constexpr std::size_t kShards = 4;
constexpr std::size_t kShardCapacity = 4000;
constexpr double kTtlS = 10.0;
constexpr std::uint64_t kHotTokens = 3000;

struct Claims {
    std::string json;
    std::vector<std::string> scopes;
    double cached_at;
};

class IntrospectionCache {
public:
    // The cached claims of a token hash, or null when absent or older than the TTL.
    std::shared_ptr<const Claims> find(const std::string& token_hash, double now) {
        Shard& shard = shard_of(token_hash);
        std::lock_guard<std::mutex> lock(shard.mutex);
        auto it = shard.index.find(token_hash);
        if (it == shard.index.end()) return nullptr;
        if (now - it->second->second->cached_at > kTtlS) return nullptr;
        shard.order.splice(shard.order.begin(), shard.order, it->second);
        return it->second->second;
    }

    __attribute__((noinline)) void put(const std::string& token_hash, std::shared_ptr<const Claims> claims) {
        Shard& shard = shard_of(token_hash);
        std::lock_guard<std::mutex> lock(shard.mutex);
        if (auto it = shard.index.find(token_hash); it != shard.index.end()) {
            it->second->second = std::move(claims);  // an expired entry, introspected again
            shard.order.splice(shard.order.begin(), shard.order, it->second);
            return;
        }
        shard.order.emplace_front(token_hash, std::move(claims));
        shard.index.emplace(token_hash, shard.order.begin());
        if (shard.order.size() > kShardCapacity) {
            shard.index.erase(shard.order.back().first);
            shard.order.pop_back();
            ++shard.evictions;
        }
    }

    std::size_t size() {
        std::size_t n = 0;
        for (auto& shard : shards_) {
            std::lock_guard<std::mutex> lock(shard.mutex);
            n += shard.order.size();
        }
        return n;
    }

    std::uint64_t evictions() {
        std::uint64_t n = 0;
        for (auto& shard : shards_) {
            std::lock_guard<std::mutex> lock(shard.mutex);
            n += shard.evictions;
        }
        return n;
    }

private:
    using Entry = std::pair<std::string, std::shared_ptr<const Claims>>;
    struct Shard {
        std::mutex mutex;
        std::list<Entry> order;  // most recently used first
        std::unordered_map<std::string, std::list<Entry>::iterator> index;
        std::uint64_t evictions = 0;
    };

    Shard& shard_of(const std::string& token_hash) {
        return shards_[(std::hash<std::string>{}(token_hash) >> 56) % kShards];
    }

    std::array<Shard, kShards> shards_;
};

const char* const kScopes[] = {"orders:read", "orders:write", "catalog:read", "payments:initiate",
                               "profile:read", "profile:write", "loyalty:points:read", "addresses:manage",
                               "returns:create", "notifications:subscribe"};

// The authorization server's answer (the round trip itself is not simulated: its body is).
std::string introspect(std::uint64_t token, double now) {
    const std::uint64_t h = mix(token ^ 0x1d7e);
    const std::size_t target = 500 + h % 2500;
    std::string json = "{\"active\":true,\"client_id\":\"app-" + std::to_string(h % 40) + "\",\"sub\":\"user-" +
                       std::to_string(h % 9000000) + "\",\"exp\":" + std::to_string(1796000000 + h % 3600) +
                       ",\"iat\":" + std::to_string(static_cast<long>(now)) + ",\"scope\":\"";
    for (int s = 0; s < 3 + static_cast<int>(h % 6); ++s) json.append(kScopes[(h >> (4 * s)) % 10]).append(" ");
    json += "\",\"ext\":{\"tenant\":\"t-" + std::to_string(h % 700) + "\",\"entitlements\":[";
    while (json.size() + 40 < target) json += "\"ent-" + std::to_string(mix(h + json.size()) % 1000000) + "\",";
    json += "\"basic\"]}}";
    return json;
}

std::string sha256_hex(std::uint64_t token) {  // stands for the real digest: 64 hex characters
    char hex[65];
    for (int part = 0; part < 4; ++part)
        std::snprintf(hex + 16 * part, 17, "%016llx", static_cast<unsigned long long>(mix(token * 4 + part)));
    return std::string(hex, 64);
}

class Worker {
public:
    Worker(std::uint64_t index, IntrospectionCache& cache) : index_(index), cache_(cache) {}

    // One tick (10 ms): this worker's third of the requests of the moment.
    void tick(long i, double t) {
        const bool burst = static_cast<long>(t) % 4 == 1;  // 1-2 s, 5-6 s, 9-10 s, ...
        const int requests = burst ? 33 : 13 + (i % 3 == 0 ? 1 : 0);
        const std::uint64_t new_share = burst ? 80 : 50;
        for (int k = 0; k < requests; ++k) {
            const std::uint64_t n = ++served_;
            const std::uint64_t h = mix(n * 3 + index_);
            // New tokens are unique to this worker and this request; hot ones are shared by all.
            const std::uint64_t token = h % 100 < new_share ? (1ull << 40) + n * 3 + index_ : h % kHotTokens;
            serve(token, t);
        }
    }

    std::uint64_t misses() const { return misses_; }
    std::uint64_t served() const { return served_; }

private:
    void serve(std::uint64_t token, double t) {
        std::string headers = "GET /v2/orders?page=1 HTTP/1.1\r\nHost: api.shop.example\r\nAuthorization: Bearer " +
                              std::to_string(mix(token)) + std::to_string(token) + "\r\nUser-Agent: ShopApp/7.4\r\n";
        const std::string key = sha256_hex(token);
        std::shared_ptr<const Claims> claims = cache_.find(key, t);
        if (!claims) {
            ++misses_;
            auto fresh = std::make_shared<Claims>();
            fresh->json = introspect(token, t);
            const std::size_t from = fresh->json.find("\"scope\":\"") + 9;
            const std::size_t to = fresh->json.find('"', from);
            for (std::size_t at = from; at < to;) {
                const std::size_t space = fresh->json.find(' ', at);
                fresh->scopes.push_back(fresh->json.substr(at, space - at));
                at = space + 1;
            }
            fresh->cached_at = t;
            claims = fresh;
            cache_.put(key, std::move(fresh));
        }
        routed_bytes_ += headers.size() + claims->scopes.size();
    }

    std::uint64_t index_;
    IntrospectionCache& cache_;
    std::uint64_t served_ = 0, misses_ = 0, routed_bytes_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    IntrospectionCache cache;
    std::vector<std::unique_ptr<Worker>> workers;
    for (std::uint64_t w = 0; w < 3; ++w) workers.push_back(std::make_unique<Worker>(w, cache));
    std::vector<std::thread> threads;
    for (auto& worker : workers)
        threads.emplace_back([&seconds, w = worker.get()] {
            pattern::every(0.01, seconds, [w](long i, double t) { w->tick(i, t); });
        });
    for (auto& thread : threads) thread.join();
    std::uint64_t served = 0, misses = 0;
    for (auto& worker : workers) {
        served += worker->served();
        misses += worker->misses();
    }
    std::fprintf(stderr, "%llu requests, %llu introspections, %zu cached, %llu evicted\n",
                 (unsigned long long)served, (unsigned long long)misses, cache.size(),
                 (unsigned long long)cache.evictions());
    std::_Exit(0);
}
