// A response cache without eviction: 100 entries of 4000 bytes a second, kept forever (still
// reachable, freed at exit: invisible to LeakSanitizer). Truth: linear leak, 400 KB/s, ResponseCache::put.
#include <unordered_map>
#include <vector>

#include "pacing.hpp"

class ResponseCache {
public:
    __attribute__((noinline)) void put(long key) {
        std::vector<char> body(4000, static_cast<char>(key));
        entries_.emplace(key, std::move(body));
    }

private:
    std::unordered_map<long, std::vector<char>> entries_;
};

int main(int argc, char** argv) {
    ResponseCache cache;
    pattern::every(0.01, pattern::run_seconds(argc, argv, 12), [&](long i, double) { cache.put(i); });
}
