// A JIT-like registry: 200 compiled functions of 100 KB each are registered in the first ~1.6 s (a
// one-time 20 MB), never freed; after that the program only churns temporaries. Truth: warm-up, no leak.
#include <memory>
#include <vector>

#include "pacing.hpp"

class JitRegistry {
public:
    void compile(int id) {
        auto code = std::make_unique<char[]>(100 * 1000);
        pattern::touch(code.get(), 100 * 1000);
        code[0] = static_cast<char>(id);
        functions_.push_back(std::move(code));
    }
    std::size_t size() const { return functions_.size(); }

private:
    std::vector<std::unique_ptr<char[]>> functions_;
};

__attribute__((noinline)) void run_step() {
    auto scratch = std::make_unique<char[]>(50 * 1000);
    pattern::touch(scratch.get(), 50 * 1000);
}

int main(int argc, char** argv) {
    JitRegistry registry;
    pattern::every(0.008, pattern::run_seconds(argc, argv, 12), [&](long i, double) {
        if (registry.size() < 200) registry.compile(static_cast<int>(i));
        run_step();
    });
}
