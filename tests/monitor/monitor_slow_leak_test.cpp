// Small and slow leaks in the monitor (issue 11, class 10): practical significance is judged against
// the gauge's own level, its noise and how long it was watched, not a fixed bytes/s floor. Simulated
// time: samples every 30 s pushed with explicit timestamps.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "leakscope/monitor.hpp"
#include "simulated_gauges.hpp"

namespace leakscope::monitor_test {
namespace {

/// The gradual-growth finding after watching `value(t)` every 30 s for `hours`, if any.
template <class Value>
std::optional<Finding> gradual_after(double hours, Value value) {
    leakscope::Monitor monitor(quiet_options());
    const auto gauge = monitor.gauge("gauge");
    for (double t = 0; t <= hours * kHour; t += kStep) gauge.observe_at(t, value(t));
    for (const Finding& f : monitor.analyze_now())
        if (f.kind == FindingKind::gradual_growth) return f;
    return std::nullopt;
}

// No finding reads as Severity::none, so that "not a leak" to "low" is one step.
int level(const std::optional<Finding>& f) { return static_cast<int>(f ? f->severity : Severity::none); }

TEST(MonitorSlowLeaks, SixtyAndSixtySixBytesPerSecondGetTheSameVerdict) {
    // A 10 MiB gauge rising in a perfectly straight line for 3 hours: +648 KB (6%) at 60 B/s.
    for (double rate : {60.0, 66.0}) {
        const auto f = gradual_after(3, [rate](double t) { return 10 * kMiB + rate * t; });
        ASSERT_TRUE(f) << rate << " B/s over 3 h is a leak";
        EXPECT_NEAR(f->rate_bytes_per_s, rate, 0.05 * rate);
        EXPECT_EQ(f->severity, Severity::medium) << rate << " B/s: " << f->summary;
    }
}

TEST(MonitorSlowLeaks, SeverityRisesStepByStepWithTheRate) {
    // From far below to far above the point where growth becomes practically significant: the verdict
    // never falls as the rate rises, and a 10% faster leak is at most one severity level worse.
    int previous = static_cast<int>(Severity::none);
    double previous_rate = 0;
    bool found_any = false;
    for (double rate = 1; rate < 3000; rate *= 1.1) {
        const auto f = gradual_after(3, [rate](double t) { return 10 * kMiB + rate * t; });
        const int now = level(f);
        found_any |= f.has_value();
        EXPECT_GE(now, previous) << rate << " B/s after " << previous_rate << " B/s";
        EXPECT_LE(now - previous, 1) << "from " << previous << " at " << previous_rate << " B/s to " << now << " at " << rate
                                     << " B/s" << (f ? ": " + f->summary : std::string());
        previous = now;
        previous_rate = rate;
    }
    EXPECT_TRUE(found_any);
    EXPECT_EQ(previous, static_cast<int>(Severity::critical)) << "3 KB/s on 10 MiB is 100% per hour";
    EXPECT_FALSE(gradual_after(3, [](double t) { return 10 * kMiB + 1.0 * t; })) << "1 B/s: +10.8 KB on 10 MiB in 3 h";
}

TEST(MonitorSlowLeaks, OneEntryPerMinuteOnAHundredEntriesIsFound) {
    // A gauge of sessions (a count, not bytes): 100 open, one more never closed each minute, a few
    // coming and going around that.
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> churn(-2, 2);
    const auto f = gradual_after(3, [&](double t) { return 100 + std::floor(t / 60) + churn(rng); });
    ASSERT_TRUE(f) << "100 -> 280 sessions in 3 h";
    EXPECT_NEAR(f->rate_bytes_per_s, 1.0 / 60, 0.1 / 60);
}

TEST(MonitorSlowLeaks, FlatNoisyGaugesOverThreeHoursAreNotLeaks) {
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
        std::mt19937_64 rng(seed);
        std::uniform_int_distribution<int> churn(-3, 3);
        std::uniform_real_distribution<double> jitter(-0.1 * kMiB, 0.1 * kMiB);
        EXPECT_FALSE(gradual_after(3, [&](double) { return 100.0 + churn(rng); })) << "100 +- 3 entries, seed " << seed;
        EXPECT_FALSE(gradual_after(3, [&](double) { return 50 * kMiB + jitter(rng); })) << "50 MiB +- 0.1 MiB, seed " << seed;
        // Noise that wanders (AR(1), phi 0.9) around a flat level.
        double wander = 0;
        std::normal_distribution<double> step(0, 0.05 * kMiB);
        EXPECT_FALSE(gradual_after(3, [&](double) { return 50 * kMiB + (wander = 0.9 * wander + step(rng)); }))
            << "50 MiB with wandering noise, seed " << seed;
    }
}

TEST(MonitorSlowLeaks, AnAbsoluteFloorCanStillBeSet) {
    leakscope::MonitorOptions options = quiet_options();
    options.practical_floor_bytes_per_s = 64;  // the old fixed floor, for those who want it
    leakscope::Monitor monitor(options);
    const auto gauge = monitor.gauge("gauge");
    for (double t = 0; t <= 3 * kHour; t += kStep) gauge.observe_at(t, 10 * kMiB + 60 * t);
    for (const Finding& f : monitor.analyze_now()) EXPECT_NE(f.kind, FindingKind::gradual_growth) << f.summary;
}

}  // namespace
}  // namespace leakscope::monitor_test
