// A flat program under jemalloc (run with LD_PRELOAD of Debian's libjemalloc2, see the manifest): a
// packet pipeline recycles 2 x 2048 buffers of mixed sizes (64 B .. 16 KB), replacing 3000 a second
// with fresh ones of another size, from two threads. The live set is bounded at ~15 MB from the start;
// jemalloc's decay purges unused pages on its own schedule, so RSS wobbles.
// Truth: stable, not a leak.
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "pacing.hpp"

class BufferPool {
public:
    explicit BufferPool(unsigned seed) : rng_(seed), buffers_(2048) {
        for (auto& b : buffers_) b = fresh();
    }
    __attribute__((noinline)) void recycle(int count) {
        std::uniform_int_distribution<std::size_t> slot(0, buffers_.size() - 1);
        for (int k = 0; k < count; ++k) buffers_[slot(rng_)] = fresh();
    }

private:
    std::vector<char> fresh() {
        std::uniform_int_distribution<int> size_class(6, 14);  // 64 B .. 16 KB
        std::vector<char> b(std::size_t{1} << size_class(rng_));
        pattern::touch(b.data(), b.size());
        return b;
    }
    std::mt19937 rng_;
    std::vector<std::vector<char>> buffers_;
};

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 14);
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < 2; ++t) {
        threads.emplace_back([t, seconds] {
            BufferPool pool(t + 1);
            pattern::every(0.01, seconds, [&](long, double) { pool.recycle(15); });
        });
    }
    for (auto& t : threads) t.join();
}
