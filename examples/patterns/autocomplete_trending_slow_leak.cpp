// A slow, still-reachable leak on a big base, under three threads' glibc arenas (written in session 15
// as a held-out check, never tuned on): a search autocomplete server. At start it loads its phrase
// dictionary (500,000 phrases of 3-8 words, 20-90 characters, sorted for prefix search: ~60 MB), then
// three worker threads answer 1,500 queries a second: each finds the phrases under the typed prefix,
// keeps the ten heaviest and renders them as JSON (all of it freed per query, on the worker's arena).
// Every query is also counted in a "trending" table (query -> score, hits) that a decay pass halves
// once a second and prunes when a score falls below 0.01. The decay loop reads
// `for (auto [query, trend] : trending_)`: a structured binding by value, so it halves copies and
// the scores in the table never fall: nothing is ever pruned. 80% of queries are 2,000 popular
// prefixes (counted again and again, a bounded set); 20% are typed once (a phrase's start and a
// ticket or order number): 300 new entries a second, kept for good.
// Truth: a leak, linear, from the start: 300 entries a second, each a hash node (72 B asked of malloc:
// its key's std::string and the counters) plus its key's heap buffer (20-33 B) plus its share of the
// bucket array (8 B per bucket, doubling): ~115 B asked, ~35 kB/s (~130 B, ~40 kB/s, in malloc
// chunks), ~0.6 MB over an 18 s run on a ~58 MB process (~1%; ~1.3% of its 45 MB heap). The entries
// are allocated in TrendTracker::record.
// Measured (tests/accuracy/measure.py, session 15): live heap 45.10 -> 45.64 MB over 3-18 s (+34.9 kB/s;
// +35.7 kB/s over 3-13 s, +33.5 kB/s over 10-18 s), the dictionary loaded by ~2 s; RSS 78.0 -> 78.9 MB
// under the tracker (+60 kB/s), 57.2 -> 57.8 MB without it (+41 kB/s over 3-18 s); 5,400 entries typed
// once and 7,299 in all at the end.
// Usage: autocomplete_trending_slow_leak SECONDS
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"
#include "work_queue.hpp"

