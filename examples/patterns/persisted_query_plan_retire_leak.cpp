// A slow, still-reachable leak in a bounded cache, on three threads (written in session 17 as a
// held-out check, never tuned on): a GraphQL gateway's cache of compiled plans for persisted queries,
// keyed by the query's hash. The cache is a std::unordered_map beside an LRU list, bounded at 32 MB of
// plans: a miss compiles the plan (the operation text, 1-4 kB, and 12-60 plan steps, each with its
// field path), inserts it and evicts from the LRU tail until the plans fit the budget. Three worker
// threads serve 1,500 requests a second each: 60% ask for one of 2,000 hot operations of the web and
// mobile apps (cached once seen, and hit often enough to stay), 40% for the long tail of 400,000
// (partner integrations, ad-hoc tools: nearly always a miss, so the tail churns through the LRU).
// Eight times a second a client registers a new version of a hot operation (an app release) and the
// registration path retires the old version's plan: it unlinks it from the LRU list and takes its
// bytes off the budget, but leaves the map entry for "the eviction loop" to erase, and that loop only
// erases what it pops from the LRU list. A retired hash is never asked for again.
// Truth: a leak, linear from the end of the fill (~3 s): ~8 retired plans a second stay in the map for
// good (each ~5 kB with its key and hash node; a hot plan the LRU evicted before its retiring would
// leak nothing), on a ~42 MB process whose budgeted cache stays at 32 MB: ~0.6 MB over an 18 s run
// (~1.4% of the process). The plans are allocated in compile_plan.
// Measured (tests/accuracy/measure.py, session 17): live heap 33.91 MB at 3 s (the fill), 34.52 MB at
// 18 s: +39.9 kB/s over 3-18 s (+42.2 over 4-11 s, +38.7 over 11-18 s); 128 plans retired and all 128
// still in the map at exit (6,062 in the map, 5,934 on the LRU list). RSS without the tracker 41.0 ->
// 43.5 MB over 3-18 s (+171 kB/s; +137 kB/s over 11-18 s), under it 55.5 -> 58.0 MB: RSS climbs ~4x
// faster than the live heap (the three workers' glibc arenas under the tail's churn; not looked into).
// Usage: persisted_query_plan_retire_leak SECONDS
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"
#include "mix.h"

namespace {

constexpr std::size_t kBudgetBytes = 32u * 1000u * 1000u;
constexpr std::uint64_t kHotOperations = 2000;
constexpr std::uint64_t kTailOperations = 400000;

struct PlanStep {
    std::uint32_t kind;
    std::uint32_t parent;
    std::string field_path;
};

struct QueryPlan {
    std::string operation_text;
    std::vector<PlanStep> steps;
    std::size_t charge = 0;
    std::list<std::string>::iterator lru_position;
    bool on_lru = false;
    std::uint64_t hits = 0;
};

std::string operation_hash(std::uint64_t operation, std::uint32_t version) {
    char hash[80];
    std::snprintf(hash, sizeof hash, "sha256:%016llx%016llx%016llx", (unsigned long long)mix(operation),
                  (unsigned long long)mix(operation * 131 + version), (unsigned long long)mix(version * 7919 + operation));
    return hash;
}

// Parses the persisted operation and plans its fetches: what a miss costs. Sizes follow the hash, so
// every run compiles the same plans.
__attribute__((noinline)) QueryPlan compile_plan(std::uint64_t operation, std::uint32_t version) {
    const std::uint64_t h = mix(operation ^ (std::uint64_t(version) << 40));
    QueryPlan plan;
    plan.operation_text.assign(1000 + h % 3000, 'q');
    const std::size_t steps = 12 + (h >> 12) % 49;
    plan.steps.reserve(steps);
    std::size_t charge = plan.operation_text.size();
    for (std::size_t s = 0; s < steps; ++s) {
        const std::size_t path_length = 20 + mix(h + s) % 40;
        plan.steps.push_back({std::uint32_t(s % 7), std::uint32_t(s / 3), std::string(path_length, 'f')});
        charge += sizeof(PlanStep) + path_length;
    }
    plan.charge = charge;
    return plan;
}

class PlanCache {
public:
    // The plan's hit count after this request (compiling it on a miss).
    std::uint64_t lookup(std::uint64_t operation, std::uint32_t version) {
        std::string key = operation_hash(operation, version);
        std::lock_guard<std::mutex> lock(mutex_);
        auto found = plans_.find(key);
        if (found != plans_.end()) {
            QueryPlan& plan = found->second;
            if (plan.on_lru) lru_.splice(lru_.begin(), lru_, plan.lru_position);
            ++hits_;
            return ++plan.hits;
        }
        ++misses_;
        QueryPlan& plan = plans_.emplace(key, compile_plan(operation, version)).first->second;
        plan.charge += key.size();
        lru_.push_front(std::move(key));
        plan.lru_position = lru_.begin();
        plan.on_lru = true;
        bytes_ += plan.charge;
        evict_to_budget();
        return 1;
    }

