// A slow leak under a large sawtooth, under jemalloc (written in session 19 as a held-out check,
// never tuned on; run with LD_PRELOAD of Debian's libjemalloc2): a DogStatsD-style metrics
// aggregator. Two ingest threads parse 20,000 lines a second ("name:value|type|@rate|#tags") into
// their shard's interval map (std::unordered_map by series key: counters, gauges, and timers with a
// digest of up to 48 centroids reserved when the series is first seen); every 2.5 s the flush thread
// swaps both shards' maps out, encodes the interval (~2.8 MB of text, sent to the backend) and frees
// it. One client, an old library version on a batch fleet, sends sample rates of 0 ("@0.0"), which
// the parser rejects: 2% of the lines. Each rejected line is copied, with its reason and arrival
// time, into the shard's std::deque `rejected_`, which the /debug/rejected page was meant to show
// and clear when read; the page was never wired into the HTTP server, so nothing ever clears it.
// Truth: a leak, linear, from the start, under a sawtooth: 400 rejected lines a second kept, each a
// std::string copy of the line (~128 bytes, allocated in AggregatorShard::reject) and its 48-byte
// record in the deque: ~70 kB/s, ~1.1 MB over the run; the interval maps rise to ~12 MB of live heap
// (8 MB within the first second after a flush, then more slowly) and fall back to the floor at the
// next flush, every 2.5 s (RSS is held near the peak by jemalloc's decay).
// Measured (session 19): tests/accuracy/measure.py (tracked), the live heap's lowest point just after
// each flush: 1.32, 1.47, 1.68, 1.82, 2.04, 2.17 MB at 2.7-15.2 s (+70 kB/s), its peaks just before
// them 13.2 -> 14.0 MB (+66 kB/s); a plain run without leakscope (jemalloc's stats.allocated every
// 100 ms by a preloaded sampler): peaks of 14-15 MB, lows of 0.9-1.9 MB seen after the flushes, RSS
// 25 MB from the second interval on; 6,379 rejected lines kept at exit (823 kB of text).
// Usage: jemalloc_statsd_rejected_lines_leak SECONDS
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"
#include "mix.h"

namespace {

struct Centroid {
    double mean;
    double weight;
};

struct Series {
    char type = 'c';
    double sum = 0;
    double last = 0;
    std::uint64_t count = 0;
    std::vector<Centroid> digest;  // timers only

    void add_timer_sample(double value) {
        if (digest.size() < digest.capacity()) {
            digest.push_back({value, 1});
            return;
        }
        // merge into the nearest centroid (a crude t-digest)
        std::size_t best = 0;
        double best_distance = 1e300;
        for (std::size_t k = 0; k < digest.size(); ++k) {
            const double d = std::abs(digest[k].mean - value);
            if (d < best_distance) best_distance = d, best = k;
        }
        Centroid& c = digest[best];
        c.mean += (value - c.mean) / (c.weight + 1);
        c.weight += 1;
    }
};

using Interval = std::unordered_map<std::string, Series>;

struct RejectedLine {
    const char* reason;
    std::string line;
    double received_at;
};

class AggregatorShard {
public:
    // Parses one line into the interval; a line the parser refuses is kept for /debug/rejected.
    void ingest(std::string_view line, double now) {
        const std::size_t colon = line.find(':');
        const std::size_t bar = line.find('|', colon);
        if (colon == std::string_view::npos || bar == std::string_view::npos) return reject("malformed", line, now);
        const double value = std::strtod(std::string(line.substr(colon + 1, bar - colon - 1)).c_str(), nullptr);
        const char type = line[bar + 1];
        double rate = 1;
        const std::size_t at = line.find("|@", bar);
        if (at != std::string_view::npos) {
            rate = std::strtod(std::string(line.substr(at + 2, 6)).c_str(), nullptr);
            if (!(rate > 0 && rate <= 1)) return reject("sample rate out of (0, 1]", line, now);
        }
        // the series key: the name and the tags, without value, type and rate
        std::string key(line.substr(0, colon));
        const std::size_t tags = line.find("|#", bar);
        if (tags != std::string_view::npos) key.append(line.substr(tags + 1));
        std::lock_guard<std::mutex> lock(mutex_);
        auto [it, inserted] = interval_.try_emplace(std::move(key));
        Series& s = it->second;
        if (inserted) {
            s.type = type;
            if (type == 'm' || type == 'h') s.digest.reserve(48);
        }
        ++s.count;
        if (type == 'c') s.sum += value / rate;
        else if (type == 'g') s.last = value;
        else s.add_timer_sample(value);
    }

    Interval take() {
        std::lock_guard<std::mutex> lock(mutex_);
        Interval out;
        out.swap(interval_);
        return out;
    }

