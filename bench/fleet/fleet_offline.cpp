// The fleet's diagnosis without Prometheus, for tuning on generated series (fleet_tuning.py): reads
// series from stdin and diagnoses each through the same path as `analyze --prometheus`
// (fleet::diagnose_series with the start times and the limit the fleet command would have), one
// series at a time. Prometheus returns a backfilled series' samples unchanged at their own step, so
// the verdicts are the ones the command gives (bench/fleet/README.md).
//
// Input, per series: a text line "NAME N STEP_S LIMIT_BYTES\n", then N float64 values and N float64
// start times (Unix seconds of the process each point belongs to), native byte order.
// Output, per series: "NAME leak decided pattern rate_bytes_per_s ci_low ci_high restarts".
// With --lives NAME, every life of that series is diagnosed alone too and printed to stderr.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fleet/fleet_diagnosis.hpp"

using namespace leakscope::fleet;

int main(int argc, char** argv) {
    const std::string explain = argc > 2 && std::string(argv[1]) == "--lives" ? argv[2] : "";
    char name[256];
    std::size_t n = 0;
    double step_s = 0, limit = 0;
    while (std::scanf("%255s %zu %lf %lf", name, &n, &step_s, &limit) == 4) {
        if (std::getchar() != '\n' || n == 0 || n > 10'000'000) {
            std::fprintf(stderr, "fleet_offline: bad header for %s\n", name);
            return 2;
        }
        RangeSeries s;
        s.labels = {{"__name__", "fleet_memory_bytes"}, {"series", name}};
        s.value.resize(n);
        std::vector<double> starts(n);
        if (std::fread(s.value.data(), sizeof(double), n, stdin) != n || std::fread(starts.data(), sizeof(double), n, stdin) != n) {
            std::fprintf(stderr, "fleet_offline: short input for %s\n", name);
            return 2;
        }
        s.t_s.resize(n);
        for (std::size_t i = 0; i < n; ++i) s.t_s[i] = 1.7e9 + static_cast<double>(i) * step_s;
        for (auto& t : starts) t += 1.7e9;
        SeriesOptions options;
        if (limit > 0) {
            options.limit_bytes = limit;
            options.limit_source = "--limit-query";
        }
        const auto e = diagnose_series(s, starts, options);
        if (explain == name) {
            for (const auto& seg : cut_at_restarts(s.value, starts, options.restarts)) {
                leakscope::diagnosis::Series gauge;
                for (std::size_t i = seg.begin; i < seg.end; ++i) {
                    gauge.t_s.push_back(s.t_s[i] - s.t_s[seg.begin]);
                    gauge.value.push_back(s.value[i]);
                }
                auto o = options.diagnosis;
                o.limit_bytes = options.limit_bytes;
                const auto d = leakscope::diagnosis::diagnose(gauge, o);
                std::fprintf(stderr, "life %.1f h: leak=%d decided=%d %s warm-up end %.1f h, rate %.3g MB/h [%.3g, %.3g]\n  %s\n",
                             gauge.t_s.back() / 3600, d.leak, d.decided, std::string(leakscope::diagnosis::to_string(d.pattern)).c_str(),
                             d.warmup_end_s / 3600, d.steady_rate_bytes_per_s * 3.6e-3, d.rate_ci_low_bytes_per_s * 3.6e-3,
                             d.rate_ci_high_bytes_per_s * 3.6e-3, d.summary.c_str());
            }
            std::fprintf(stderr, "fleet verdict (%zu lives): %s\n", e.lives, e.verdict.summary.c_str());
        }
        const auto& d = e.verdict;
        std::printf("%s %d %d %s %.6g %.6g %.6g %zu\n", name, d.leak ? 1 : 0, d.decided ? 1 : 0,
                    std::string(leakscope::diagnosis::to_string(d.pattern)).c_str(), d.steady_rate_bytes_per_s,
                    d.rate_ci_low_bytes_per_s, d.rate_ci_high_bytes_per_s, e.restarts);
        std::fflush(stdout);
    }
    return 0;
}
