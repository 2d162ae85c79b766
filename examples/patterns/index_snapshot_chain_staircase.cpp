// A staircase leak through a std::shared_ptr graph (written in session 13 as a held-out check, never
// tuned on): a search service rebuilds its term index every 2 s and publishes it as an immutable
// snapshot (std::shared_ptr<const IndexSnapshot>) that three query threads pick up per query. To
// serve "what changed" queries, each snapshot keeps a shared_ptr to the one before it; nothing ever
// cuts that link, so every snapshot ever built stays alive through the chain from the current one,
// long after the query threads dropped their references.
// Truth: a leak, in steps: every 2 s one snapshot of 12,000 terms (each a std::string built at 46
// characters, then resized to 72-88, which doubles its capacity to 92: 93 B asked of malloc), the
// terms' vector (12,000 x 32 B), the postings (12,000 x 16 uint32: 768,000 B) and their offsets
// (48,000 B): ~2.32 MB a step, ~1.16 MB/s, ~16 MB over a 16 s run on ~5 MB. Each step is built
// within a few milliseconds in IndexBuilder::build. A straight line through the steps is honest too
// (acceptable: linear_growth).
// Measured (tests/accuracy/measure.py, session 13): live heap +1.18 MB/s over 3-13 s, in steps of
// ~2.3 MB (4.7 -> 16.3 MB), RSS +1.62 MB/s; 8 snapshots alive at the end of a 16 s run.
// Usage: index_snapshot_chain_staircase SECONDS
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pacing.hpp"

namespace {

struct IndexSnapshot {
    std::uint64_t generation = 0;
    std::vector<std::string> terms;
    std::vector<std::uint32_t> postings;
    std::vector<std::uint32_t> offsets;
    std::shared_ptr<const IndexSnapshot> previous;  // for "what changed since" queries
};

class IndexBuilder {
public:
    __attribute__((noinline)) std::shared_ptr<const IndexSnapshot> build(std::uint64_t generation,
                                                                         std::shared_ptr<const IndexSnapshot> previous) {
        auto s = std::make_shared<IndexSnapshot>();
        s->generation = generation;
        s->terms.reserve(kTerms);
        s->offsets.reserve(kTerms);
        s->postings.reserve(kTerms * kPostingsPerTerm);
        for (std::uint32_t k = 0; k < kTerms; ++k) {
            char term[96];
            const int n = std::snprintf(term, sizeof term, "g%06llu/term-%08u/field-body/lang-en/stem-", static_cast<unsigned long long>(generation), k);
            std::string text(term, static_cast<std::size_t>(n));
            text.resize(72 + (k * 131 + generation * 7) % 17, 's');
            s->terms.push_back(std::move(text));
            s->offsets.push_back(static_cast<std::uint32_t>(s->postings.size()));
            for (std::uint32_t p = 0; p < kPostingsPerTerm; ++p) s->postings.push_back((k * 2654435761u + p * 40503u) % 1000003u);
        }
        s->previous = std::move(previous);
        return s;
    }

private:
    static constexpr std::uint32_t kTerms = 12000;
    static constexpr std::uint32_t kPostingsPerTerm = 16;
};

class Publisher {
public:
    void publish(std::shared_ptr<const IndexSnapshot> s) {
        std::lock_guard lock(mutex_);
        current_ = std::move(s);
    }
    std::shared_ptr<const IndexSnapshot> current() {
        std::lock_guard lock(mutex_);
        return current_;
    }

private:
    std::mutex mutex_;
    std::shared_ptr<const IndexSnapshot> current_;
};

std::uint64_t query(const IndexSnapshot& s, std::uint64_t q) {
    const std::size_t term = q % s.terms.size();
    const std::size_t begin = s.offsets[term];
    const std::size_t end = term + 1 < s.offsets.size() ? s.offsets[term + 1] : s.postings.size();
    std::uint64_t hits = s.terms[term].size();
    for (std::size_t k = begin; k < end; ++k) hits += s.postings[k] & 7;
    return hits;
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    IndexBuilder builder;
    Publisher publisher;
    std::uint64_t generation = 0;
    publisher.publish(builder.build(++generation, nullptr));
    std::atomic<std::uint64_t> answered{0};
    std::vector<std::thread> readers;
    for (int r = 0; r < 3; ++r)
        readers.emplace_back([&, r] {
            std::uint64_t q = static_cast<std::uint64_t>(r) * 1000003u, local = 0;
            pattern::every(0.005, seconds, [&](long, double) {
                for (int k = 0; k < 10; ++k) {
                    auto snapshot = publisher.current();
                    local += query(*snapshot, ++q * 7919u);
                    std::string answer = "{\"generation\":" + std::to_string(snapshot->generation) + ",\"hits\":" + std::to_string(local) + "}";
                    answered += answer.size() > 0;
                }
            });
        });
    // The rebuild: every 2 s, from the current snapshot (the link that keeps them all).
    pattern::every(2.0, seconds, [&](long i, double) {
        if (i == 0) return;
        publisher.publish(builder.build(++generation, publisher.current()));
    });
    for (auto& t : readers) t.join();
    std::size_t chain = 0;
    for (auto s = publisher.current(); s; s = s->previous) ++chain;
    std::fprintf(stderr, "%zu snapshots alive, %llu queries answered\n", chain, static_cast<unsigned long long>(answered.load()));
    return 0;
}
