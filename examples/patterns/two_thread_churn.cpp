// A flat program that churns the allocator from two threads (failure class 4), like the malloc-churn
// benchmark: each thread keeps 4096 slots and replaces a random one 200,000 times a second with a new
// block of 16..4111 bytes, plus a short-lived std::map now and then. The live set is bounded (~1.5 MB
// a thread); glibc's per-thread arenas may let RSS creep by a few pages a second.
// Truth: stable, not a leak (nothing is retained; the slots are freed at exit).
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "pacing.hpp"

namespace {

class ChurnWorker {
public:
    explicit ChurnWorker(unsigned seed) : x_(seed * 2654435761u + 1), slots_(4096, nullptr) {}
    ~ChurnWorker() {
        for (void* p : slots_) std::free(p);
    }
    __attribute__((noinline)) void churn(int operations) {
        for (int i = 0; i < operations; ++i) {
            x_ ^= x_ << 13;
            x_ ^= x_ >> 17;
            x_ ^= x_ << 5;
            const std::size_t k = x_ % slots_.size();
            std::free(slots_[k]);
            const std::size_t size = 16 + (x_ >> 8) % ((x_ & 7) == 0 ? 4096 : 256);
            slots_[k] = std::malloc(size);
            std::memset(slots_[k], 1, 8);
            if ((i & 1023) == 0) scratch_map();
        }
    }

private:
    static void scratch_map() {
        std::map<int, std::string> m;
        for (int j = 0; j < 16; ++j) m[j] = std::string(200, 'a');
        asm volatile("" : : "r"(&m) : "memory");
    }
    unsigned x_;
    std::vector<void*> slots_;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 14);
    std::vector<std::thread> threads;
    for (unsigned t = 1; t <= 2; ++t) {
        threads.emplace_back([t, seconds] {
            ChurnWorker worker(t);
            pattern::every(0.01, seconds, [&](long, double) { worker.churn(2000); });
        });
    }
    for (auto& t : threads) t.join();
}
