// A slow leak on a big base (written in session 8 as a held-out check, never tuned on): a TCP front
// end for an API loads a 64 MB IP-reputation table at start, then accepts ~200 connections a second
// (2 every 10 ms) and hands them to a pool of 4 workers, which read the request into a 4-48 KiB
// buffer, parse a dozen header lines and answer. For rate limiting each worker updates a per-client
// stats entry in a map shared under a mutex; the bug is the key: it is the peer's "ip:port" string,
// and the port is the client's ephemeral port, so nearly every connection adds a new entry (the map
// holds one per connection ever accepted) instead of updating the client's. An entry is the key
// string, the counters, the client's user agent (a heap string) and a 16-bucket latency histogram.
// Truth: a slow leak, linear from the first connection: 200 entries a second of ~290 B (the map node
// with its key and counters, the key's and the user agent's heap buffers, the histogram's array,
// the bucket array growing with them) after a one-time 64 MB warm-up (the table). Measured under
// leakscope run: the live heap grows 57-59 kB/s over 1-3 s, 3-9 s, 9-16 s and 3-16 s (64.12 MB at
// 1 s, 64.98 MB at 16 s, a straight line); ~0.9 MB over the run on a ~70 MB process, about 1.3% of
// it. RSS grows 100-110 kB/s over the same windows (69.35 MB at 3 s, 70.66 MB at 16 s: the workers'
// arenas take their share too). The entries are allocated in PeerStats::record.
// Usage: peer_stats_leak SECONDS
#include <array>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"
#include "work_queue.hpp"

namespace {

struct Connection {
    std::uint32_t ip;
    std::uint16_t port;
    std::uint32_t request_bytes;
    std::uint32_t client;
};

/// The reputation table: one score per /24 network, loaded once.
class ReputationTable {
public:
    ReputationTable() : scores_(16u * 1000 * 1000) {
        for (std::size_t k = 0; k < scores_.size(); ++k) scores_[k] = static_cast<std::uint32_t>(k * 2654435761u);
    }
    std::uint32_t score(std::uint32_t ip) const { return scores_[(ip >> 8) % scores_.size()]; }

private:
    std::vector<std::uint32_t> scores_;  // 64 MB
};

class PeerStats {
public:
    /// The bug: the key carries the ephemeral port, so this inserts once per connection.
    __attribute__((noinline)) void record(const Connection& c, const std::string& user_agent, std::uint32_t latency_us) {
        std::string key = peer_name(c.ip) + ":" + std::to_string(c.port);
        std::lock_guard lock(mutex_);
        Entry& e = entries_[std::move(key)];
        if (e.histogram.empty()) {
            e.histogram.assign(16, 0);
            e.user_agent = user_agent;
        }
        ++e.requests;
        e.bytes += c.request_bytes;
        ++e.histogram[std::min<std::size_t>(15, latency_us / 250)];
    }
    std::size_t size() {
        std::lock_guard lock(mutex_);
        return entries_.size();
    }

private:
    static std::string peer_name(std::uint32_t ip) {
        return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." +
               std::to_string((ip >> 8) & 255) + "." + std::to_string(ip & 255);
    }
    struct Entry {
        std::uint64_t requests = 0;
        std::uint64_t bytes = 0;
        std::string user_agent;
        std::vector<std::uint32_t> histogram;
    };
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
};

const std::array<const char*, 6> kAgents = {
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "okhttp/4.12.0 (android 14; Pixel 8)",
    "python-requests/2.31.0 (batch importer build 4471)",
    "curl/8.5.0 (x86_64-pc-linux-gnu) libcurl/8.5.0 OpenSSL/3.0.13",
    "Go-http-client/1.1 (inventory-sync; region eu-west-1)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605.1.15",
};

/// One request: read, parse the headers, answer; everything here is freed when it returns.
__attribute__((noinline)) std::uint32_t serve(const Connection& c, const ReputationTable& reputation,
                                              std::string& user_agent) {
    std::vector<char> buffer(c.request_bytes);
    pattern::touch(buffer.data(), buffer.size());
    std::vector<std::pair<std::string, std::string>> headers;
    for (int k = 0; k < 12; ++k)
        headers.emplace_back("x-header-" + std::to_string(k), std::string(24 + (c.port + k) % 60, 'h'));
    user_agent = kAgents[c.client % kAgents.size()];
    std::string response = "HTTP/1.1 200 OK\r\ncontent-length: " + std::to_string(buffer.size() / 4) + "\r\n\r\n";
    response.append(buffer.size() / 4, 'r');
    return (reputation.score(c.ip) ^ static_cast<std::uint32_t>(response.size() + headers.size())) % 2000;
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    const ReputationTable reputation;
    PeerStats stats;
    pattern::WorkQueue<Connection> accepted;
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w) {
        workers.emplace_back([&] {
            Connection c;
            std::string user_agent;
            while (accepted.pop(c)) {
                const std::uint32_t latency = serve(c, reputation, user_agent);
                stats.record(c, user_agent, latency);
            }
        });
    }
    // 3,000 clients behind their NATs, each connection from a fresh ephemeral port.
    std::mt19937 rng(20261203);
    std::uniform_int_distribution<std::uint32_t> client(0, 2999), port(32768, 60999), bytes(4096, 49152);
    pattern::every(0.01, seconds, [&](long, double) {
        for (int k = 0; k < 2; ++k) {
            const std::uint32_t who = client(rng);
            accepted.push({0x0a000000u + who * 2654435761u % 0xffffffu, static_cast<std::uint16_t>(port(rng)),
                           bytes(rng), who});
        }
    });
    accepted.close();
    for (auto& t : workers) t.join();
    std::printf("%zu peer entries\n", stats.size());
}
