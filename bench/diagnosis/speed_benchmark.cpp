// Speed of diagnose() on long series (the bar: 1,000,000 points in under 1 s).
#include <benchmark/benchmark.h>

#include <cmath>

#include "diagnosis/diagnosis.hpp"

namespace {

leakscope::diagnosis::Series leaking_series(std::size_t n) {
    leakscope::diagnosis::Series series;
    series.t_s.resize(n);
    series.value.resize(n);
    std::uint64_t state = 42;
    for (std::size_t i = 0; i < n; ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        const double noise = static_cast<double>(state >> 11) * 0x1.0p-53 - 0.5;
        series.t_s[i] = 0.1 * static_cast<double>(i);
        series.value[i] = 200e6 + 50.0 * series.t_s[i] + 2e5 * noise + 1e6 * std::sin(static_cast<double>(i) / 500.0);
    }
    return series;
}

void BM_Diagnose(benchmark::State& state) {
    const auto series = leaking_series(static_cast<std::size_t>(state.range(0)));
    for (auto _ : state) benchmark::DoNotOptimize(leakscope::diagnosis::diagnose(series));
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Diagnose)->Arg(1'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
