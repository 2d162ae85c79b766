// Noisy but flat: a working set of ~20 MB whose pieces are replaced at random, with bursts of
// temporaries, so memory jitters by several MB around a constant level. Truth: stable, no leak.
#include <memory>
#include <random>
#include <vector>

#include "pacing.hpp"

class WorkingSet {
public:
    WorkingSet() : slots_(200) {}
    /// Fills every slot once, so the working set is complete from the start.
    void fill(std::mt19937& rng) {
        for (std::size_t i = 0; i < slots_.size(); ++i) put(i, rng);
    }
    __attribute__((noinline)) void replace(std::mt19937& rng) {
        std::uniform_int_distribution<std::size_t> slot(0, slots_.size() - 1);
        put(slot(rng), rng);
    }

private:
    void put(std::size_t index, std::mt19937& rng) {
        std::uniform_int_distribution<int> size(20, 180);
        const std::size_t bytes = static_cast<std::size_t>(size(rng)) * 1000;
        slots_[index] = std::make_unique<char[]>(bytes);
        pattern::touch(slots_[index].get(), bytes);
    }

    std::vector<std::unique_ptr<char[]>> slots_;
};

int main(int argc, char** argv) {
    WorkingSet set;
    std::mt19937 rng(42);
    set.fill(rng);
    pattern::every(0.01, pattern::run_seconds(argc, argv, 12), [&](long, double) {
        for (int k = 0; k < 3; ++k) set.replace(rng);
    });
}
