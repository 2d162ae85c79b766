// A sawtooth of batch flushes under jemalloc (written in session 16 as a held-out check, never tuned
// on): the write path of an LSM key-value store (run with LD_PRELOAD of Debian's libjemalloc2). The
// write thread takes 6,000 puts a second (time-series keys of 30-46 B, values of 100-700 B) into the
// active memtable, a std::map<std::string, std::string>. When the memtable holds 8 MB (keys, values
// and a node's overhead) it becomes immutable and a new one takes the writes; the flush thread writes
// the immutable one to a sorted table file (here /dev/null, in 64 KiB blocks, with an index of block
// first keys and a bloom filter) and then frees it. The blocks are freed on the flush thread, not on
// the thread that allocated them, as in the real engine.
// Truth: not a leak, a bounded sawtooth: the live heap climbs ~3.4 MB/s to the 8 MB trigger (~9.2 MB
// of jemalloc's allocated bytes with its size classes) and drops back to ~1 MB within a fraction of a
// second when the flush is done, every ~2.55 s, over a flat floor. RSS follows only partly: jemalloc
// keeps the freed pages for reuse (its decay purges them slowly), so RSS rises with the first memtable
// to ~14 MB and stays near there, by a few hundred kB more after some flushes.
// Measured (session 16, jemalloc's stats.allocated and /proc VmRSS sampled every 100 ms by a scratch
// preload shim, no tracker): heap 0.37 MB at start, peaks of 8.6-9.2 MB seen before the drops at
// ~2.6, 5.1, 7.6, 10.2, 12.7 and 15.2 s, 0.8-1.5 MB seen just after them (slope over 2-16 s -9.7
// kB/s); RSS 4.5 -> 13.85 MB by 2.7 s, 14.3 at 5.2 s, 14.5 at 7.6 s, 14.4-14.7 MB over 10-16 s (a second
// run, after the flush queue became pattern::WorkQueue: 13.8, 14.3, 14.5 and 14.36-14.50 MB);
// 96,000 puts, 6 tables flushed (39.6 MB written).
// Usage: jemalloc_memtable_flush_sawtooth SECONDS
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "pacing.hpp"
#include "work_queue.hpp"

namespace {

struct Memtable {
    std::map<std::string, std::string> rows;
    std::size_t charged_bytes = 0;  // keys, values and ~96 B of node per row, as the engine counts it
    void put(std::string key, std::string value) {
        charged_bytes += key.size() + value.size() + 96;
        rows.insert_or_assign(std::move(key), std::move(value));
    }
};

/// Writes one memtable as a sorted table: 64 KiB data blocks, their first keys, a bloom filter.
std::size_t write_table(const Memtable& table, std::FILE* out) {
    std::vector<char> block;
    block.reserve(64 * 1024);
    std::vector<std::string> index;
    std::vector<std::uint64_t> bloom(table.rows.size() * 10 / 64 + 1);
    std::size_t written = 0;
    for (const auto& [key, value] : table.rows) {
        if (block.empty()) index.push_back(key);
        block.insert(block.end(), key.begin(), key.end());
        block.insert(block.end(), value.begin(), value.end());
        const std::uint64_t h = std::hash<std::string>{}(key);
        for (int k = 0; k < 7; ++k) {
            const std::uint64_t bit = (h + static_cast<std::uint64_t>(k) * (h >> 17 | 1)) % (bloom.size() * 64);
            bloom[bit / 64] |= 1ull << (bit % 64);
        }
        if (block.size() >= 64 * 1024) {
            written += std::fwrite(block.data(), 1, block.size(), out);
            block.clear();
        }
    }
    written += std::fwrite(block.data(), 1, block.size(), out);
    for (const std::string& key : index) written += std::fwrite(key.data(), 1, key.size(), out);
    written += std::fwrite(bloom.data(), sizeof bloom[0], bloom.size(), out);
    std::fflush(out);
    return written;
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    constexpr std::size_t kFlushAtBytes = 8'000'000;
    pattern::WorkQueue<std::unique_ptr<Memtable>> flushes;  // immutable memtables waiting for the flush thread
    std::size_t tables = 0, table_bytes = 0;
    std::thread flusher([&] {
        std::FILE* out = std::fopen("/dev/null", "wb");
        std::unique_ptr<Memtable> table;
        while (flushes.pop(table)) {
            table_bytes += write_table(*table, out);
            ++tables;
            table.reset();  // the immutable memtable is freed here, on the flush thread
        }
        std::fclose(out);
    });
    auto active = std::make_unique<Memtable>();
    std::mt19937 rng(1677);
    static const char* const kMetrics[] = {"cpu.user", "cpu.system", "mem.rss", "disk.read_bytes", "net.rx_packets",
                                           "http.requests", "http.latency_p99", "gc.pause_ms"};
    std::uint64_t puts = 0;
    // 50 ticks a second, 120 puts each: 6,000 puts a second.
    pattern::every(0.02, seconds, [&](long, double t) {
        for (int k = 0; k < 120; ++k) {
            char key[64];
            std::snprintf(key, sizeof key, "%s{host=web-%03u}@%013llu", kMetrics[rng() % 8], unsigned(rng() % 400),
                          static_cast<unsigned long long>(t * 1e6) + static_cast<unsigned long long>(k));
            std::string value(100 + rng() % 601, static_cast<char>('0' + puts % 10));
            active->put(key, std::move(value));
            ++puts;
        }
        if (active->charged_bytes >= kFlushAtBytes) {
            flushes.push(std::move(active));
            active = std::make_unique<Memtable>();
        }
    });
    flushes.close();
    flusher.join();
    std::fprintf(stderr, "%llu puts, %zu tables flushed (%zu bytes), %zu rows in the active memtable\n",
                 static_cast<unsigned long long>(puts), tables, table_bytes, active->rows.size());
    return 0;
}
