// A history list bounded by truncation: 200 entries of 2000 bytes a second; at 1000 entries it is cut
// to the newest 500. Grows in a short run, a sawtooth in a long one. Truth: bounded sawtooth, no leak.
#include <deque>
#include <string>

#include "pacing.hpp"

class History {
public:
    __attribute__((noinline)) void record(long step) {
        entries_.emplace_back(2000, static_cast<char>('a' + step % 26));
        if (entries_.size() >= 1000) entries_.erase(entries_.begin(), entries_.begin() + 500);
    }

private:
    std::deque<std::string> entries_;
};

int main(int argc, char** argv) {
    History history;
    pattern::every(0.005, pattern::run_seconds(argc, argv, 12), [&](long i, double) { history.record(i); });
}
