// A decelerating warm-up (failure class 5): a cache of 4 KB entries fills with a rate that halves
// every 1.5 s (as the hit rate rises, fewer misses add entries), toward 24 MB:
//   filled(t) = 24 MB * (1 - 2^(-t / 1.5)),  so the fill rate starts at ~11.1 MB/s, is ~170 KB/s at
//   9 s and ~11 KB/s at 15 s. Bounded by construction at 24 MB (6000 entries) and never evicted.
// Truth: warm-up of ~24 MB settling toward its level, not a leak (a straight line through the slow tail
// would call it one).
#include <cmath>
#include <string>
#include <unordered_map>

#include "pacing.hpp"

class ProfileCache {
public:
    static constexpr std::size_t kEntryBytes = 4000;
    static constexpr std::size_t kCapacityBytes = 24'000'000;
    __attribute__((noinline)) void fill_to(std::size_t target_bytes) {
        while (bytes_ + kEntryBytes <= target_bytes) {
            entries_.emplace(next_key_, std::string(kEntryBytes, static_cast<char>('a' + next_key_ % 26)));
            ++next_key_;
            bytes_ += kEntryBytes;
        }
    }

private:
    std::unordered_map<long, std::string> entries_;
    std::size_t bytes_ = 0;
    long next_key_ = 0;
};

int main(int argc, char** argv) {
    ProfileCache cache;
    pattern::every(0.02, pattern::run_seconds(argc, argv, 16), [&](long, double t) {
        const double filled = 1.0 - std::exp2(-t / 1.5);
        cache.fill_to(static_cast<std::size_t>(ProfileCache::kCapacityBytes * filled));
    });
}
