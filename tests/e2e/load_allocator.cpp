// A load-test target: N threads allocate and free flat out from one call site for S seconds, keeping
// every 64th block, print what they did ("ALLOCATIONS BYTES LIVE_COUNT LIVE_BYTES") and idle a moment. The
// tracker's counts for that site must match these exactly.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

__attribute__((noinline)) void* load_site_allocate(std::size_t size) {
    void* p = std::malloc(size);
    asm volatile("" : : "r"(p) : "memory");  // the allocation is used: not elided
    return p;
}

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 8;
    const double seconds = argc > 2 ? std::atof(argv[2]) : 5.0;
    std::atomic<unsigned long long> allocations{0}, bytes{0}, live{0}, live_bytes{0};
    std::vector<std::vector<void*>> kept(static_cast<std::size_t>(threads));
    kept.shrink_to_fit();
    for (auto& k : kept) k.reserve(1u << 20);  // reserved up front: no allocation from another site in the loop
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            unsigned long long n = 0, b = 0, l = 0, lb = 0;
            while (std::chrono::steady_clock::now() < end) {
                for (int i = 0; i < 256; ++i) {
                    const std::size_t size = 16 + static_cast<std::size_t>((n * 7 + t) % 1000);
                    void* p = load_site_allocate(size);
                    ++n;
                    b += size;
                    if (n % 64 == 0 && kept[t].size() < kept[t].capacity()) {
                        kept[t].push_back(p);
                        ++l;
                        lb += size;
                    } else {
                        std::free(p);
                    }
                }
            }
            allocations += n;
            bytes += b;
            live += l;
            live_bytes += lb;
        });
    }
    for (auto& w : workers) w.join();
    std::printf("%llu %llu %llu %llu\n", allocations.load(), bytes.load(), live.load(), live_bytes.load());
    std::fflush(stdout);
    // Idle before exiting: this test is about counting under load; what the tracker delivers at exit
    // is tested on its own (tests/tracker).
    const double idle = argc > 3 ? std::atof(argv[3]) : 1.0;
    std::this_thread::sleep_for(std::chrono::duration<double>(idle));
    return 0;
}
