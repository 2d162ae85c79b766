// A sawtooth: a batch of lines flushed on a timer (written in session 13 as a held-out check, never
// tuned on): two request handler threads append one JSON audit line each per request (180-420
// characters, varying per request) to a shared std::vector<std::string> batch, 3,000 lines a second
// each. The shipper (the main thread), every 2.5 s, swaps the batch for an empty vector, "ships" it
// (a checksum where the real one compresses and posts it) and frees it.
// Truth: not a leak; a bounded sawtooth: the batch climbs ~3.7 MB/s (6,000 lines a second; each line
// built from a ~95-character head, then appended to, so std::string's capacity doublings make it ask
// ~600 B of malloc, plus its 32-byte slot in a vector whose capacity doubles) to ~9 MB in 2.5 s, then
// drops to nothing, and again: six teeth over a 16 s run, each tooth's peak the same. Periodic spikes
// is an honest reading too (the drops are sudden). The handler threads' glibc arenas keep the freed
// lines' memory for the next tooth, so RSS rises in the first tooth and then stays flat: from RSS
// alone, a warm-up then flat (or stable) is right (rss_patterns).
// Measured (tests/accuracy/measure.py, session 13): live heap teeth from 0.1-1.7 MB up to 8.5-9.6 MB every
// 2.5 s, slope over 3-13 s +24 kB/s (min 0.11, max 9.61 MB); RSS 14.5-15.1 MB from 2.4 s on.
// Usage: audit_batch_flush_sawtooth SECONDS
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pacing.hpp"

namespace {

class AuditBatch {
public:
    __attribute__((noinline)) void append(const char* user, std::uint64_t request, int status, std::size_t pad) {
        char head[200];
        const int n = std::snprintf(head, sizeof head,
                                    "{\"ts\":%llu,\"user\":\"%s\",\"action\":\"GET /api/v2/orders\",\"status\":%d,\"note\":\"",
                                    static_cast<unsigned long long>(request), user, status);
        std::string line(head, static_cast<std::size_t>(n));
        line.append(pad, '.');
        line += "\"}";
        std::lock_guard lock(mutex_);
        lines_.push_back(std::move(line));
    }
    std::vector<std::string> take() {
        std::vector<std::string> out;
        std::lock_guard lock(mutex_);
        out.swap(lines_);
        return out;
    }

private:
    std::mutex mutex_;
    std::vector<std::string> lines_;
};

std::uint64_t ship(const std::vector<std::string>& batch) {
    std::uint64_t sum = 0;
    for (const auto& line : batch) sum = sum * 31 + line.size() + static_cast<unsigned char>(line[line.size() / 2]);
    return sum;
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    AuditBatch batch;
    std::vector<std::thread> handlers;
    for (int h = 0; h < 2; ++h)
        handlers.emplace_back([&, h] {
            char user[32];
            // 100 ticks a second, 30 requests each.
            pattern::every(0.01, seconds, [&](long i, double) {
                for (int k = 0; k < 30; ++k) {
                    const std::uint64_t request = static_cast<std::uint64_t>(i) * 60 + static_cast<std::uint64_t>(h * 30 + k);
                    std::snprintf(user, sizeof user, "svc-account-%05llu", static_cast<unsigned long long>(request % 20000));
                    // 180-420 characters in all: ~90 of head, the rest a note of varying length.
                    batch.append(user, request, request % 50 ? 200 : 404, 90 + (request * 7919) % 241);
                }
            });
        });
    std::uint64_t shipped = 0, lines = 0;
    // Every 2.5 s, checked every 0.1 s so the shipper ends with the run, not up to 2.5 s after it.
    pattern::every(0.1, seconds, [&](long i, double) {
        if (i == 0 || i % 25 != 0) return;
        auto out = batch.take();
        lines += out.size();
        shipped ^= ship(out);
    });
    for (auto& t : handlers) t.join();
    lines += batch.take().size();
    std::fprintf(stderr, "%llu lines shipped (%llx)\n", static_cast<unsigned long long>(lines), static_cast<unsigned long long>(shipped));
    return 0;
}
