// The demo target: a small "service" that looks like many real ones. Its lookup cache fills to
// capacity over the first ~2 s of requests (a one-time warm-up of ~24 MB, like a JIT or a pool, then
// no more), and each request appends a record to an audit log that is never trimmed — a real but
// slow, still-reachable leak (~600 KB/s), the kind LeakSanitizer cannot see because the log is
// freed at exit. leakscope should call the cache a warm-up and the log a leak.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

struct AuditRecord {
    std::string text;
};

class AuditLog {
public:
    // The bug: records are appended and never dropped.
    void write(int request) { records_.push_back({std::string(6000, static_cast<char>('a' + request % 26))}); }
    std::size_t size() const { return records_.size(); }

private:
    std::vector<AuditRecord> records_;
};

class LookupCache {
public:
    explicit LookupCache(std::size_t capacity) : capacity_(capacity) {}
    // A miss fills an entry; once the cache holds `capacity` entries it only serves hits.
    void lookup(std::size_t key) {
        if (entries_.size() >= capacity_ || entries_.count(key)) return;
        auto block = std::make_unique<char[]>(24 * 1024);
        std::memset(block.get(), static_cast<int>(key), 24 * 1024);  // touch it, so it is resident
        entries_.emplace(key, std::move(block));
    }

private:
    std::size_t capacity_;
    std::unordered_map<std::size_t, std::unique_ptr<char[]>> entries_;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 10.0;
    LookupCache cache(1000);  // 1000 x 24 KiB = 24 MB, filled by the first 2 s of requests

    AuditLog log;
    const auto start = std::chrono::steady_clock::now();
    const auto period = std::chrono::milliseconds(10);  // 100 requests per second
    auto next = start;
    for (int request = 0;; ++request) {
        next += period;
        std::this_thread::sleep_until(next);
        for (int k = 0; k < 5; ++k) cache.lookup(static_cast<std::size_t>(request * 5 + k));
        log.write(request);
        std::printf("request %d done\n", request);
        std::fflush(stdout);
        if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= seconds) break;
    }
    std::fprintf(stderr, "served %zu requests\n", log.size());
    return 0;
}
