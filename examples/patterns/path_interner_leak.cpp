// A leak in a string interner (a reachable leak that looks like a cache): an HTTP router interns every
// request path in an std::unordered_set<std::string> so that handlers can compare paths by pointer. The
// paths carry an order id ("/orders/184467/items"), so the set never stops growing. Four worker threads
// route 1,000 requests a second between them, under a mutex, next to a bounded per-thread scratch
// buffer that is reused (churn that is not a leak).
// Truth: a leak, linear. Each new path is a ~45-character string plus the set's node and bucket share:
// about 123 bytes of live heap per request (measured: tests/accuracy/measure.py), ~123,000 B/s.
// Usage: path_interner_leak SECONDS
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "pacing.hpp"

namespace {

class PathInterner {
public:
    const std::string* intern(std::string path) {
        std::lock_guard<std::mutex> hold(mutex_);
        return &*paths_.insert(std::move(path)).first;
    }
    std::size_t size() {
        std::lock_guard<std::mutex> hold(mutex_);
        return paths_.size();
    }

private:
    std::mutex mutex_;
    std::unordered_set<std::string> paths_;
};

class Router {
public:
    explicit Router(PathInterner& interner) : interner_(interner), scratch_(16384) {}
    __attribute__((noinline)) std::size_t route(long order) {
        const std::string* path = interner_.intern("/api/v2/orders/" + std::to_string(order) + "/items/summary");
        // The response is rendered into a reused buffer: allocations that come and go.
        std::string body(path->size() * 20, 'x');
        for (std::size_t i = 0; i < body.size() && i < scratch_.size(); ++i) scratch_[i] = body[i];
        return body.size();
    }

private:
    PathInterner& interner_;
    std::vector<char> scratch_;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 14);
    PathInterner interner;
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w)
        workers.emplace_back([&interner, w, seconds] {
            Router router(interner);
            // 50 ticks a second, 5 requests each: 250 requests a second per worker.
            pattern::every(0.02, seconds, [&](long i, double) {
                for (long k = 0; k < 5; ++k) router.route((i * 5 + k) * 4 + w);
            });
        });
    for (auto& worker : workers) worker.join();
    std::printf("%zu paths interned\n", interner.size());
    return 0;
}
