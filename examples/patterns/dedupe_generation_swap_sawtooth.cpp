// A bounded sawtooth from generation swapping (written in session 14 as a held-out check, never tuned
// on): a message consumer makes deliveries idempotent by remembering the ids it has processed, with
// each id's payload fingerprint, in two generations: a message is a duplicate if its id is in the
// current or the previous generation. Every 2 s the previous generation is dropped and the current
// one becomes the previous (a two-generation window, as Kafka consumers and dedupe filters do). Two
// consumer threads take 5,000 messages a second between them.
// Truth: a bounded sawtooth, no leak: each generation takes 10,000 ids of ~330 B (the node, the
// 36-character id, the 200-character fingerprint, the bucket): ~3.3 MB; the live set climbs from one
// generation to two over every 2 s and falls by one at each swap (at 2, 4, 6 ... s), between ~3.3 and
// ~6.6 MB above a ~2 MB base, the same every period. glibc may keep the freed chunks for the next
// generation, so RSS can level off at the top of the teeth.
// Measured (tests/accuracy/measure.py, session 14): live heap 2.5 MB at start, rising to 8.4 MB over the
// first 4 s (two generations), then teeth between 5.7 and 8.7 MB every 2 s to the end (slope -29 kB/s
// over 3-13 s); RSS rises to 17.9 MB by 4.2 s and stays there (the freed generations' chunks reused).
// Usage: dedupe_generation_swap_sawtooth SECONDS
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"

namespace {

class DedupeWindow {
public:
    // True the first time an id is seen within the window (the message is processed), false for a duplicate.
    __attribute__((noinline)) bool first_delivery(const std::string& id, const std::string& fingerprint) {
        std::lock_guard lock(mutex_);
        if (previous_.count(id) || current_.count(id)) return false;
        current_.emplace(id, fingerprint);
        return true;
    }

    // The rotation: the previous generation goes, the current one takes its place.
    void rotate() {
        std::unordered_map<std::string, std::string> dropped;
        {
            std::lock_guard lock(mutex_);
            dropped.swap(previous_);
            previous_.swap(current_);
        }
        // `dropped` is freed here, outside the lock.
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, std::string> current_, previous_;
};

std::string message_id(std::uint64_t n) {
    char text[48];
    std::snprintf(text, sizeof text, "%08llx-%04x-4%03x-a%03x-%012llx", static_cast<unsigned long long>(n * 2654435761u & 0xffffffffu),
                  static_cast<unsigned>(n & 0xffff), static_cast<unsigned>(n % 4096), static_cast<unsigned>((n >> 12) % 4096),
                  static_cast<unsigned long long>(n * 0x9e3779b97f4a7c15ull & 0xffffffffffffull));
    return text;
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    DedupeWindow window;
    // The consumer's partition assignments and offsets: ~2 MB kept for the run.
    std::vector<std::string> partitions;
    for (int k = 0; k < 16000; ++k) partitions.push_back("orders-events." + std::to_string(k) + std::string(90, 'o'));
    std::atomic<std::uint64_t> processed{0}, duplicates{0};
    std::vector<std::thread> consumers;
    for (int c = 0; c < 2; ++c)
        consumers.emplace_back([&, c] {
            std::uint64_t n = static_cast<std::uint64_t>(c);
            pattern::every(0.01, seconds, [&](long i, double) {
                // 25 messages per 10 ms tick per consumer; one in 40 is a redelivery of a recent one.
                for (int k = 0; k < 25; ++k, n += 2) {
                    const std::uint64_t id = (n % 40 == 0 && n > 402) ? n - 402 : n;
                    std::string fingerprint(200, static_cast<char>('a' + id % 26));
                    fingerprint[id % 200] = static_cast<char>('A' + i % 26);
                    (window.first_delivery(message_id(id), fingerprint) ? processed : duplicates) += 1;
                }
            });
        });
    pattern::every(2.0, seconds, [&](long i, double) {
        if (i > 0) window.rotate();
    });
    for (auto& t : consumers) t.join();
    std::fprintf(stderr, "%llu processed, %llu duplicates dropped, %zu partitions\n",
                 static_cast<unsigned long long>(processed.load()), static_cast<unsigned long long>(duplicates.load()), partitions.size());
    return 0;
}
