// A periodic batch: every 2 s a job allocates and fills 30 MB, works on it for 0.5 s, and frees it.
// Truth: periodic spikes, no leak.
#include <memory>
#include <vector>

#include "pacing.hpp"

class BatchJob {
public:
    __attribute__((noinline)) void start() {
        for (int i = 0; i < 30; ++i) {
            auto block = std::make_unique<char[]>(1 << 20);
            pattern::touch(block.get(), 1 << 20);
            blocks_.push_back(std::move(block));
        }
    }
    void finish() { blocks_.clear(); }

private:
    std::vector<std::unique_ptr<char[]>> blocks_;
};

int main(int argc, char** argv) {
    BatchJob job;
    pattern::every(0.05, pattern::run_seconds(argc, argv, 12), [&](long i, double) {
        const long phase = i % 40;  // 40 x 50 ms = 2 s
        if (phase == 5) job.start();
        if (phase == 15) job.finish();
    });
}
