// A leak that starts mid-run (written in session 6 as a held-out check, never tuned on): a payment
// gateway forwards 600 requests a second to its acquirer through a RetryQueue, which holds each
// request's 1,500-byte payload in a std::map until the acquirer acks it. For the first 5 s every
// request is acked and its entry erased. At 5 s a config reload turns on "async acks": from then on
// half the acks arrive on a path that only logs them and never erases the entry, so 300 payloads a
// second stay in the map for good. Beside it the gateway keeps a 20 MB BIN table built at start.
// Truth: flat for 5 s, then a leak, linear, from its onset: each lost entry keeps its 1,500-byte
// payload and a 64-byte map node (32 for the tree links and colour, 8 key, 24 vector): 300 x 1,564 =
// 469,200 B/s, ~4.2 MB over the last 9 s on ~21 MB (about 20% of the process). The payloads are
// allocated in RetryQueue::hold.
// Usage: late_retry_leak SECONDS
#include <cstdint>
#include <cstdio>
#include <map>
#include <vector>

#include "pacing.hpp"

namespace {

class RetryQueue {
public:
    __attribute__((noinline)) void hold(long id, std::size_t bytes) {
        std::vector<char> payload(bytes);
        payload[0] = static_cast<char>(id);
        pending_.emplace(id, std::move(payload));
    }
    void ack(long id) { pending_.erase(id); }
    std::size_t pending() const { return pending_.size(); }

private:
    std::map<long, std::vector<char>> pending_;
};

struct Config {
    bool async_acks = false;  // set by the reload at 5 s
};

// The ack path that async acks take: it logs and forgets to erase.
long log_async_ack(long id) { return id % 977; }

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 14);
    std::vector<std::uint32_t> bin_table(5'000'000);  // 20 MB, built once
    for (std::size_t k = 0; k < bin_table.size(); ++k) bin_table[k] = static_cast<std::uint32_t>(k * 2654435761u);
    RetryQueue retries;
    Config config;
    long next = 0, logged = 0;
    std::uint64_t checksum = 0;
    // 100 ticks a second, 6 requests each; each is acked in the next tick.
    std::vector<long> to_ack;
    pattern::every(0.01, seconds, [&](long, double t) {
        if (t >= 5.0) config.async_acks = true;  // the config reload
        for (long id : to_ack) {
            if (config.async_acks && id % 2 == 1)
                logged += log_async_ack(id);  // the bug: not retries.ack(id)
            else
                retries.ack(id);
        }
        to_ack.clear();
        for (int k = 0; k < 6; ++k) {
            const long id = next++;
            checksum += bin_table[static_cast<std::size_t>(id * 7919) % bin_table.size()];
            retries.hold(id, 1500);
            to_ack.push_back(id);
        }
    });
    std::printf("%zu pending, %ld logged, %llu\n", retries.pending(), logged,
                static_cast<unsigned long long>(checksum % 1000));
    return 0;
}