    std::size_t rejected() {
        std::lock_guard<std::mutex> lock(mutex_);
        return rejected_.size();
    }

private:
    __attribute__((noinline)) void reject(const char* reason, std::string_view line, double now) {
        std::lock_guard<std::mutex> lock(mutex_);
        rejected_.push_back(RejectedLine{reason, std::string(line), now});  // shown (and cleared) by /debug/rejected
        rejected_bytes_ += line.size() + 1;
    }

    std::mutex mutex_;
    Interval interval_;
    std::deque<RejectedLine> rejected_;

public:
    std::size_t rejected_bytes_ = 0;  // the lines' text, for the log line at exit
};

// The traffic: 12,000 series (metric x route x status x pod), a third of them timers.
std::string statsd_line(std::uint64_t n) {
    static const char* kMetrics[] = {"http.server.duration", "http.server.requests", "db.pool.wait",
                                     "cache.lookup",        "queue.depth",          "rpc.client.duration"};
    static const char* kTypes = "mcmcgm";
    const std::uint64_t h = mix(n);
    const std::uint64_t series = h % 12000;
    const int metric = static_cast<int>(series % 6);
    char buf[320];
    const bool old_client = (h >> 40) % 1000 < 20;  // the batch fleet's old library: 2% of the lines
    int len = std::snprintf(buf, sizeof buf, "%s:%llu|%c", kMetrics[metric], (unsigned long long)(h % 2500),
                            kTypes[metric]);
    if (old_client) len += std::snprintf(buf + len, sizeof buf - len, "|@0.0");
    len += std::snprintf(buf + len, sizeof buf - len,
                         "|#env:prod,service:checkout-api,route:/v2/orders/{id}/items/%llu,status:%llu,pod:checkout-"
                         "api-%05llx-%04llx",
                         (unsigned long long)(series / 6 % 40), (unsigned long long)(200 + series / 240 % 5 * 100),
                         (unsigned long long)(series / 1200), (unsigned long long)((h >> 20) % (old_client ? 60000 : 1)));
    return std::string(buf, static_cast<std::size_t>(len));
}

class Flusher {
public:
    explicit Flusher(std::vector<AggregatorShard*> shards) : shards_(std::move(shards)) {}

    void flush_once() {
        std::vector<Interval> intervals;
        for (auto* shard : shards_) intervals.push_back(shard->take());
        std::string payload;
        payload.reserve(1 << 20);
        char line[128];
        for (auto& interval : intervals) {
            for (auto& [key, s] : interval) {
                double p99 = 0;
                for (auto& c : s.digest) p99 = std::max(p99, c.mean);
                const int n = std::snprintf(line, sizeof line, " %c %.3f %.3f %llu\n", s.type, s.sum + s.last, p99,
                                            (unsigned long long)s.count);
                payload.append(key).append(line, static_cast<std::size_t>(n));
            }
        }
        sent_bytes_ += payload.size();
        ++flushes_;
        // intervals and payload are freed here, on the flush thread
    }

    std::uint64_t sent_bytes() const { return sent_bytes_; }
    int flushes() const { return flushes_; }

private:
    std::vector<AggregatorShard*> shards_;
    std::uint64_t sent_bytes_ = 0;
    int flushes_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    AggregatorShard shards[2];
    Flusher flusher({&shards[0], &shards[1]});
    std::atomic<std::uint64_t> lines{0};
    std::vector<std::thread> ingest;
    for (int s = 0; s < 2; ++s) {
        ingest.emplace_back([&, s] {
            // every 10 ms a datagram batch of 100 lines: 10,000 lines a second per ingest thread
            pattern::every(0.01, seconds, [&](long i, double t) {
                for (int k = 0; k < 100; ++k) {
                    const std::uint64_t n = (static_cast<std::uint64_t>(i) * 100 + k) * 2 + s;
                    shards[s].ingest(statsd_line(n), t);
                }
                lines += 100;
            });
        });
    }
    std::thread flush_thread([&] {
        pattern::every(2.5, seconds, [&](long i, double) {
            if (i > 0) flusher.flush_once();
        });
    });
    for (auto& thread : ingest) thread.join();
    flush_thread.join();
    std::fprintf(stderr, "%llu lines, %d flushes (%.1f MB sent), %zu rejected lines kept (%.1f kB of text)\n",
                 (unsigned long long)lines.load(), flusher.flushes(), flusher.sent_bytes() / 1e6,
                 shards[0].rejected() + shards[1].rejected(),
                 (shards[0].rejected_bytes_ + shards[1].rejected_bytes_) / 1e3);
    std::_Exit(0);
}
