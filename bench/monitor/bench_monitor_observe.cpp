// Cost of Gauge::observe, the call an application makes on its hot path, through libleakscope.so:
//   observe/1 thread       one gauge, the monitor's clock (steady_clock) read inside
//   observe_at             explicit time, no clock read
//   shared gauge, N threads  every thread pushes to the same gauge (worst case: one lock)
//   own gauge, N threads     one gauge per thread (the usual case: one gauge per cache)
// and leakscope_event() for comparison, and one background analysis of a full gauge. Run: build/bin/bench_monitor_observe
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "leakscope/events.h"
#include "leakscope/monitor.hpp"

namespace {

leakscope::Monitor& shared_monitor() {
    static leakscope::Monitor monitor(leakscope::MonitorOptions{.watch_rss = false});
    return monitor;
}

void BM_Observe(benchmark::State& state) {
    const leakscope::Gauge gauge = shared_monitor().gauge("bench.single");
    double bytes = 1e6;
    for (auto _ : state) gauge.observe(bytes += 1, 100);
}
BENCHMARK(BM_Observe);

void BM_ObserveAt(benchmark::State& state) {
    const leakscope::Gauge gauge = shared_monitor().gauge("bench.observe_at");
    double t = 0;
    for (auto _ : state) {
        t += 0.5;  // every other call starts a new point: the history's merging is included
        gauge.observe_at(t, 1e6 + t);
    }
}
BENCHMARK(BM_ObserveAt);

void BM_ObserveSharedGauge(benchmark::State& state) {
    const leakscope::Gauge gauge = shared_monitor().gauge("bench.shared");
    double bytes = 1e6;
    for (auto _ : state) gauge.observe(bytes += 1);
}
BENCHMARK(BM_ObserveSharedGauge)->Threads(1)->Threads(2)->Threads(4);

void BM_ObserveOwnGauge(benchmark::State& state) {
    const leakscope::Gauge gauge = shared_monitor().gauge("bench.own" + std::to_string(state.thread_index()));
    double bytes = 1e6;
    for (auto _ : state) gauge.observe(bytes += 1);
}
BENCHMARK(BM_ObserveOwnGauge)->Threads(1)->Threads(2)->Threads(4);

// The background side, for scale: one analysis of a gauge whose history is full (2048 points after
// about 80 days of 30-second samples): the diagnosis engine plus the four rules.
void BM_AnalyzeFullGauge(benchmark::State& state) {
    leakscope::Monitor monitor(leakscope::MonitorOptions{.watch_rss = false});
    const leakscope::Gauge gauge = monitor.gauge("bench.full");
    for (double t = 0; t < 80 * 86400.0; t += 30) gauge.observe_at(t, 1e8 + 10 * t + (static_cast<long>(t) % 7) * 1e5);
    for (auto _ : state) benchmark::DoNotOptimize(monitor.analyze_now());
}
BENCHMARK(BM_AnalyzeFullGauge)->Unit(benchmark::kMillisecond);

void BM_Event(benchmark::State& state) {
    for (auto _ : state) leakscope_event();
}
BENCHMARK(BM_Event)->Threads(1)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
