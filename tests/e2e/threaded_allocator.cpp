// A test target: N threads, each allocating and touching 16 MB, holding it for a while, then exiting.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 4;
    const double seconds = argc > 2 ? std::atof(argv[2]) : 1.0;
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) {
        workers.emplace_back([seconds] {
            auto block = std::make_unique<char[]>(16 << 20);
            std::memset(block.get(), 1, 16 << 20);
            std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
        });
    }
    for (auto& w : workers) w.join();
    return 0;
}
