// attach --track target under load: four threads allocate and free as fast as they can (so a stop often
// lands inside malloc), one of them also keeps a block per 64 requests in a table that never shrinks.
// Runs for the given milliseconds, prints its counts and exits with code 3.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace {

std::mutex g_table_mutex;
std::vector<void*>* g_table = new std::vector<void*>;
std::atomic<bool> g_stop{false};

__attribute__((noinline)) void remember_session(long id) {
    void* block = std::malloc(2048);
    std::memset(block, static_cast<int>(id), 2048);
    std::lock_guard<std::mutex> lock(g_table_mutex);
    g_table->push_back(block);  // the leak: sessions are never forgotten
}

__attribute__((noinline)) long worker(int index) {
    long done = 0;
    std::vector<void*> ring(64, nullptr);
    while (!g_stop.load(std::memory_order_relaxed)) {
        std::size_t slot = static_cast<std::size_t>(done) % ring.size();
        std::free(ring[slot]);
        ring[slot] = std::malloc(16 + static_cast<std::size_t>(done * 37 % 4000));
        if (index == 0 && done % 64 == 0) remember_session(done);
        if (index == 0 && done % 4096 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));  // keep the leak rate sane
        ++done;
    }
    for (void* p : ring) std::free(p);
    return done;
}

}  // namespace

int main(int argc, char** argv) {
    const long run_ms = argc > 1 ? std::atol(argv[1]) : 3000;
    std::vector<std::thread> threads;
    std::vector<long> done(4, 0);
    for (int i = 0; i < 4; ++i) threads.emplace_back([i, &done] { done[i] = worker(i); });
    std::this_thread::sleep_for(std::chrono::milliseconds(run_ms));
    g_stop = true;
    long total = 0;
    for (int i = 0; i < 4; ++i) {
        threads[i].join();
        total += done[i];
    }
    std::printf("threaded_service done: %s requests, %zu sessions kept\n", total > 0 ? "some" : "no", g_table->size());
    return 3;
}
