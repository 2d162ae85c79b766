// Periodic batch jobs under jemalloc (written in session 14 as a held-out check, never tuned on; run
// with LD_PRELOAD of Debian's libjemalloc2): a key-value store keeps 150,000 entries (24-character
// keys, 100-character values) in a std::unordered_map, which two writer threads update in place at
// 6,000 writes a second. Every 3 s a compaction thread snapshots the table into a sorted run (a
// std::vector of key/value string pairs, ~31 MB with the strings), encodes and "writes" it block by
// block through one 128 KiB buffer with per-block checksums, and frees it: the run lives ~0.6 s.
// Truth: periodic spikes, no leak: the live heap sits at ~32 MB and rises by ~30 MB for ~0.6 s every
// 3 s (at 3, 6, 9, 12 s), then falls back to where it was. jemalloc keeps the freed pages dirty and returns them over its decay time (10 s by default),
// so RSS falls back more slowly than the heap does: after the first compaction it keeps ~26 MB of
// the run's pages, and spikes by ~22 MB above that at every compaction.
// Measured (tests/accuracy/measure.py, session 14): live heap 32.25 MB, 57-61 MB during each compaction
// (at 3.3, 6.3, 9.3, 12.3, 15.3 s, 0.6-0.9 s each under the tracker), back to 32.25 MB after each; RSS
// 62.5 MB before the first, then 89 MB with peaks of 111 MB at each compaction.
// Usage: LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 jemalloc_compaction_spikes SECONDS
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pacing.hpp"

namespace {

constexpr std::size_t kEntries = 150000;

std::string key_of(std::uint64_t k) {
    char text[32];
    std::snprintf(text, sizeof text, "user:%08llu:profile:v3", static_cast<unsigned long long>(k));
    return text;
}

class Store {
public:
    Store() {
        table_.reserve(kEntries);
        for (std::uint64_t k = 0; k < kEntries; ++k) table_.emplace(key_of(k), std::string(100, static_cast<char>('a' + k % 26)));
    }

    void put(std::uint64_t k, std::uint64_t version) {
        const std::string key = key_of(k % kEntries);
        std::unique_lock lock(mutex_);
        std::string& value = table_[key];
        std::snprintf(value.data(), value.size(), "v%llu", static_cast<unsigned long long>(version));
    }

    // The compaction: a sorted snapshot, encoded into a segment, written, freed. Returns the segment's size.
    __attribute__((noinline)) std::size_t compact() {
        std::vector<std::pair<std::string, std::string>> run;
        {
            std::shared_lock lock(mutex_);
            run.reserve(table_.size());
            for (const auto& [key, value] : table_) run.emplace_back(key, value);
        }
        std::sort(run.begin(), run.end());
        // The segment is encoded and written block by block through one 128 KiB buffer.
        std::string block;
        block.reserve(128 * 1024);
        std::size_t written = 0;
        std::uint32_t checksum = 0;
        for (const auto& [key, value] : run) {
            block += key;
            block += value;
            for (char c : value) checksum = checksum * 31 + static_cast<unsigned char>(c);
            if (block.size() + 256 > block.capacity()) {
                block.append(reinterpret_cast<const char*>(&checksum), sizeof checksum);
                written += block.size();
                block.clear();
            }
        }
        written += block.size();
        // The fsync, and the manifest's update, take the rest of the compaction's time.
        std::this_thread::sleep_for(std::chrono::milliseconds(450));
        return written;
    }

private:
    std::shared_mutex mutex_;
    std::unordered_map<std::string, std::string> table_;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    Store store;
    std::atomic<std::uint64_t> writes{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 2; ++w)
        writers.emplace_back([&, w] {
            std::uint64_t n = static_cast<std::uint64_t>(w) * 7919;
            pattern::every(0.01, seconds, [&](long, double) {
                for (int k = 0; k < 30; ++k, ++n) store.put(n * 2654435761u, n);
                writes += 30;
            });
        });
    std::size_t segments = 0, segment_bytes = 0;
    double longest_s = 0;
    pattern::every(3.0, seconds, [&](long i, double) {
        if (i == 0) return;
        const auto began = pattern::Clock::now();
        segment_bytes += store.compact();
        ++segments;
        longest_s = std::max(longest_s, std::chrono::duration<double>(pattern::Clock::now() - began).count());
    });
    for (auto& t : writers) t.join();
    std::fprintf(stderr, "%llu writes, %zu compactions (the longest %.2f s), %zu bytes of segments written\n",
                 static_cast<unsigned long long>(writes.load()), segments, longest_s, segment_bytes);
    return 0;
}
