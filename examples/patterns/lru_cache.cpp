// A bounded LRU cache (failure class 6): 1000 inserts a second of a ~4.8 KB value under keys
// "tenant-0042/user-<n>"; capacity 5000 entries, so it fills (24 MB) in 5 s and then evicts the least
// recently used entry on every insert. The key counter starts at 95,000, so the keys inserted after
// the fill (100,000 and up) are one digit longer than the ones they evict: a residual growth of
// 2 bytes per insert (the key is held twice, by the list and the index) = ~2 KB/s from 5 s to 10 s,
// 0.04% of the cache, and none after. The memory is bounded by construction.
// Truth: warm-up (the fill), not a leak; an honest "undecided" about the small residual is acceptable.
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

#include "pacing.hpp"

class LruCache {
public:
    explicit LruCache(std::size_t capacity) : capacity_(capacity) {}
    __attribute__((noinline)) void put(const std::string& key, std::string value) {
        if (auto it = index_.find(key); it != index_.end()) {
            order_.erase(it->second);
            index_.erase(it);
        }
        order_.emplace_front(key, std::move(value));
        index_.emplace(key, order_.begin());
        if (order_.size() > capacity_) {
            index_.erase(order_.back().first);
            order_.pop_back();
        }
    }

private:
    using Entry = std::pair<std::string, std::string>;
    std::size_t capacity_;
    std::list<Entry> order_;
    std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

int main(int argc, char** argv) {
    LruCache cache(5000);
    long key = 95'000;
    pattern::every(0.01, pattern::run_seconds(argc, argv, 14), [&](long, double) {
        for (int k = 0; k < 10; ++k, ++key) {
            cache.put("tenant-0042/user-" + std::to_string(key), std::string(4800, static_cast<char>('a' + key % 26)));
        }
    });
}
