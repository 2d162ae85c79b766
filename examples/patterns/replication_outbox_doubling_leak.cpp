// A journal in one growing buffer, under jemalloc (written in session 14 as a held-out check, never
// tuned on): a small key-value service replicates its writes. Two writer threads encode each change
// (an 80-400 byte record) into the replication outbox, one std::vector<char> the replica stream reads
// from; a trimmer erases the prefix every replica has acknowledged, every 500 ms. The configuration
// still lists a standby replica that was decommissioned: it never connects, so the lowest acknowledged
// offset stays 0 and the trimmer never erases anything. The outbox is the only growing thing; the
// requests themselves (a 1-16 KiB value buffer each, 1,200 a second) are freed when done.
// Truth: a leak, from the start: 1,000 records a second of 225 B on average (a 12-byte header, a
// 13-byte key, a 40-360 byte value), ~225 kB/s of journal bytes kept, ~3.6 MB over a 16 s run. The vector's capacity doubles, so what the allocator holds
// rises in steps (jemalloc size classes; each growth briefly holds old and new buffers), while RSS
// follows the pages written: staircase or linear growth are both right.
// Measured (tests/accuracy/measure.py, session 14): the outbox ends with 3,594,709 bytes (225 kB/s);
// the live heap steps 0.3 -> 0.5 -> 1.0 (2.4 s) -> 1.95 (4.8 s) -> 3.82 MB (8.8 s), flat from there to
// the end (the next doubling is due at ~17 s); RSS 7.1 -> 14.1 MB, +567 kB/s over 3-13 s (jemalloc
// keeps the old buffers' pages a while after each growth).
// Usage: LD_PRELOAD=libjemalloc.so.2 replication_outbox_doubling_leak SECONDS
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "pacing.hpp"

namespace {

class ReplicationOutbox {
public:
    void append(std::uint64_t sequence, const char* key, std::size_t key_len, std::size_t value_len) {
        char header[32];
        std::memcpy(header, &sequence, sizeof sequence);
        const auto lengths = static_cast<std::uint32_t>(key_len << 16 | value_len);
        std::memcpy(header + 8, &lengths, sizeof lengths);
        std::lock_guard lock(mutex_);
        journal_.insert(journal_.end(), header, header + 12);
        journal_.insert(journal_.end(), key, key + key_len);
        journal_.resize(journal_.size() + value_len, static_cast<char>('a' + sequence % 26));
    }

    /// Erases what every configured replica has acknowledged.
    void trim(const std::vector<std::size_t>& acked_offsets) {
        std::size_t lowest = SIZE_MAX;
        for (std::size_t offset : acked_offsets) lowest = offset < lowest ? offset : lowest;
        std::lock_guard lock(mutex_);
        if (lowest == 0 || lowest == SIZE_MAX) return;
        journal_.erase(journal_.begin(), journal_.begin() + static_cast<std::ptrdiff_t>(lowest - erased_));
        erased_ = lowest;
    }

    std::size_t size() {
        std::lock_guard lock(mutex_);
        return journal_.size();
    }

private:
    std::mutex mutex_;
    std::vector<char> journal_;
    std::size_t erased_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    ReplicationOutbox outbox;
    // replica 0 is live and acknowledges everything; replica 1 (decommissioned) never connects.
    std::vector<std::size_t> acked_offsets{0, 0};
    std::mutex acked_mutex;

    std::vector<std::thread> writers;
    for (int w = 0; w < 2; ++w) {
        writers.emplace_back([&, w] {
            std::mt19937 rng(77 + w);
            std::uniform_int_distribution<std::size_t> record_value(40, 360), request_value(1024, 16384);
            std::uint64_t sequence = static_cast<std::uint64_t>(w);
            unsigned long sink = 0;
            // 500 records and 600 requests a second per writer, in ticks of 10 ms.
            pattern::every(0.01, seconds, [&](long, double) {
                for (int k = 0; k < 6; ++k) {
                    std::vector<char> value(request_value(rng), 'v');
                    sink += static_cast<unsigned char>(value[value.size() / 2]);
                    if (k == 5) continue;  // one request in six is a read: nothing to replicate
                    char key[40];
                    const int key_len = std::snprintf(key, sizeof key, "acct:%08llu",
                                                      static_cast<unsigned long long>(sequence % 50000));
                    outbox.append(sequence, key, static_cast<std::size_t>(key_len), record_value(rng));
                    sequence += 2;
                }
            });
            if (sink == 1) std::puts("");
        });
    }
    // The trimmer: the live replica has read everything, the standby nothing.
    pattern::every(0.5, seconds, [&](long, double) {
        std::lock_guard lock(acked_mutex);
        acked_offsets[0] = outbox.size();
        outbox.trim(acked_offsets);
    });
    for (auto& w : writers) w.join();
    std::fprintf(stderr, "replication_outbox_doubling_leak: outbox holds %zu bytes\n", outbox.size());
}
