// Where the memory chart draws its dashed steady-state line (src/report/fit_line.hpp).
#include <gtest/gtest.h>

#include <algorithm>

#include "report/fit_line.hpp"

namespace leakscope::report::html {
namespace {

constexpr double kMB = 1e6;

// A JVM's RSS: 96 MB from 6 s, then 4 MB more every 4 s (the accuracy corpus' SubscriptionRegistry).
GaugeSeries staircase() {
    GaugeSeries s;
    for (double t = 0; t <= 20.0 + 1e-9; t += 0.1) {
        const double v = t < 6 ? 16 * t * kMB : (96 + 4 * static_cast<int>((t - 6) / 4)) * kMB;
        s.t_s.push_back(t);
        s.value.push_back(v);
        s.low.push_back(v);
        s.high.push_back(v);
    }
    return s;
}

// The engine's fit of that RSS's rolling floor, which lags each step: 1 MB/s from 87 MB at 6 s.
diagnosis::Diagnosis floor_fit(diagnosis::Pattern pattern) {
    diagnosis::Diagnosis d;
    d.pattern = pattern;
    d.warmup_end_s = 6;
    d.fit_intercept_bytes = 87 * kMB;
    d.steady_rate_bytes_per_s = 1 * kMB;
    return d;
}

TEST(FitLine, AStaircasesLineRunsThroughItsStepsNotUnderThem) {
    const GaugeSeries rss = staircase();
    const FitLine line = place_fit(floor_fit(diagnosis::Pattern::staircase_growth), &rss, 0);
    EXPECT_DOUBLE_EQ(line.t0_s, 6);
    // The steps run 96-112 MB over 6-20 s, the line 1 MB/s: half the steps lie above it, half below.
    EXPECT_NEAR(line.y0_bytes, 96 * kMB, 2.5 * kMB);
}

TEST(FitLine, CyclesKeepTheirFloor) {
    // Under a sawtooth or spikes the floor is the point: the line stays where the engine put it.
    const GaugeSeries rss = staircase();
    for (auto pattern : {diagnosis::Pattern::bounded_sawtooth, diagnosis::Pattern::periodic_spikes})
        EXPECT_DOUBLE_EQ(place_fit(floor_fit(pattern), &rss, 0).y0_bytes, 87 * kMB);
}

TEST(FitLine, ALateLeakIsDrawnFromItsOnsetAndWithoutItsSeriesAsFitted) {
    diagnosis::Diagnosis d = floor_fit(diagnosis::Pattern::linear_growth);
    d.onset_s = 12;
    const FitLine line = place_fit(d, nullptr, 0);
    EXPECT_DOUBLE_EQ(line.t0_s, 12);  // the engine's intercept is the level at the onset
    EXPECT_DOUBLE_EQ(line.y0_bytes, 87 * kMB);
    EXPECT_DOUBLE_EQ(place_fit(d, nullptr, 15).t0_s, 15);  // never before the chart's start
}

TEST(FitLine, TheHeapsLineRunsOnTheHeapAndItsMappingsTogether) {
    // memfd scrape buffers leaked 128 KiB every 0.5 s beside a flat 0.19 MB heap: the fit is of both.
    GaugeSeries heap, mapped;
    for (double t = 0; t <= 10.0 + 1e-9; t += 0.1) {
        const double m = 131072.0 * static_cast<int>(t / 0.5);
        heap.t_s.push_back(t), heap.value.push_back(0.19 * kMB), heap.low.push_back(0.19 * kMB), heap.high.push_back(0.19 * kMB);
        mapped.t_s.push_back(t), mapped.value.push_back(m), mapped.low.push_back(m), mapped.high.push_back(m);
    }
    const std::optional<GaugeSeries> both = heap_and_mapped(heap, &mapped);
    ASSERT_TRUE(both);
    EXPECT_DOUBLE_EQ(both->value.back(), 0.19 * kMB + mapped.value.back());
    diagnosis::Diagnosis fit;
    fit.pattern = diagnosis::Pattern::staircase_growth;
    fit.fit_intercept_bytes = 0.22 * kMB;
    fit.steady_rate_bytes_per_s = 262144;
    const FitLine line = place_fit(fit, &*both, 0);
    const double at_end = line.y0_bytes + fit.steady_rate_bytes_per_s * (10 - line.t0_s);
    EXPECT_NEAR(at_end, both->value.back(), 0.3 * kMB) << "the line ends where heap and mappings do";
    const FitLine on_heap_alone = place_fit(fit, &heap, 0);
    EXPECT_GT(both->value.back() - (on_heap_alone.y0_bytes + fit.steady_rate_bytes_per_s * 10), 1 * kMB) << "the premise";

    EXPECT_FALSE(heap_and_mapped(heap, nullptr)) << "nothing mapped drawn";
    GaugeSeries never_mapped = mapped;
    std::fill(never_mapped.value.begin(), never_mapped.value.end(), 0.0);
    EXPECT_FALSE(heap_and_mapped(heap, &never_mapped)) << "the heap's own line is the sum";
    GaugeSeries other_samples = mapped;
    other_samples.t_s.pop_back(), other_samples.value.pop_back(), other_samples.low.pop_back(), other_samples.high.pop_back();
    EXPECT_FALSE(heap_and_mapped(heap, &other_samples));
}

}  // namespace
}  // namespace leakscope::report::html
