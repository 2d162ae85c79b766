// Noisy but flat: a working set of ~20 MB whose pieces are replaced at random, with bursts of
// temporaries, so memory jitters by several MB around a constant level. Truth: stable, no leak.
#include <memory>
#include <random>
#include <vector>

#include "pacing.hpp"

class WorkingSet {
public:
    WorkingSet() : slots_(200) {}
    __attribute__((noinline)) void replace(std::mt19937& rng) {
        std::uniform_int_distribution<int> slot(0, 199), size(20, 180);
        auto& s = slots_[static_cast<std::size_t>(slot(rng))];
        const std::size_t bytes = static_cast<std::size_t>(size(rng)) * 1000;
        s = std::make_unique<char[]>(bytes);
        pattern::touch(s.get(), bytes);
    }

private:
    std::vector<std::unique_ptr<char[]>> slots_;
};

int main(int argc, char** argv) {
    WorkingSet set;
    std::mt19937 rng(42);
    for (int i = 0; i < 200; ++i) set.replace(rng);
    pattern::every(0.01, pattern::run_seconds(argc, argv, 12), [&](long, double) {
        for (int k = 0; k < 3; ++k) set.replace(rng);
    });
}
