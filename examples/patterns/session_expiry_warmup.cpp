// Sessions with a time to live: a gateway opens 500 sessions a second (4 KB of state each) and expires
// every session 4 s after it opened. The table grows for the first 4 s, then opening and expiry
// balance: ~2000 live sessions, ~8 MB, for the rest of the run.
// Truth: warm-up of ~8 MB, then stable: not a leak.
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>

#include "pacing.hpp"

class SessionTable {
public:
    __attribute__((noinline)) void open(long id, double now) {
        sessions_.emplace(id, std::string(4000, static_cast<char>('a' + id % 26)));
        expiry_.emplace_back(now + 4.0, id);
    }
    void expire(double now) {
        while (!expiry_.empty() && expiry_.front().first <= now) {
            sessions_.erase(expiry_.front().second);
            expiry_.pop_front();
        }
    }

private:
    std::unordered_map<long, std::string> sessions_;
    std::deque<std::pair<double, long>> expiry_;
};

int main(int argc, char** argv) {
    SessionTable table;
    pattern::every(0.01, pattern::run_seconds(argc, argv, 14), [&](long i, double t) {
        table.expire(t);
        for (int k = 0; k < 5; ++k) table.open(i * 5 + k, t);
    });
}
