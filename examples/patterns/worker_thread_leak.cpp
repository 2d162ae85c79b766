// A leak in worker threads: 4 workers each handle 100 requests a second and keep 1000 bytes of each
// in a per-worker list that is never cleared. Truth: linear leak, 400 KB/s, Worker::handle.
#include <list>
#include <string>
#include <thread>
#include <vector>

#include "pacing.hpp"

class Worker {
public:
    __attribute__((noinline)) void handle(long request) { kept_.emplace_back(1000, static_cast<char>(request)); }

private:
    std::list<std::string> kept_;
};

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 12);
    std::vector<std::thread> threads;
    std::vector<Worker> workers(4);
    for (auto& worker : workers) {
        threads.emplace_back([&worker, seconds] { pattern::every(0.01, seconds, [&](long i, double) { worker.handle(i); }); });
    }
    for (auto& t : threads) t.join();
}
