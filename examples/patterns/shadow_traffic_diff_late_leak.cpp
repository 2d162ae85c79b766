// A leak that starts late, after a config reload (written in session 23 as a held-out check, never
// tuned on): the API gateway in front of a product-search backend. Two worker threads serve 2,000
// requests a second between them; each request is routed by a table of 6,000 routes loaded at start,
// its upstream response (0.6-3 kB of JSON) is built, logged in a 4,096-line access-log ring and freed.
// A third of the way into the run an operator reloads the gateway's config to turn on shadow traffic:
// 10% of the requests are mirrored to the search v2 backend, and the gateway keeps a copy of the
// primary's response (its body and its status line) in the shadow differ's pending table until the
// v2 response comes back, then diffs the two and erases the entry. The differ matches a v2 response by
// its x-request-id header, which the v2 backend does not echo (it sends x-shadow-request-id): every
// lookup misses, the mismatch is counted as "unmatched" and the pending copy stays for good.
// Truth: a leak from a third of the run (6 s of 18 s), linear: ~200 mirrored requests a second, each
// keeping a ~1.2 kB copy (the body's first kilobyte, copied in ShadowDiffer::hold, its ~80-byte status
// line, the request id, the pending record and its hash node): ~240 kB/s, ~2.9 MB over the last 12 s on
// a heap of ~2.6 MB before; flat before (the routes are loaded before the first request, the
// access-log ring's lines are rewritten in the capacity reserved at start, every request's own memory
// is freed).
// Measured (session 23, tests/accuracy/measure.py): tracked, live heap 2.59 MB flat over 1-6 s (0 B/s),
// +237 kB/s over 7-12 s and +245 kB/s over 12-18 s (5.45 MB at 18 s), RSS +1 kB/s over 1-6 s and +285
// kB/s over 7-18 s; --plain, RSS 5.64 MB flat over 1-6 s (+0.1 kB/s), +251 kB/s over 7-12 s and +258
// kB/s over 12-18 s (8.70 MB at 18 s); 2,378 copies pending at exit.
// Usage: shadow_traffic_diff_late_leak SECONDS
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "mix.h"
#include "pacing.hpp"

namespace {

struct Route {
    std::string prefix;
    std::string upstream;
    int timeout_ms;
};

struct PendingDiff {
    std::string status_line;
    std::string primary_body;
    double mirrored_at;
};

// The routing table: loaded from the gateway's config at start.
class Router {
public:
    Router() {
        for (std::uint64_t r = 0; r < kRoutes; ++r) {
            const std::uint64_t h = mix(r);
            routes_.push_back({"/api/v1/catalog/" + std::to_string(r) + "/search/" + std::to_string(h % 997),
                               "http://search-" + std::to_string(h % 12) + ".svc.cluster.local:8080/query",
                               200 + static_cast<int>(h % 800)});
        }
    }
    const Route& pick(std::uint64_t h) const { return routes_[h % kRoutes]; }

private:
    static constexpr std::uint64_t kRoutes = 6000;
    std::vector<Route> routes_;
};

// Compares the search v2 backend's answers with the primary's, for the requests mirrored to it.
class ShadowDiffer {
public:
    __attribute__((noinline)) void hold(const std::string& request_id, const std::string& status,
                                        const std::string& body, double t) {
        std::lock_guard<std::mutex> lock(mutex_);
        pending_.emplace(request_id, PendingDiff{status, body, t});
    }

    // The v2 response: headers as the v2 backend sends them.
    void on_shadow_response(const std::unordered_map<std::string, std::string>& headers, const std::string& body) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto id = headers.find("x-request-id");  // the bug: v2 echoes the id as x-shadow-request-id
        if (id == headers.end()) {
            ++unmatched_;
            return;
        }
        auto it = pending_.find(id->second);
        if (it == pending_.end()) return;
        if (it->second.primary_body.size() != body.size()) ++differing_;
        pending_.erase(it);
    }

