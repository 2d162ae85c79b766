// A metrics registry with a label that should never have been one (written in session 4 as a fresh
// check, never tuned on): a service counts requests per (route, status, request id) in a std::map of
// label strings to counters, so every request adds a series that is never dropped — the cardinality
// explosion Prometheus client users know. 300 requests a second; each new series holds a ~70-byte
// label string and a map node. Beside it the service keeps a 40 MB routing table it built at start,
// so the leak is slow next to the process: about 50 kB/s on 40 MB.
// Truth: a leak, linear; top site MetricsRegistry::count.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pacing.hpp"

class MetricsRegistry {
public:
    __attribute__((noinline)) void count(const std::string& route, int status, long request_id) {
        ++counters_[route + "{status=\"" + std::to_string(status) + "\",request_id=\"" + std::to_string(request_id) + "\"}"];
    }

private:
    std::map<std::string, std::uint64_t> counters_;
};

int main(int argc, char** argv) {
    std::vector<std::uint64_t> routing_table(5'000'000);  // 40 MB, built once
    for (std::size_t i = 0; i < routing_table.size(); ++i) routing_table[i] = i * 2654435761u;
    MetricsRegistry metrics;
    const char* routes[] = {"/api/v1/orders", "/api/v1/users", "/api/v1/search"};
    std::uint64_t checksum = 0;
    pattern::every(0.01, pattern::run_seconds(argc, argv, 14), [&](long i, double) {
        for (int k = 0; k < 3; ++k) {
            const long request = i * 3 + k;
            checksum += routing_table[static_cast<std::size_t>(request * 7919) % routing_table.size()];
            metrics.count(routes[request % 3], request % 17 == 0 ? 500 : 200, 100000000 + request);
        }
    });
    return checksum == 42 ? 1 : 0;
}
