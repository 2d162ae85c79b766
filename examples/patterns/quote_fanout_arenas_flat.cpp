// A noisy flat service on many threads (written in session 13 as a held-out check, never tuned on): a
// market-data fan-out keeps, per subscriber group, a replay window of the last 800 messages it sent
// (std::deque, oldest dropped as each new one comes). Six sender threads, one per group, each send
// 1,200 messages a second of mixed sizes: quotes of 32 B up to order-book snapshots of 32 KiB,
// log-uniformly distributed, each one allocated by its sender; so glibc gives the six threads arenas
// of their own, and every arena churns mixed sizes for the whole run. Every 0.5 s each thread also
// builds and drops a 256 KiB conflation buffer (above the mmap threshold at first).
// Truth: not a leak. The windows fill in their first ~0.7 s (6 x 800 messages of ~4.7 kB on average:
// ~23 MB), then the live heap only wobbles as big messages come and go (the sum of 4,800 random sizes:
// a few hundred kB either way). The arenas' free lists keep what the churn frees, so RSS creeps,
// ever more slowly, until every arena has seen its worst mix; no memory is held for good. A warm-up
// followed by flat is honest too (the fill is ~0.7 s of a 14 s run).
// Measured (tests/accuracy/measure.py, session 13): live heap 22.0-24.3 MB from 1 s to the end (-59 kB/s
// over 3-13 s); RSS 30.5 -> 37.1 MB, +1.08 MB/s over 1-5 s, +311 kB/s over 3-13 s, +93 kB/s over 8-15 s.
// Usage: quote_fanout_arenas_flat SECONDS
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pacing.hpp"

namespace {

struct Message {
    std::uint64_t sequence = 0;
    std::unique_ptr<unsigned char[]> bytes;
    std::size_t size = 0;
};

class ReplayWindow {
public:
    void sent(Message m) {
        messages_.push_back(std::move(m));
        if (messages_.size() > kKept) messages_.pop_front();
    }
    std::size_t bytes() const {
        std::size_t n = 0;
        for (const auto& m : messages_) n += m.size;
        return n;
    }

private:
    static constexpr std::size_t kKept = 800;
    std::deque<Message> messages_;
};

// Sizes from 32 B to 32 KiB, log-uniform: most are quotes, a few are book snapshots.
std::size_t message_size(std::uint64_t& rng) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    const double u = static_cast<double>(rng % 1000000) / 1e6;
    return static_cast<std::size_t>(32.0 * std::pow(1024.0, u));
}

Message encode(std::uint64_t sequence, std::size_t size) {
    Message m;
    m.sequence = sequence;
    m.size = size;
    m.bytes.reset(new unsigned char[size]);
    pattern::touch(m.bytes.get(), size);
    return m;
}

std::uint64_t conflate(std::uint64_t seed) {
    std::vector<unsigned char> buffer(256 * 1024);
    pattern::touch(buffer.data(), buffer.size());
    return buffer[seed % buffer.size()] + seed;
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 14);
    std::vector<std::thread> senders;
    std::vector<std::size_t> held(6, 0);
    for (int g = 0; g < 6; ++g)
        senders.emplace_back([&, g] {
            ReplayWindow window;
            std::uint64_t rng = 0x9e3779b97f4a7c15ull * static_cast<std::uint64_t>(g + 1), sequence = 0, sum = 0;
            // 100 ticks a second, 12 messages each.
            pattern::every(0.01, seconds, [&](long i, double) {
                for (int k = 0; k < 12; ++k) window.sent(encode(++sequence, message_size(rng)));
                if (i % 50 == static_cast<long>(g) * 8) sum += conflate(sequence);
            });
            held[static_cast<std::size_t>(g)] = window.bytes() + (sum & 1);
        });
    for (auto& t : senders) t.join();
    std::size_t total = 0;
    for (auto h : held) total += h;
    std::fprintf(stderr, "%zu bytes in the replay windows at the end\n", total);
    return 0;
}