    std::size_t pending() {
        std::lock_guard<std::mutex> lock(mutex_);
        return pending_.size();
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, PendingDiff> pending_;
    std::uint64_t unmatched_ = 0, differing_ = 0;
};

std::string upstream_response(std::uint64_t h, std::size_t bytes) {
    std::string body = "{\"took\":" + std::to_string(h % 90) + ",\"hits\":[";
    while (body.size() + 60 < bytes)
        body += "{\"sku\":\"" + std::to_string(mix(h + body.size()) % 100000000) + "\",\"score\":0." +
                std::to_string(h % 9999) + "},";
    body += "{}]}";
    return body;
}

class Worker {
public:
    Worker(std::uint64_t index, const Router& router, ShadowDiffer& differ, const std::atomic<bool>& shadow_on)
        : index_(index), router_(router), differ_(differ), shadow_on_(shadow_on), access_log_(kAccessLogLines) {
        for (auto& line : access_log_) line.reserve(128);  // the ring's lines are rewritten in place
    }

    // One tick (10 ms): 10 requests.
    void tick(long i, double t) {
        for (int k = 0; k < 10; ++k) serve(static_cast<std::uint64_t>(i) * 10 + k, t);
    }

private:
    static constexpr std::size_t kAccessLogLines = 4096;

    void serve(std::uint64_t n, double t) {
        const std::uint64_t h = mix(n * 2 + index_);
        const Route& route = router_.pick(h);
        const std::string request_id = "req-" + std::to_string(index_) + "-" + std::to_string(n) + "-" +
                                       std::to_string(h % 100000);
        const std::size_t bytes = 600 + h % 2400;
        std::string body = upstream_response(h, bytes);
        const std::string status = "HTTP/1.1 200 OK; upstream=" + route.upstream + "; ms=" + std::to_string(h % 50);
        std::string& line = access_log_[served_ % kAccessLogLines];
        line.clear();  // written in place, in the capacity reserved at start
        line.append(route.prefix).append(" 200 ").append(std::to_string(body.size())).append(" ").append(request_id);
        ++served_;
        if (shadow_on_.load(std::memory_order_relaxed) && h % 10 == 3) mirror(request_id, status, body, h, t);
    }

    void mirror(const std::string& request_id, const std::string& status, const std::string& body,
                std::uint64_t h, double t) {
        // Only the primary's first kilobyte is kept: the differ compares the top hits, not the paging.
        differ_.hold(request_id, status, body.size() > 1024 ? body.substr(0, 1024) : body, t);
        std::unordered_map<std::string, std::string> headers{{"x-shadow-request-id", request_id},
                                                             {"content-type", "application/json"}};
        differ_.on_shadow_response(headers, upstream_response(mix(h + 1), 600 + h % 1400));
    }

    std::uint64_t index_;
    const Router& router_;
    ShadowDiffer& differ_;
    const std::atomic<bool>& shadow_on_;
    std::vector<std::string> access_log_;
    std::uint64_t served_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 18);
    const double reload_at = seconds / 3;
    Router router;
    ShadowDiffer differ;
    std::atomic<bool> shadow_on{false};
    std::vector<std::thread> workers;
    for (std::uint64_t w = 0; w < 2; ++w) {
        workers.emplace_back([&, w] {
            Worker worker(w, router, differ, shadow_on);
            pattern::every(0.01, seconds, [&](long i, double t) { worker.tick(i, t); });
        });
    }
    // The operator's config reload: shadow traffic on.
    pattern::every(0.1, seconds, [&](long, double t) {
        if (t >= reload_at) shadow_on.store(true, std::memory_order_relaxed);
    });
    for (auto& worker : workers) worker.join();
    std::fprintf(stderr, "shadow traffic from %.1f s: %zu copies pending\n", reload_at, differ.pending());
    std::_Exit(0);
}
