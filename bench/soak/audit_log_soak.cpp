// A soak-test target: the case the brief starts from (a service grew 465 -> 476 MB in a 6-hour idle
// test, ~509 B/s, from one line of a JSON-lines logger). A 120 MB lookup table loaded at start, 2,000
// requests a second (each builds and drops a few strings and a vector, and appends to a bounded
// history of 5,000 lines), and an audit logger that keeps one 1,023-character line every 2 s for good.
// Truth: a leak of ~536 B/s after a ~125 MB warm-up: each kept line is a 1,024-byte block (512 B/s)
// plus its std::string slot in a vector whose capacity doubles (32 B a slot, ~1.5 slots a line
// on average: ~24 B/s). The kept lines are allocated in audit_keep.
// Usage: audit_log_soak SECONDS
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "pacing.hpp"

namespace {

__attribute__((noinline)) void audit_keep(std::vector<std::string>& kept, long request) {
    std::string line(1023, 'a');
    std::snprintf(line.data(), 64, "{\"request\":%ld,\"audit\":true}", request);
    kept.push_back(std::move(line));
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 60);
    std::vector<std::string> table;
    for (int k = 0; k < 120000; ++k) table.emplace_back(1000, static_cast<char>('a' + k % 26));
    std::vector<std::string> audit;
    std::deque<std::string> history;
    // 100 ticks a second, 20 requests each; every 200th tick (2 s) keeps an audit line.
    pattern::every(0.01, seconds, [&](long tick, double) {
        for (int r = 0; r < 20; ++r) {
            const std::string body = table[static_cast<std::size_t>(tick * 20 + r) % table.size()].substr(0, 200 + r * 10);
            std::vector<int> parsed(64 + r);
            history.push_back(body.substr(0, 80));
            if (history.size() > 5000) history.pop_front();
        }
        if (tick % 200 == 0) audit_keep(audit, tick);
    });
    std::printf("%zu audit lines kept\n", audit.size());
    return 0;
}