namespace {

struct Phrase {
    std::string text;
    std::uint32_t weight = 0;
};

class PhraseDictionary {
public:
    void load(int phrases, int vocabulary) {
        std::mt19937 rng(2015);
        std::vector<std::string> words;
        words.reserve(static_cast<std::size_t>(vocabulary));
        static const char* const kSyllables[] = {"ka", "ro", "mi", "ten", "sol", "va", "dre", "lu", "pin", "or",
                                                  "ex", "qua", "bel", "ti", "mon", "ga", "ser", "fu", "nel", "zo"};
        for (int w = 0; w < vocabulary; ++w) {
            std::string word;
            const int syllables = 1 + static_cast<int>(rng() % 3);
            for (int s = 0; s < syllables; ++s) word += kSyllables[rng() % 20];
            words.push_back(std::move(word));
        }
        phrases_.reserve(static_cast<std::size_t>(phrases));
        for (int p = 0; p < phrases; ++p) {
            Phrase phrase;
            const int n = 3 + static_cast<int>(rng() % 6);
            for (int k = 0; k < n && phrase.text.size() < 80; ++k) {
                if (k) phrase.text += ' ';
                phrase.text += words[rng() % words.size()];
            }
            if (phrase.text.size() < 20) phrase.text += " reviews and prices";
            phrase.weight = 1 + rng() % 100000;
            phrases_.push_back(std::move(phrase));
        }
        std::sort(phrases_.begin(), phrases_.end(), [](const Phrase& a, const Phrase& b) { return a.text < b.text; });
    }
    /// The ten heaviest phrases that start with `prefix`, among the first 200 in order.
    std::vector<const Phrase*> suggest(std::string_view prefix) const {
        auto it = std::lower_bound(phrases_.begin(), phrases_.end(), prefix,
                                   [](const Phrase& p, std::string_view q) { return std::string_view(p.text) < q; });
        std::vector<const Phrase*> found;
        for (; it != phrases_.end() && found.size() < 200 && std::string_view(it->text).substr(0, prefix.size()) == prefix;
             ++it)
            found.push_back(&*it);
        const std::size_t keep = std::min<std::size_t>(10, found.size());
        std::partial_sort(found.begin(), found.begin() + static_cast<long>(keep), found.end(),
                          [](const Phrase* a, const Phrase* b) { return a->weight > b->weight; });
        found.resize(keep);
        return found;
    }
    const Phrase& at(std::size_t k) const { return phrases_[k % phrases_.size()]; }

private:
    std::vector<Phrase> phrases_;
};

struct Trend {
    double score = 0;
    std::uint32_t hits = 0;
    double last_seen_s = 0;
};

class TrendTracker {
public:
    __attribute__((noinline)) void record(const std::string& query, double now_s) {
        std::lock_guard lock(mutex_);
        Trend& t = trending_[query];
        t.score += 1;
        ++t.hits;
        t.last_seen_s = now_s;
    }
    // Meant to halve every score and drop the cold ones. The binding copies each entry, so the table's
    // scores never fall and the prune below never finds one.
    void decay() {
        std::lock_guard lock(mutex_);
        for (auto [query, trend] : trending_) trend.score *= 0.5;
        for (auto it = trending_.begin(); it != trending_.end();)
            it = it->second.score < kPruneBelow ? trending_.erase(it) : std::next(it);
    }
    std::size_t size() {
        std::lock_guard lock(mutex_);
        return trending_.size();
    }

private:
    static constexpr double kPruneBelow = 0.01;
    std::mutex mutex_;
    std::unordered_map<std::string, Trend> trending_;
};

struct Query {
    std::string text;
    double at_s = 0;
};

std::size_t answer(const PhraseDictionary& dictionary, TrendTracker& trends, const Query& q) {
    trends.record(q.text, q.at_s);
    std::string json = "{\"q\":\"" + q.text + "\",\"suggestions\":[";
    for (const Phrase* p : dictionary.suggest(q.text)) json += "\"" + p->text + "\",";
    json += "]}";
    return json.size();
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 18);
    PhraseDictionary dictionary;
    dictionary.load(500000, 3000);
    // The popular queries: a phrase's first 3-20 characters, 2,000 of them.
    std::vector<std::string> popular;
    std::mt19937 rng(77);  // the same queries every run
    for (int k = 0; k < 2000; ++k) {
        const std::string& text = dictionary.at(rng()).text;
        popular.push_back(text.substr(0, 3 + rng() % 18));
    }
    TrendTracker trends;
    pattern::WorkQueue<Query> queue;
    std::vector<std::thread> workers;
    std::size_t bytes[3] = {0, 0, 0};
    for (int w = 0; w < 3; ++w)
        workers.emplace_back([&, w] {
            Query q;
            while (queue.pop(q)) bytes[w] += answer(dictionary, trends, q);
        });
    std::uint64_t typed_once = 0;
    // 50 ticks a second, 30 queries each: 1,500 a second, one in five typed once.
    pattern::every(0.02, seconds, [&](long i, double t) {
        for (int k = 0; k < 30; ++k) {
            Query q;
            q.at_s = t;
            if (k % 5 == 4) {
                const std::string& text = dictionary.at(rng()).text;
                q.text = text.substr(0, 10 + rng() % 14) + " #" + std::to_string(4100000 + typed_once++);
            } else {
                q.text = popular[rng() % popular.size()];
            }
            queue.push(std::move(q));
        }
        if (i % 50 == 49) trends.decay();
    });
    queue.close();
    for (auto& w : workers) w.join();
    std::fprintf(stderr, "%zu trending entries (%llu typed once), %zu bytes answered\n", trends.size(),
                 static_cast<unsigned long long>(typed_once), bytes[0] + bytes[1] + bytes[2]);
    return 0;
}
