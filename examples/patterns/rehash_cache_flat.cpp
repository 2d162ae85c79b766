// A size-bounded cache in a std::unordered_map, flat after it fills (written in session 6 as a
// held-out check, never tuned on): a profile service caches user profiles under "user-%010ld" keys
// (15 characters: they fit the string's small buffer, so a key allocates nothing of its own) with a
// capacity of 60,000 entries and FIFO eviction through a ring of keys allocated once at start. 12,000
// new users a second arrive (plus 24,000 lookups of recent ones), so the map fills in 5 s, rehashing
// as it grows (its bucket array steps up), and from then on every insert evicts the oldest entry: the
// erased node and profile are freed and a new one of the same sizes is allocated, and the bucket
// array keeps its size (unordered_map never shrinks it), so the heap stays put.
// Truth: a warm-up of ~24 MB (60,000 x (a ~88-byte node + a 300-byte profile blob) + ~0.5 MB of
// buckets) over the first 5 s, then flat: not a leak. The 1.9 MB ring of keys is allocated at start.
// Usage: rehash_cache_flat SECONDS
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"

namespace {

struct Profile {
    long user;
    int region;
    int tier;
    std::string blob;  // 300 characters: the rendered profile card
};

class ProfileCache {
public:
    explicit ProfileCache(std::size_t capacity) : ring_(capacity) {}

    __attribute__((noinline)) void put(long user) {
        std::string key = key_of(user);
        if (map_.size() == ring_.size()) map_.erase(ring_[next_]);  // evict the oldest
        Profile profile{user, static_cast<int>(user % 7), static_cast<int>(user % 3), std::string(300, 'a' + user % 26)};
        map_.insert_or_assign(key, std::move(profile));
        ring_[next_] = std::move(key);
        next_ = (next_ + 1) % ring_.size();
    }

    const Profile* get(long user) const {
        auto it = map_.find(key_of(user));
        return it == map_.end() ? nullptr : &it->second;
    }

    std::size_t size() const { return map_.size(); }

private:
    static std::string key_of(long user) {
        char key[32];
        std::snprintf(key, sizeof key, "user-%010ld", user);
        return key;
    }

    std::unordered_map<std::string, Profile> map_;
    std::vector<std::string> ring_;  // keys in insertion order, for FIFO eviction
    std::size_t next_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 14);
    ProfileCache cache(60000);
    long next_user = 0, hits = 0;
    // 100 ticks a second: 120 new users and 240 lookups of recent ones each.
    pattern::every(0.01, seconds, [&](long, double) {
        for (int k = 0; k < 120; ++k) cache.put(next_user++);
        for (int k = 0; k < 240; ++k)
            if (cache.get(next_user - 1 - (k * 97) % 50000)) ++hits;
    });
    std::printf("%zu cached, %ld hits\n", cache.size(), hits);
    return 0;
}
