// Time to diagnose a fleet: SERIES series of POINTS points each (default 10,000 x 10,000), through the
// same path as `analyze --prometheus` (fleet::diagnose_all: restart cutting, the engine per series,
// JOBS threads), generated in batches of 100 so only one batch of points is held at a time, as the
// fetch does. Prints wall time and CPU time of the diagnosis (generation excluded).
//
//   bench_fleet_diagnosis [SERIES] [POINTS] [JOBS]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "fleet/fleet_analysis.hpp"

using namespace leakscope::fleet;

namespace {

/// Flat, warm-up, sawtooth and leaking series (a quarter each) at a 1 min step, with AR(1) noise.
RangeSeries make_series(std::size_t index, std::size_t points) {
    std::mt19937_64 rng(index * 7919 + 1);
    std::normal_distribution<double> noise(0, 1);
    RangeSeries s;
    s.labels = {{"__name__", "m"}, {"pod", "pod-" + std::to_string(index)}};
    const double base = 100e6 + static_cast<double>(index % 97) * 10e6;
    double ar = 0;
    for (std::size_t i = 0; i < points; ++i) {
        const double t = static_cast<double>(i) * 60;
        double v = base;
        switch (index % 4) {
            case 0: break;
            case 1: v += 0.3 * base * (1 - std::exp(-t / 3600)); break;
            case 2: v += 0.05 * base * (1 + std::fmod(t / 7200, 1.0)); break;
            case 3: v += 0.01 * base * t / 3600; break;
        }
        ar = 0.9 * ar + noise(rng) * 0.002 * base;
        s.t_s.push_back(1.7e9 + t);
        s.value.push_back(v + ar);
    }
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t series = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000;
    const std::size_t points = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 10000;
    const std::size_t jobs = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 2;
    constexpr std::size_t kBatch = 100;
    std::vector<FleetEntry> entries;
    double wall = 0, cpu = 0;
    for (std::size_t first = 0; first < series; first += kBatch) {
        std::vector<RangeSeries> batch;
        for (std::size_t i = first; i < std::min(series, first + kBatch); ++i) batch.push_back(make_series(i, points));
        const auto started = std::chrono::steady_clock::now();
        cpu += diagnose_all(batch, [](const RangeSeries&) { return std::vector<double>{}; },
                            [](const RangeSeries&) { return SeriesOptions{}; }, jobs, entries);
        wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
    rank_fleet(entries);
    std::size_t leaks = 0, leak_truth = 0, right = 0;
    for (const auto& e : entries) {
        const bool truth = std::stoul(e.labels.at("pod").substr(4)) % 4 == 3;
        leaks += e.verdict.leak;
        leak_truth += truth;
        right += e.verdict.leak == truth;
    }
    std::printf("%zu series x %zu points on %zu threads: diagnosis %.1f s wall, %.1f s CPU (%.2f ms CPU per series); "
                "%zu leaks called, %zu true, %zu of %zu verdicts right\n",
                series, points, jobs, wall, cpu, cpu * 1e3 / static_cast<double>(series), leaks, leak_truth, right, series);
    return 0;
}