    // A new version of the operation was registered: the old plan goes out of the budget and the
    // LRU list at once, and out of the map... when the eviction loop gets to it, which it never does.
    void retire(std::uint64_t operation, std::uint32_t version) {
        const std::string key = operation_hash(operation, version);
        std::lock_guard<std::mutex> lock(mutex_);
        auto found = plans_.find(key);
        if (found == plans_.end()) return;
        QueryPlan& plan = found->second;
        if (plan.on_lru) {
            lru_.erase(plan.lru_position);
            plan.on_lru = false;
            bytes_ -= plan.charge;
        }
        ++retired_;
    }

    void print_stats() {
        std::lock_guard<std::mutex> lock(mutex_);
        std::fprintf(stderr, "%zu plans in the map, %zu on the LRU list, %.1f MB budgeted; %llu hits, %llu misses, "
                     "%llu evictions, %llu retired\n", plans_.size(), lru_.size(), double(bytes_) / 1e6,
                     (unsigned long long)hits_, (unsigned long long)misses_, (unsigned long long)evictions_,
                     (unsigned long long)retired_);
    }

private:
    void evict_to_budget() {
        while (bytes_ > kBudgetBytes && lru_.size() > 1) {
            auto victim = plans_.find(lru_.back());
            bytes_ -= victim->second.charge;
            plans_.erase(victim);
            lru_.pop_back();
            ++evictions_;
        }
    }

    std::mutex mutex_;
    std::unordered_map<std::string, QueryPlan> plans_;
    std::list<std::string> lru_;  // most recent first
    std::size_t bytes_ = 0;
    std::uint64_t hits_ = 0, misses_ = 0, evictions_ = 0, retired_ = 0;
};

struct Gateway {
    PlanCache cache;
    std::vector<std::atomic<std::uint32_t>> hot_versions = std::vector<std::atomic<std::uint32_t>>(kHotOperations);
};

void worker(Gateway& gateway, int id, double seconds) {
    std::uint64_t seed = 1000 + id;
    std::uint64_t served = 0;
    pattern::every(0.01, seconds, [&](long, double) {
        for (int k = 0; k < 15; ++k) {  // 1,500 requests a second per worker
            seed = mix(seed);
            if (seed % 10 < 6) {
                const std::uint64_t operation = (seed >> 8) % kHotOperations;
                gateway.cache.lookup(operation, gateway.hot_versions[operation].load(std::memory_order_relaxed));
            } else {
                gateway.cache.lookup(kHotOperations + (seed >> 8) % kTailOperations, 1);
            }
            ++served;
        }
    });
    std::fprintf(stderr, "worker %d served %llu requests\n", id, (unsigned long long)served);
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 18);
    Gateway gateway;
    std::vector<std::thread> workers;
    for (int id = 0; id < 3; ++id) workers.emplace_back(worker, std::ref(gateway), id, seconds);
    // The registry's admin API, on the main thread: an app release re-registers one hot operation
    // eight times a second.
    std::uint64_t seed = 77;
    pattern::every(0.125, seconds, [&](long, double) {
        seed = mix(seed);
        const std::uint64_t operation = seed % kHotOperations;
        const std::uint32_t old_version = gateway.hot_versions[operation].fetch_add(1, std::memory_order_relaxed);
        gateway.cache.retire(operation, old_version);
    });
    for (auto& w : workers) w.join();
    gateway.cache.print_stats();
    return 0;
}
