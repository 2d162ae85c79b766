// A leak that starts mid-run, after a warm-up (written in session 14 as a held-out check, never tuned
// on): an online feature store serves 1,000 lookups a second on three worker threads. In its first
// 3 s it loads its embedding table (~19 MB, 40 chunks of 480 kB, paced), then serves from it; each
// lookup builds a response of 2-8 KiB that is freed when the request is done. At 8 s a schema rollout
// starts: from then on 30% of the lookups carry a v2 key the table does not have yet, so the worker
// queues a backfill task (the key, a 1 KiB copy of the default feature vector, the request's tenant)
// for the backfill thread. That thread only takes tasks whose version matches the table's (v1): the
// v2 tasks stay in the pending deque for good (the deque is only ever popped from the front while the
// front is a v1 task, and from 8 s on no v1 task is ever queued).
// Truth: a warm-up of ~19 MB in 0-3 s, flat from 3 s to 8 s, then a leak, linear, from 8 s: 300 tasks
// a second kept, each a 1,024-byte vector buffer, a 40-character key (heap-allocated std::string) and
// its deque slot: ~1.1 kB asked of malloc each, ~330 kB/s, ~3.3 MB over the last 10 s of an 18 s run
// on a ~24 MB process (~14%). All of it is allocated in FeatureStore::queue_backfill.
// Measured (tests/accuracy/measure.py, session 14): live heap 1.0 -> 18.3 MB over 0-3 s, +11 kB/s over
// 3-8 s (18.8 -> 19.3 MB), +332 kB/s over 8.5-17.5 s (19.4 -> 22.4 MB); RSS 23.9 MB flat over 3-8 s,
// +367 kB/s over 8.5-17.5 s (24.4 -> 27.7 MB).
// Usage: feature_backfill_late_leak SECONDS
#include <atomic>
#include <cstdio>
#include <deque>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "pacing.hpp"

namespace {

constexpr double kSchemaRolloutS = 8.0;
constexpr std::size_t kEmbeddingChunks = 40;
constexpr std::size_t kChunkBytes = 480 * 1000;
constexpr std::size_t kFeatureFloats = 256;  // 1,024 bytes

struct BackfillTask {
    int schema_version;
    std::string key;
    std::vector<float> defaults;
    int tenant;
};

class FeatureStore {
public:
    __attribute__((noinline)) void load_chunk(std::size_t i) {
        std::lock_guard lock(mutex_);
        auto& chunk = embeddings_.emplace_back(kChunkBytes / sizeof(float));
        for (std::size_t j = 0; j < chunk.size(); ++j) chunk[j] = static_cast<float>((i * 31 + j) % 97) * 0.01f;
    }

    /// Serves one lookup; a miss on a key of a schema the table does not have queues a backfill.
    std::size_t lookup(long request, int schema_version, std::mt19937& rng) {
        std::uniform_int_distribution<std::size_t> response_size(2048, 8192);
        std::vector<char> response(response_size(rng));
        std::size_t checksum = 0;
        {
            std::lock_guard lock(mutex_);
            if (!embeddings_.empty()) {
                const auto& chunk = embeddings_[static_cast<std::size_t>(request) % embeddings_.size()];
                for (std::size_t j = 0; j < response.size(); j += 64)
                    response[j] = static_cast<char>(chunk[(j * 7 + request) % chunk.size()] * 100);
            }
        }
        for (char c : response) checksum += static_cast<unsigned char>(c);
        if (schema_version != kTableSchema) queue_backfill(request, schema_version);
        return checksum;
    }

    __attribute__((noinline)) void queue_backfill(long request, int schema_version) {
        char key[64];
        std::snprintf(key, sizeof key, "user:%012ld:features:v%d:session", request, schema_version);
        BackfillTask task{schema_version, key, std::vector<float>(kFeatureFloats, 0.5f), static_cast<int>(request % 97)};
        std::lock_guard lock(backfill_mutex_);
        pending_.push_back(std::move(task));
    }

    /// The backfill thread's pass: takes the tasks at the front that match the table's schema.
    std::size_t run_backfill() {
        std::lock_guard lock(backfill_mutex_);
        std::size_t done = 0;
        while (!pending_.empty() && pending_.front().schema_version == kTableSchema) {
            pending_.pop_front();
            ++done;
        }
        return done;
    }

    std::size_t pending() {
        std::lock_guard lock(backfill_mutex_);
        return pending_.size();
    }

private:
    static constexpr int kTableSchema = 1;
    std::mutex mutex_;
    std::vector<std::vector<float>> embeddings_;
    std::mutex backfill_mutex_;
    std::deque<BackfillTask> pending_;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 18);
    FeatureStore store;
    std::atomic<std::size_t> checksum{0};

    // Three workers, each serving its share of 1,000 lookups a second in ticks of 10 ms.
    std::vector<std::thread> workers;
    for (int w = 0; w < 3; ++w) {
        workers.emplace_back([&, w] {
            std::mt19937 rng(1234 + w);
            std::uniform_real_distribution<double> coin(0, 1);
            long request = w;
            pattern::every(0.01, seconds, [&](long i, double t) {
                const int per_tick = (i % 3 == w) ? 4 : 3;  // 10 lookups per 10 ms over the three
                for (int k = 0; k < per_tick; ++k, request += 3) {
                    const bool v2 = t >= kSchemaRolloutS && coin(rng) < 0.3;
                    checksum += store.lookup(request, v2 ? 2 : 1, rng);
                }
            });
        });
    }
    std::thread backfill([&] { pattern::every(0.1, seconds, [&](long, double) { store.run_backfill(); }); });

    // The embedding table, loaded in the first 3 s.
    std::size_t loaded = 0;
    pattern::every(0.075, seconds, [&](long, double) {
        if (loaded < kEmbeddingChunks) store.load_chunk(loaded++);
    });
    for (auto& w : workers) w.join();
    backfill.join();
    std::fprintf(stderr, "feature_backfill_late_leak: %zu backfill tasks pending (checksum %zu)\n", store.pending(),
                 checksum.load());
}
