// A staircase: every 2 s a session table grows by a 3 MB block that is never released; flat between.
// Truth: staircase growth, a leak of 1.5 MB/s on average, SessionTable::grow.
#include <memory>
#include <vector>

#include "pacing.hpp"

class SessionTable {
public:
    __attribute__((noinline)) void grow() {
        auto block = std::make_unique<char[]>(3 << 20);
        pattern::touch(block.get(), 3 << 20);
        blocks_.push_back(std::move(block));
    }

private:
    std::vector<std::unique_ptr<char[]>> blocks_;
};

int main(int argc, char** argv) {
    SessionTable table;
    pattern::every(0.1, pattern::run_seconds(argc, argv, 12), [&](long i, double) {
        if (i % 20 == 10) table.grow();
    });
}
