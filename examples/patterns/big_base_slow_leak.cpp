// A slow leak on a big base: a routing service loads a 200 MB table at start (a one-time warm-up),
// then keeps an audit entry of ~1000 bytes for each of 100 route changes a second in a std::map that is
// never trimmed: 100,000 B/s, about 0.7% of the process over a 14 s run. This is the shape of the slow
// leaks real services have (~500 B/s on 465 MB over hours), scaled to a short run.
// Truth: a leak, linear, 100,000 B/s after a ~200 MB warm-up; top site AuditTrail::record.
#include <map>
#include <string>
#include <vector>

#include "pacing.hpp"

class RouteTable {
public:
    RouteTable() {
        routes_.reserve(200'000);
        for (int i = 0; i < 200'000; ++i) routes_.emplace_back(1000 - 33, static_cast<char>('a' + i % 26));
    }
    std::size_t size() const { return routes_.size(); }

private:
    std::vector<std::string> routes_;
};

class AuditTrail {
public:
    __attribute__((noinline)) void record(long change) {
        entries_.emplace(change, std::string(1000 - 80, static_cast<char>('0' + change % 10)));
    }

private:
    std::map<long, std::string> entries_;
};

int main(int argc, char** argv) {
    RouteTable table;
    AuditTrail audit;
    pattern::every(0.01, pattern::run_seconds(argc, argv, 14), [&](long i, double) { audit.record(i); });
    return table.size() == 0 ? 1 : 0;
}
