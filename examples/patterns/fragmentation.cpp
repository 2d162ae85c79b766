// Fragmentation under glibc: RSS grows while the live heap stays flat. Each phase runs one more
// concurrent worker thread than the last, so glibc gives the newcomer a fresh arena; every worker
// fills ~3 MB of small objects, leaves one 64-byte object above them, and frees the rest. The free
// space sits below a live chunk, so glibc can neither trim it nor return it: each arena keeps ~3 MB
// resident although the program holds almost nothing. Truth: fragmentation, not a heap leak.
#include <pthread.h>

#include <barrier>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "pacing.hpp"

namespace {

std::vector<void*> pins;  // one small object per worker, freed only at exit
std::mutex pins_mutex;

__attribute__((noinline)) void fill_and_release_arena() {
    std::vector<void*> objects;
    objects.reserve(12000);
    for (int i = 0; i < 12000; ++i) {
        void* p = std::malloc(240);
        pattern::touch(p, 240);
        objects.push_back(p);
    }
    void* pin = std::malloc(64);
    for (void* p : objects) std::free(p);
    std::lock_guard lock(pins_mutex);
    pins.push_back(pin);
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 12);
    int workers = 1;
    pattern::every(0.8, seconds, [&](long, double) {
        // All workers of a phase are alive at once, so none can reuse another's arena.
        std::barrier ready(workers);
        std::vector<std::thread> threads;
        for (int w = 0; w < workers; ++w) {
            threads.emplace_back([&ready] {
                ready.arrive_and_wait();
                fill_and_release_arena();
                ready.arrive_and_wait();
            });
        }
        for (auto& t : threads) t.join();
        ++workers;
    });
    for (void* p : pins) std::free(p);
}
