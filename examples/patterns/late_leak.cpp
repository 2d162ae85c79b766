// A leak that starts late: 5 s of flat work, then a listener registry gains 5000-byte entries 100
// times a second. Truth: linear leak from ~5 s on, 500 KB/s (not the average over the run), Registry::add.
#include <vector>

#include "pacing.hpp"

class Registry {
public:
    __attribute__((noinline)) void add(long id) { listeners_.emplace_back(5000, static_cast<char>(id)); }

private:
    std::vector<std::vector<char>> listeners_;
};

__attribute__((noinline)) void work() {
    std::vector<char> scratch(20000, 1);
    asm volatile("" : : "r"(scratch.data()) : "memory");
}

int main(int argc, char** argv) {
    Registry registry;
    pattern::every(0.01, pattern::run_seconds(argc, argv, 12), [&](long i, double t) {
        work();
        if (t >= 5.0) registry.add(i);
    });
}
