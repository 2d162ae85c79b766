// The monitor's rules on simulated gauges: samples every 30 s pushed with explicit times, so days and
// months run in milliseconds. Each scenario states the truth it was generated from.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "leakscope/monitor.hpp"
#include "simulated_gauges.hpp"

namespace leakscope::monitor_test {
namespace {

/// Noise of a real cache: +-0.2% of 50 MiB, reproducible.
struct Noise {
    std::mt19937_64 rng{12345};
    std::uniform_real_distribution<double> uniform{-0.1 * kMiB, 0.1 * kMiB};
    double operator()() { return uniform(rng); }
};

const Finding* find(const std::vector<Finding>& findings, FindingKind kind) {
    for (const Finding& f : findings)
        if (f.kind == kind) return &f;
    return nullptr;
}

std::string kinds(const std::vector<Finding>& findings) {
    std::string text;
    for (const Finding& f : findings) text += std::string(to_string(f.kind)) + " (" + f.summary + ") ";
    return text.empty() ? "none" : text;
}

TEST(MonitorRules, FlatNoisyGaugeHasNoFinding) {
    leakscope::Monitor monitor(quiet_options());
    const auto cache = monitor.gauge("cache.flat", leakscope::GaugeOptions{.high_usage_bytes = 80 * kMiB});
    Noise noise;
    for (double t = 0; t < 24 * kHour; t += kStep) cache.observe_at(t, 50 * kMiB + noise(), 1000);
    const auto findings = monitor.analyze_now();
    EXPECT_TRUE(findings.empty()) << kinds(findings);
}

TEST(MonitorRules, GradualGrowthIsFoundWithItsRate) {
    leakscope::Monitor monitor(quiet_options());
    const auto cache = monitor.gauge("cache.sessions", leakscope::GaugeOptions{.limit_bytes = 2048 * kMiB});
    Noise noise;
    const double rate = 2 * kMiB / kHour;
    for (double t = 0; t < 72 * kHour; t += kStep) cache.observe_at(t, 50 * kMiB + rate * t + noise());
    const auto findings = monitor.analyze_now();
    const Finding* gradual = find(findings, FindingKind::gradual_growth);
    ASSERT_NE(gradual, nullptr) << kinds(findings);
    EXPECT_EQ(gradual->gauge, "cache.sessions");
    EXPECT_NEAR(gradual->rate_bytes_per_s, rate, 0.1 * rate);
    EXPECT_LE(gradual->rate_ci_low_bytes_per_s, rate);
    EXPECT_GE(gradual->rate_ci_high_bytes_per_s, rate);
    EXPECT_GE(static_cast<int>(gradual->severity), static_cast<int>(Severity::low));
    EXPECT_NEAR(gradual->baseline_bytes, 50 * kMiB + rate * 9 * kHour, 2 * kMiB) << "mean of the first 25%";
    ASSERT_TRUE(gradual->time_to_limit_s);
    const double expected = (2048 * kMiB - (50 * kMiB + rate * 72 * kHour)) / rate;
    EXPECT_NEAR(*gradual->time_to_limit_s, expected, 0.15 * expected);
    EXPECT_FALSE(gradual->advice.empty());
}

TEST(MonitorRules, CacheFillingToCapacityIsNotGrowth) {
    leakscope::Monitor monitor(quiet_options());
    const auto cache = monitor.gauge("cache.warm");
    Noise noise;
    for (double t = 0; t < 48 * kHour; t += kStep) {
        const double filled = std::min(t / (2 * kHour), 1.0) * 200 * kMiB;  // full after 2 h
        cache.observe_at(t, 10 * kMiB + filled + noise());
    }
    const auto findings = monitor.analyze_now();
    EXPECT_EQ(find(findings, FindingKind::gradual_growth), nullptr) << kinds(findings);
    EXPECT_EQ(find(findings, FindingKind::rapid_growth), nullptr) << kinds(findings);
}

TEST(MonitorRules, RapidGrowthInTheLastFiveMinutes) {
    leakscope::Monitor monitor(quiet_options());
    const auto cache = monitor.gauge("cache.burst");
    Noise noise;
    const double end = 6 * kHour;
    for (double t = 0; t <= end; t += kStep) {
        const double burst = t > end - 300 ? (t - (end - 300)) / 300 * 15 * kMiB : 0;  // +15 MiB in 5 min
        cache.observe_at(t, 50 * kMiB + burst + noise());
    }
    const auto findings = monitor.analyze_now();
    const Finding* rapid = find(findings, FindingKind::rapid_growth);
    ASSERT_NE(rapid, nullptr) << kinds(findings);
    EXPECT_NEAR(rapid->rate_bytes_per_s, 15 * kMiB / 300, 0.25 * 15 * kMiB / 300);
    EXPECT_GE(static_cast<int>(rapid->severity), static_cast<int>(Severity::medium));
    EXPECT_NE(rapid->summary.find("cache.burst"), std::string::npos);
}

TEST(MonitorRules, GrowthAtTheUsualPaceIsNotRapid) {
    leakscope::Monitor monitor(quiet_options());
    const auto cache = monitor.gauge("cache.steady");
    const double rate = 10 * kMiB / kHour;
    for (double t = 0; t <= 6 * kHour; t += kStep) cache.observe_at(t, 50 * kMiB + rate * t);
    const auto findings = monitor.analyze_now();
    EXPECT_EQ(find(findings, FindingKind::rapid_growth), nullptr) << kinds(findings);
}

TEST(MonitorRules, SustainedHighUsage) {
    leakscope::Monitor monitor(quiet_options());
    const auto high = monitor.gauge("cache.high", leakscope::GaugeOptions{.high_usage_bytes = 80 * kMiB});
    const auto half = monitor.gauge("cache.half", leakscope::GaugeOptions{.high_usage_bytes = 80 * kMiB});
    Noise noise;
    int i = 0;
    for (double t = 0; t < 3 * kHour; t += kStep, ++i) {
        high.observe_at(t, (i % 10 == 0 ? 70 : 85) * kMiB + noise());  // 90% of samples above
        half.observe_at(t, (i % 2 == 0 ? 70 : 85) * kMiB + noise());   // 50% above
    }
    const auto findings = monitor.analyze_now();
    const Finding* sustained = nullptr;
    for (const Finding& f : findings) {
        if (f.kind != FindingKind::sustained_high_usage) continue;
        EXPECT_EQ(f.gauge, "cache.high") << "50% above the threshold is not sustained";
        sustained = &f;
    }
    ASSERT_NE(sustained, nullptr) << kinds(findings);
    EXPECT_NEAR(sustained->fraction_above_threshold, 0.9, 0.02);
    EXPECT_GE(static_cast<int>(sustained->severity), static_cast<int>(Severity::medium));
}

TEST(MonitorRules, PeriodicSpikes) {
    leakscope::Monitor monitor(quiet_options());
    const auto batch = monitor.gauge("batch.buffers");
    Noise noise;
    int i = 0;
    for (double t = 0; t < 12 * kHour; t += kStep, ++i) {
        const bool spike = i % 20 == 0;  // one sample in every 10 minutes
        batch.observe_at(t, (spike ? 90 : 50) * kMiB + noise());
    }
    const auto findings = monitor.analyze_now();
    const Finding* spikes = find(findings, FindingKind::periodic_spikes);
    ASSERT_NE(spikes, nullptr) << kinds(findings);
    EXPECT_EQ(find(findings, FindingKind::gradual_growth), nullptr) << kinds(findings);
    if (spikes->period_s) {
        EXPECT_NEAR(*spikes->period_s, 600, 60);
    }
}

TEST(MonitorRules, AdviceTellsUnboundedCachesFromGrowingEntries) {
    leakscope::Monitor monitor(quiet_options());
    const auto more_entries = monitor.gauge("cache.unbounded");
    const auto fatter_entries = monitor.gauge("cache.fattening");
    for (double t = 0; t < 48 * kHour; t += kStep) {
        const double grown = t / kHour;  // +1% of the start per hour
        more_entries.observe_at(t, 50 * kMiB * (1 + grown / 100), 10000 * (1 + grown / 100));
        fatter_entries.observe_at(t, 50 * kMiB * (1 + grown / 100), 10000);
    }
    const auto findings = monitor.analyze_now();
    std::string unbounded_advice, fattening_advice;
    for (const Finding& f : findings) {
        if (f.kind != FindingKind::gradual_growth) continue;
        (f.gauge == "cache.unbounded" ? unbounded_advice : fattening_advice) = f.advice;
    }
    EXPECT_NE(unbounded_advice.find("no effective bound"), std::string::npos) << unbounded_advice;
    EXPECT_NE(fattening_advice.find("entries themselves grow"), std::string::npos) << fattening_advice;
}

TEST(MonitorRules, CallbackHearsEachFindingOnceUntilItClears) {
    leakscope::Monitor monitor(quiet_options());
    std::vector<Finding> heard;
    monitor.on_finding([&](const Finding& f) { heard.push_back(f); });
    const auto cache = monitor.gauge("cache.bursty");
    double t = 0;
    auto flat = [&](double hours) {
        for (const double end = t + hours * kHour; t < end; t += kStep) cache.observe_at(t, 50 * kMiB);
    };
    auto burst = [&] {
        for (int i = 0; i < 10; ++i, t += kStep) cache.observe_at(t, 50 * kMiB + i * 2 * kMiB);
    };
    auto rapid_heard = [&] {
        return std::count_if(heard.begin(), heard.end(),
                             [](const Finding& f) { return f.kind == FindingKind::rapid_growth; });
    };
    flat(2);
    burst();
    (void)monitor.analyze_now();
    EXPECT_EQ(rapid_heard(), 1);
    (void)monitor.analyze_now();  // nothing new
    EXPECT_EQ(rapid_heard(), 1);
    for (int i = 0; i < 60; ++i, t += kStep) cache.observe_at(t, 50 * kMiB);  // back to flat: clears
    (void)monitor.analyze_now();
    EXPECT_EQ(rapid_heard(), 1);
    flat(2);
    burst();
    const auto again = monitor.analyze_now();
    EXPECT_EQ(rapid_heard(), 2) << "a burst after the rule cleared is new";
    EXPECT_NE(find(again, FindingKind::rapid_growth), nullptr);
}

TEST(MonitorRules, MonthsOfUptimeStayBoundedAndStillSeeSlowGrowth) {
    leakscope::MonitorOptions options = quiet_options();
    leakscope::Monitor monitor(options);
    const auto cache = monitor.gauge("cache.months");
    Noise noise;
    const double rate = 0.25 * kMiB / kHour;  // 6 MiB a day: invisible in an hour's noise
    const double end = 120 * 24 * kHour;
    std::size_t largest = 0;
    std::size_t pushed = 0;
    for (double t = 0; t < end; t += kStep, ++pushed) {
        cache.observe_at(t, 400 * kMiB + rate * t + noise());
        if (pushed % 10000 == 0) largest = std::max(largest, monitor.status().front().history_points);
    }
    const auto status = monitor.status().front();
    EXPECT_EQ(status.observations, pushed);
    EXPECT_LE(std::max(largest, status.history_points), options.history_tier_points * options.history_tiers);
    EXPECT_EQ(status.first_t_s, 0);
    const auto findings = monitor.analyze_now();
    const Finding* gradual = find(findings, FindingKind::gradual_growth);
    ASSERT_NE(gradual, nullptr) << kinds(findings);
    EXPECT_NEAR(gradual->rate_bytes_per_s, rate, 0.1 * rate);
}

TEST(MonitorRules, TooFewPointsSayNothing) {
    leakscope::Monitor monitor(quiet_options());
    const auto cache = monitor.gauge("cache.new");
    for (int i = 0; i < 5; ++i) cache.observe_at(i * kStep, (50 + 10 * i) * kMiB);
    EXPECT_TRUE(monitor.analyze_now().empty());
    EXPECT_EQ(monitor.status().front().pattern, leakscope::Pattern::insufficient_data);
}

}  // namespace
}  // namespace leakscope::monitor_test
