// A leak that starts mid-run under jemalloc (run with LD_PRELOAD of Debian's libjemalloc2, see the
// manifest; written in session 11 for the tuning set, after the held-out corpus showed a late jemalloc
// leak read as fragmentation by full tracking): a TLS terminator staples OCSP responses. Two worker
// threads handle 1,500 handshakes a second each; every handshake parses its ClientHello into a header
// map and a few buffers (0.2-6 KB) that die with it, so jemalloc turns over ~10 MB/s of short-lived
// blocks and keeps their pages dirty until they decay. The stapling cache is keyed by (issuer,
// serial) and holds one response per certificate: bounded. At 6 s the CA's responder starts putting a
// nonce in every response, and the cache, keyed by the response's own hash since a refactoring,
// keeps each one for good: 60 responses a second from then on.
// Truth: flat for 6 s, then a leak, linear: each lost entry is a 1,700-byte DER response (vector) and
// a 64-character hex key (std::string, heap buffer of 65), in an unordered_map node (~72 B with the
// cached hash): ~1,840 B x 60 = ~110,000 B/s, ~1.3 MB over the last 12 s on ~30 MB (4%). The responses
// are allocated in StaplingCache::staple.
// Usage: jemalloc_ocsp_cache_late_leak SECONDS
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"

namespace {

class StaplingCache {
public:
    __attribute__((noinline)) void staple(const std::string& key, std::size_t der_bytes, std::uint8_t fill) {
        std::vector<std::uint8_t> response(der_bytes, fill);
        std::lock_guard<std::mutex> lock(mutex_);
        responses_[key] = std::move(response);
    }
    std::size_t size() {
        std::lock_guard<std::mutex> lock(mutex_);
        return responses_.size();
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, std::vector<std::uint8_t>> responses_;
};

std::string hex_key(std::uint64_t a, std::uint64_t b) {
    static const char digits[] = "0123456789abcdef";
    std::string key(64, '0');
    for (int i = 0; i < 64; ++i) {
        const std::uint64_t word = (i % 2 ? a : b) * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(i);
        key[static_cast<std::size_t>(i)] = digits[(word >> (i % 16 * 4)) & 15];
    }
    return key;
}

// One handshake's short-lived state: parsed extensions and the buffers the record layer uses.
__attribute__((noinline)) std::uint64_t handshake(std::mt19937& rng) {
    std::map<std::string, std::string> extensions;
    std::uniform_int_distribution<int> count(6, 14), len(8, 200);
    const int n = count(rng);
    for (int k = 0; k < n; ++k) extensions.emplace("ext-" + std::to_string(k), std::string(static_cast<std::size_t>(len(rng)), 'x'));
    std::uniform_int_distribution<std::size_t> record(200, 6000);
    std::vector<char> in(record(rng)), out(record(rng));
    pattern::touch(in.data(), in.size());
    pattern::touch(out.data(), out.size());
    return extensions.size() + in.size() + out.size();
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 18);
    constexpr int kCertificates = 400;
    StaplingCache cache;
    // The certificates' responses, stapled once at start under their (issuer, serial) key.
    for (int c = 0; c < kCertificates; ++c) cache.staple(hex_key(7, static_cast<std::uint64_t>(c)), 1700, static_cast<std::uint8_t>(c));
    std::atomic<std::uint64_t> checksum{0};
    std::vector<std::thread> workers;
    for (unsigned w = 0; w < 2; ++w) {
        workers.emplace_back([&, w] {
            std::mt19937 rng(w + 11);
            std::uint64_t sum = 0;
            pattern::every(0.01, seconds, [&](long tick, double t) {
                for (int k = 0; k < 15; ++k) sum += handshake(rng);
                // Each worker refreshes 30 responses a second (3 every 10th tick); with nonces from 6 s
                // on, every refresh is a new key.
                if (tick % 10 == 0) {
                    for (int r = 0; r < 3; ++r) {
                        const std::uint64_t serial = static_cast<std::uint64_t>(tick * 3 + r) % kCertificates;
                        const std::uint64_t nonce = t >= 6.0 ? static_cast<std::uint64_t>(tick * 8 + r * 2 + w + 1) : 0;
                        cache.staple(nonce ? hex_key(nonce, serial) : hex_key(7, serial), 1700, static_cast<std::uint8_t>(r));
                    }
                }
            });
            checksum += sum;
        });
    }
    for (auto& worker : workers) worker.join();
    std::printf("%zu responses cached, %llu\n", cache.size(), static_cast<unsigned long long>(checksum.load() % 1000));
    return 0;
}
