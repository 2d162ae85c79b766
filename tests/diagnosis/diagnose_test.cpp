// The pattern decision on constructed series, one per pattern, plus the numbers the report shows.
#include "diagnosis/diagnosis.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <stdexcept>

#include "diagnosis_bench/synthetic.hpp"
#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::kMB;
using testing::make_series;

TEST(Diagnose, TooFewSamplesIsInsufficientAndSaysSo) {
    const Series series = make_series(6, 1.0, [](double) { return 100 * kMB; }, 0);
    const Diagnosis d = diagnose(series);
    EXPECT_EQ(d.pattern, Pattern::insufficient_data);
    EXPECT_FALSE(d.leak);
    EXPECT_EQ(d.confidence, 0);
    EXPECT_NE(d.summary.find("not enough data"), std::string::npos) << d.summary;
    EXPECT_EQ(diagnose(Series{}).pattern, Pattern::insufficient_data);
}

TEST(Diagnose, ShortDurationIsInsufficient) {
    const Series series = make_series(50, 0.01, [](double t) { return 100 * kMB + 1e9 * t; }, 0);
    EXPECT_EQ(diagnose(series).pattern, Pattern::insufficient_data);
}

TEST(Diagnose, MalformedInputThrowsAndBadPointsAreDropped) {
    Series series = make_series(100, 1.0, [](double) { return 50 * kMB; }, 1e4);
    Series mismatched = series;
    mismatched.value.pop_back();
    EXPECT_THROW(diagnose(mismatched), std::invalid_argument);
    Series with_events = series;
    with_events.events = {1, 2};
    EXPECT_THROW(diagnose(with_events), std::invalid_argument);
    // NaN values and a time going backwards are skipped, not fatal.
    series.value[10] = NAN;
    series.t_s[20] = series.t_s[19] - 5;
    const Diagnosis d = diagnose(series);
    EXPECT_EQ(d.pattern, Pattern::stable);
}

TEST(Diagnose, StableIsNoLeak) {
    const Diagnosis d = diagnose(make_series(600, 1.0, [](double) { return 200 * kMB; }, 100e3));
    EXPECT_EQ(d.pattern, Pattern::stable);
    EXPECT_FALSE(d.leak);
    EXPECT_EQ(d.severity, Severity::none);
    EXPECT_GT(d.confidence, 0.5);
    EXPECT_NE(d.summary.find("no leak"), std::string::npos) << d.summary;
}

TEST(Diagnose, JitWarmupThenFlatIsNotALeak) {
    // The brief's controller: ~24 MB of one-time JIT compilation early on, then flat. An average over
    // the run would report ~14 KB per cycle; the right answer is warm-up + a flat steady state.
    const Series series = make_series(1000, 0.1, [](double t) { return 80 * kMB + 24 * kMB * (1 - std::exp(-t / 0.4)); }, 30e3);
    const Diagnosis d = diagnose(series);
    EXPECT_EQ(d.pattern, Pattern::warmup_plateau);
    EXPECT_FALSE(d.leak);
    EXPECT_NEAR(d.warmup_bytes, 24 * kMB, 2.4 * kMB) << d.summary;
    EXPECT_GT(d.warmup_end_s, 0.8) << d.summary;
    EXPECT_LT(d.warmup_end_s, 5.0);
    EXPECT_LT(std::fabs(d.steady_rate_bytes_per_s), 64.0 * 10);
    EXPECT_NE(d.summary.find("One-time warm-up of"), std::string::npos) << d.summary;
    EXPECT_NE(d.summary.find("no leak"), std::string::npos) << d.summary;
}

TEST(Diagnose, AWarmupShorterThanABinIsMeasuredFromTheFirstSample) {
    // A 25-minute soak at 10 Hz (15,000 samples, bins of ~0.75 s): a service loads a 120 MB table in its
    // first 1.3 s, then leaks 535 B/s. The first bin holds the table half loaded; measured from its
    // median the warm-up read 65 MB, from the first sample ~120 MB.
    const Series s = make_series(15000, 0.1, [](double t) { return 3 * kMB + 120 * kMB * std::min(1.0, t / 1.3) + 535 * t; }, 2e3);
    const Diagnosis d = diagnose(s);
    EXPECT_TRUE(d.leak) << d.summary;
    EXPECT_NEAR(d.warmup_bytes, 120 * kMB, 6 * kMB) << d.summary;
    EXPECT_NEAR(d.steady_rate_bytes_per_s, 535, 30) << d.summary;
}

TEST(Diagnose, LoggerLeakAfterWarmupWithProjectionAndRestartInterval) {
    // 31 MB/h on a ~465 MB service sampled every 30 s for 6 h, after a 40 MB warm-up, in an 8 GB VM.
    const double rate = 31.0e6 / 3600.0;  // the brief's 31 MB/h and 8 GB VM, in the decimal units summaries print
    const double limit = 8e9;
    const Series series = make_series(720, 30.0, [&](double t) {
        return 465 * kMB + 40 * kMB * std::min(1.0, t / 600.0) + rate * t;
    }, 300e3);
    const Diagnosis d = diagnose(series, {.limit_bytes = limit});
    EXPECT_EQ(d.pattern, Pattern::linear_growth);
    EXPECT_TRUE(d.leak);
    EXPECT_NEAR(d.steady_rate_bytes_per_s, rate, rate * 0.05);
    EXPECT_LT(d.rate_ci_low_bytes_per_s, rate) << d.summary;
    EXPECT_GT(d.rate_ci_high_bytes_per_s, rate) << d.summary;
    EXPECT_LT(d.trend_p_value, 1e-6);
    EXPECT_NEAR(d.warmup_bytes, 40 * kMB, 8 * kMB);
    // Time to the limit from the peak at the end of the run (the level after the warm-up plus 6 h of growth).
    const double peak = 505 * kMB + rate * 6 * 3600.0;
    ASSERT_TRUE(d.time_to_limit_s.has_value());
    EXPECT_NEAR(*d.time_to_limit_s / 3600.0, (limit - peak) / rate / 3600.0, 8.0);
    // Restart: warm-up (~10 min) + time to climb from the post-warm-up level to 90% of the limit.
    ASSERT_TRUE(d.restart_interval_s.has_value());
    EXPECT_NEAR(*d.restart_interval_s / 3600.0, 600.0 / 3600.0 + (0.9 * limit - 505 * kMB) / rate / 3600.0, 8.0);
    EXPECT_LT(*d.restart_interval_s, *d.time_to_limit_s + 6 * 3600.0 + 1);
    EXPECT_GE(static_cast<int>(d.severity), static_cast<int>(Severity::low));
    EXPECT_NE(d.summary.find("31.0 MB/h"), std::string::npos) << d.summary;
    EXPECT_NE(d.summary.find("8.00 GB limit"), std::string::npos) << d.summary;
}

TEST(Diagnose, ARestartIntervalLongerThanTheTimeToTheLimitSaysItCountsFromAStart) {
    // A fast leak near its limit (zlib compressors kept, 2.7 MB/s, --limit 60M, 12 s run): the limit is
    // reached in ~40 s from now, a restart ~46 s after each start keeps it under; "reached in 40.7 s;
    // restarting every 46.1 s" read as a contradiction.
    const Series series = make_series(120, 0.1, [](double t) { return 1 * kMB + 2.7 * kMB * t; }, 0.05 * kMB);
    const Diagnosis d = diagnose(series, {.limit_bytes = 62.9e6});
    ASSERT_TRUE(d.leak) << d.summary;
    ASSERT_TRUE(d.time_to_limit_s && d.restart_interval_s) << d.summary;
    ASSERT_GT(*d.restart_interval_s, *d.time_to_limit_s) << "the premise";
    EXPECT_NE(d.summary.find("after each start keeps it under"), std::string::npos) << d.summary;
    // Where the restart comes sooner than the limit, the plain wording stays (the logger above).
    const Series slow = make_series(720, 30.0, [](double t) { return 505 * kMB + 31.0e6 / 3600.0 * t; }, 300e3);
    const Diagnosis s = diagnose(slow, {.limit_bytes = 8e9});
    EXPECT_NE(s.summary.find("; restarting every"), std::string::npos) << s.summary;
}

TEST(Diagnose, RatePerEventWhenEventsAreCounted) {
    // 63 KB per event at 2 events/s.
    Series series = make_series(600, 1.0, [](double t) { return 300 * kMB + 2 * 63 * 1024.0 * t; }, 200e3);
    for (double t : series.t_s) series.events.push_back(2 * t);
    const Diagnosis d = diagnose(series);
    ASSERT_TRUE(d.rate_bytes_per_event.has_value());
    EXPECT_NEAR(*d.rate_bytes_per_event, 63 * 1024.0, 63 * 1024.0 * 0.05);
    EXPECT_LT(*d.rate_per_event_ci_low, *d.rate_bytes_per_event);
    EXPECT_GT(*d.rate_per_event_ci_high, *d.rate_bytes_per_event);
}

TEST(Diagnose, BoundedSawtoothIsNoLeakAndRisingFloorIsALeak) {
    // History list: fills 2 MB/s, truncated from 60 MB to 30 MB every 15 s.
    auto tooth = [](double t) { return t < 30 ? 2 * kMB * t : 30 * kMB + 2 * kMB * std::fmod(t - 30, 15.0); };
    const Diagnosis bounded = diagnose(make_series(2000, 0.25, [&](double t) { return 100 * kMB + tooth(t); }, 50e3));
    EXPECT_EQ(bounded.pattern, Pattern::bounded_sawtooth);
    EXPECT_FALSE(bounded.leak);
    ASSERT_TRUE(bounded.period_s.has_value());
    EXPECT_NEAR(*bounded.period_s, 15.0, 1.5);

    const double rate = 20e3;  // 20 KB/s under the teeth
    const Diagnosis leaking = diagnose(make_series(2000, 0.25, [&](double t) { return 100 * kMB + tooth(t) + rate * t; }, 50e3));
    EXPECT_EQ(leaking.pattern, Pattern::bounded_sawtooth);
    EXPECT_TRUE(leaking.leak);
    EXPECT_NEAR(leaking.steady_rate_bytes_per_s, rate, rate * 0.1);
}

TEST(Diagnose, AFloorRisingUnderTeethWhoseLowsScatterIsToldByTheWholeTeeth) {
    // The synthetic benchmark's bounded sawtooth, seed 314197: 21 concave teeth of 100 MB, 8 readings
    // each, over a live heap leaking 31.5 kB/s. Where the reading nearest a tooth's bottom lands moves its
    // trough by up to a tenth of a tooth, and the troughs alone left the rise unproven (95% CI -833 B/s to
    // 35.2 kB/s): "no leak". The teeth's medians prove it, and the troughs rise with them.
    const auto labelled = synthetic::generate(Pattern::bounded_sawtooth, 314197);
    ASSERT_TRUE(labelled.leak);
    const Diagnosis d = diagnose_process(labelled.series).verdict;
    EXPECT_EQ(d.pattern, Pattern::bounded_sawtooth) << d.summary;
    ASSERT_TRUE(d.leak) << d.summary;
    EXPECT_GT(d.rate_ci_low_bytes_per_s, 0) << d.summary;
    EXPECT_LE(d.rate_ci_low_bytes_per_s, labelled.true_rate_bytes_per_s) << d.summary;
    EXPECT_GE(d.rate_ci_high_bytes_per_s, labelled.true_rate_bytes_per_s) << d.summary;
}

TEST(Diagnose, TeethGrowingTallerOverAFlatFloorAreNoLeak) {
    // More load, bigger batches: a buffer truncated to a flat 900 MB whose teeth grow from 60 to 100 MB
    // over the run, eight readings a tooth. The teeth's medians climb with them; the troughs do not, and
    // the floor, not the peaks, is what a leak raises.
    const double period = 50, dt = 6.25;
    const Diagnosis d = diagnose(make_series(192, dt, [&](double t) {
        const double amplitude = (60 + 40 * t / 1200) * kMB;
        return 900 * kMB + amplitude * std::fmod(t, period) / period;
    }, 2 * kMB, 7));
    EXPECT_EQ(d.pattern, Pattern::bounded_sawtooth) << d.summary;
    EXPECT_FALSE(d.leak) << d.summary;
}

TEST(Diagnose, PeriodicSpikesAreReleased) {
    // A 50 MB batch for 6 s every 60 s.
    const Diagnosis d = diagnose(make_series(3000, 0.5, [](double t) {
        return 120 * kMB + (std::fmod(t, 60.0) < 6.0 ? 50 * kMB : 0.0);
    }, 40e3));
    EXPECT_EQ(d.pattern, Pattern::periodic_spikes);
    EXPECT_FALSE(d.leak);
    ASSERT_TRUE(d.period_s.has_value());
    EXPECT_NEAR(*d.period_s, 60.0, 3.0);
}

TEST(Diagnose, StaircaseThatNeverComesDown) {
    const Diagnosis d = diagnose(make_series(1200, 1.0, [](double t) { return 300 * kMB + 16 * kMB * std::floor(t / 200.0); }, 100e3));
    EXPECT_EQ(d.pattern, Pattern::staircase_growth);
    EXPECT_TRUE(d.leak);
    EXPECT_GE(d.change_points_s.size(), 5u);
}

TEST(Diagnose, StepsOfTheAllocatorsQuantumAreSteadyGrowth) {
    // CPython's pymalloc maps 1 MiB arenas: a Python list of log records growing 255 kB/s reaches the
    // tracker as one more arena every ~4 s (examples/patterns/python/log_buffer_leak.py read "grows in
    // 3 steps"). Through that allocator it is steady growth; the same steps without the quantum known
    // are a staircase.
    const Series series = make_series(140, 0.1, [](double t) { return 22 * kMB + 1048576.0 * std::floor((t + 1.0) / 4.1); }, 5e3);
    EXPECT_EQ(diagnose(series).pattern, Pattern::staircase_growth);
    const Diagnosis d = diagnose(series, {.allocation_quantum_bytes = 1048576.0});
    EXPECT_EQ(d.pattern, Pattern::linear_growth) << d.summary;
    EXPECT_TRUE(d.leak);
    EXPECT_NEAR(d.steady_rate_bytes_per_s, 1048576.0 / 4.1, 0.35 * 1048576.0 / 4.1);
    // Taller steps are the program's own, whatever the quantum.
    const Series tall = make_series(1200, 1.0, [](double t) { return 300 * kMB + 16 * kMB * std::floor(t / 200.0); }, 100e3);
    EXPECT_EQ(diagnose(tall, {.allocation_quantum_bytes = 1048576.0}).pattern, Pattern::staircase_growth);
}

TEST(Diagnose, AStepOfDoublingContainersInsideALeakIsNoWarmupTail) {
    // geo_gateway_referer_leak's live heap, tracked: 37.5 MB loaded in the first second, then referers
    // kept in 240 vectors at ~45 kB/s, whose capacities doubled together at 11 s (+0.12 MB). The line
    // through the second half sat above everything before the step: the warm-up "lasted" 10.6 s and the
    // leak was undecided, three warm-up lengths not watched yet.
    const Diagnosis d = diagnose(testing::load_live_heap("geo_gateway_referer_leak.csv"));
    EXPECT_TRUE(d.leak) << d.summary;
    EXPECT_TRUE(d.decided) << d.summary;
    EXPECT_LT(d.warmup_end_s, 2.0) << d.summary;
    EXPECT_NEAR(d.steady_rate_bytes_per_s, 48e3, 8e3) << d.summary;  // by construction ~48 kB/s
}

// A hash table that doubles its capacity as entries pile up, on the tracker's exact live heap (a C
// connection-tracking table whose flows never expire, 18 s at 10 Hz): 0.33 MB, then 0.60, 1.12, 2.17,
// 4.27 and 8.46 MB, each rest about twice as long as the one before. Most pairs of points are tied
// within a step, and a line's residuals are one run on each side.
TEST(Diagnose, AFewDoublingStepsThatNeverComeDownAreALeak) {
    const Diagnosis d = diagnose(testing::load_live_heap("conntrack_table_doubling_leak.csv"));
    EXPECT_TRUE(d.leak) << d.summary;
    EXPECT_TRUE(d.decided) << d.summary;
    EXPECT_EQ(d.pattern, Pattern::staircase_growth) << d.summary;
    EXPECT_GT(d.rate_ci_low_bytes_per_s, 0) << d.summary;
}

TEST(Diagnose, StepsThatStoppedAreNoLeakFromTheStepsAlone) {
    // The same steps up to 6.9 s, then a rest of 11 s, longer than any between them: a table grown to
    // the size it needs, a warm-up in steps.
    Series stopped = testing::load_live_heap("conntrack_table_doubling_leak.csv");
    for (double& bytes : stopped.value) bytes = std::min(bytes, 4267064.0);
    EXPECT_FALSE(diagnose(stopped).leak) << diagnose(stopped).summary;
    // Steps that also come down are no staircase that only rises: 4.27 MB falls back to 2.17 MB for 2 s.
    Series down = testing::load_live_heap("conntrack_table_doubling_leak.csv");
    for (std::size_t i = 0; i < down.t_s.size(); ++i)
        if (down.t_s[i] >= 10.0 && down.t_s[i] < 12.0) down.value[i] = 2169912;
    EXPECT_FALSE(diagnose(down).leak) << diagnose(down).summary;
}

TEST(Diagnose, AcceleratingGrowthReportsTodaysRate) {
    // Quadratic: slope 1 KB/s at the start, 11 KB/s at the end of 2000 s.
    const Diagnosis d = diagnose(make_series(2000, 1.0, [](double t) { return 200 * kMB + 1024.0 * t + 2.56 * t * t; }, 50e3));
    EXPECT_EQ(d.pattern, Pattern::accelerating_growth);
    EXPECT_TRUE(d.leak);
    // Mean slope over the last third: 1024 + 2 * 2.56 * 1666.7 = 9557 B/s.
    EXPECT_NEAR(d.steady_rate_bytes_per_s, 9557.0, 9557.0 * 0.1);
}

TEST(Diagnose, ALeaksRateIsTheLastHalfsOnlyWhereThatHalfProvesIt) {
    // A linear leak whose middle third climbs as fast as its last one is reported at the last half's
    // pace; on 46 noisy readings that half alone had an interval reaching zero, and the report read
    // "Leak: steady growth of 138 MB/h (95% CI -8.38 MB/h to 232 MB/h)". The whole steady part's rate,
    // the one that proved the leak, stands then.
    const Diagnosis d = diagnose(testing::load_live_heap("generated_linear_last_half_unsure.csv"));
    ASSERT_TRUE(d.leak) << d.summary;
    EXPECT_GT(d.rate_ci_low_bytes_per_s, 0) << d.summary;
    EXPECT_LE(d.rate_ci_low_bytes_per_s, d.steady_rate_bytes_per_s);
    EXPECT_NEAR(d.steady_rate_bytes_per_s, 35.6e3, 0.2 * 35.6e3) << d.summary;
}

TEST(Diagnose, StepsAfterALongFlatStretchAreMeasuredFromTheirStart) {
    // The synthetic benchmark's late-onset class, seed 314561 at up to 100,000 samples: flat for 54% of
    // a 2.3 h run, then 7.65 kB/s. Only the climb from its start proved growth, but the climb also read as
    // two steps, and the staircase kept the whole steady part's rate: "Leak: grows in 2 steps ...,
    // 11.7 MB/h (95% CI 0 B/h to 27.0 MB/h)".
    const auto labelled = synthetic::generate(synthetic::RealProgramClass::late_onset, 314561, {.max_samples = 100'000});
    const Diagnosis d = diagnose_process(labelled.series).verdict;
    ASSERT_TRUE(d.leak) << d.summary;
    EXPECT_GT(d.rate_ci_low_bytes_per_s, 0) << d.summary;
    EXPECT_NEAR(d.steady_rate_bytes_per_s, labelled.true_rate_bytes_per_s, 0.1 * labelled.true_rate_bytes_per_s) << d.summary;
}

TEST(Diagnose, TinyGrowthBelowThePracticalFloorIsNotALeak) {
    // 20 B/s on 1 GB: significant over a long clean run, but 0.007% per hour.
    const Diagnosis d = diagnose(make_series(5000, 10.0, [](double t) { return 1024 * kMB + 20.0 * t; }, 2e3));
    EXPECT_FALSE(d.leak);
    EXPECT_NE(d.summary.find("below the practical floor"), std::string::npos) << d.summary;
}

TEST(Diagnose, GrowthInsideItsOwnNoiseIsSaidSoNotCalledBelowTheFloor) {
    // 50 B/s over 5.5 h on 100 MB (0.18%/h, above the 0.1%/h floor), proven by 20,000 readings, but 1 MB
    // in all under 5 MB of noise: no leak, and the summary said "below the practical floor", which it is not.
    const Diagnosis d = diagnose(make_series(20'000, 1.0, [](double t) { return 100 * kMB + 50.0 * t; }, 5 * kMB, 3));
    ASSERT_GT(d.rate_ci_low_bytes_per_s, 0) << "the premise: " << d.summary;
    EXPECT_FALSE(d.leak) << d.summary;
    EXPECT_NE(d.summary.find("stand out of its noise"), std::string::npos) << d.summary;
    EXPECT_EQ(d.summary.find("below the practical floor"), std::string::npos) << d.summary;
}

TEST(Diagnose, SustainedUsageNearTheLimitIsSevereWithoutALeak) {
    const Diagnosis d = diagnose(make_series(500, 1.0, [](double) { return 950 * kMB; }, 1e5), {.limit_bytes = 1000 * kMB});
    EXPECT_FALSE(d.leak);
    EXPECT_GT(d.fraction_of_samples_near_limit, 0.99);
    EXPECT_EQ(d.severity, Severity::high);
}

TEST(Diagnose, SameSeriesSameVerdict) {
    const Series series = make_series(50'000, 0.2, [](double t) { return 500 * kMB + 300.0 * t + 5 * kMB * std::sin(t / 30); }, 2e5);
    const Diagnosis first = diagnose(series), second = diagnose(series);
    EXPECT_EQ(first.pattern, second.pattern);
    EXPECT_EQ(first.steady_rate_bytes_per_s, second.steady_rate_bytes_per_s);
    EXPECT_EQ(first.rate_ci_low_bytes_per_s, second.rate_ci_low_bytes_per_s);
    EXPECT_EQ(first.summary, second.summary);
}

TEST(Diagnose, MillionPointsUnderOneSecondOfCpu) {
    const Series series = make_series(1'000'000, 0.1, [](double t) { return 400 * kMB + 50.0 * t + 2 * kMB * std::sin(t / 50); }, 2e5);
    const std::clock_t start = std::clock();
    const Diagnosis d = diagnose(series);
    const double cpu_s = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
    EXPECT_LT(cpu_s, 1.0);
    EXPECT_NE(d.pattern, Pattern::insufficient_data);
}

TEST(Names, RoundTrip) {
    for (int k = 0; k <= static_cast<int>(Pattern::insufficient_data); ++k) {
        const auto pattern = static_cast<Pattern>(k);
        EXPECT_EQ(pattern_from_string(to_string(pattern)), pattern);
    }
    EXPECT_FALSE(pattern_from_string("leaky").has_value());
    EXPECT_EQ(to_string(Severity::critical), "critical");
}

}  // namespace
}  // namespace leakscope::diagnosis

namespace leakscope::diagnosis {
namespace {

TEST(Diagnose, DegenerateSeriesDoNotCrash) {
    using testing::make_series;
    // All zeros (a site that never held memory), constant, one late step, small counts, huge values.
    const Diagnosis zeros = diagnose(make_series(500, 1.0, [](double) { return 0.0; }, 0));
    EXPECT_EQ(zeros.pattern, Pattern::stable);
    EXPECT_FALSE(zeros.leak);
    const Diagnosis constant = diagnose(make_series(500, 1.0, [](double) { return 4096.0; }, 0));
    EXPECT_EQ(constant.pattern, Pattern::stable);
    const Diagnosis first_use = diagnose(make_series(500, 1.0, [](double t) { return t < 20 ? 0.0 : 1e6; }, 0));
    EXPECT_EQ(first_use.pattern, Pattern::warmup_plateau);
    EXPECT_NEAR(first_use.warmup_bytes, 1e6, 1e3);
    // A cache gaining an entry a minute, for ever: the floor is relative to the series' own level, so a
    // small gauge leaking one unit a minute is a leak; an absolute floor a caller sets still applies.
    const Series entry_series = make_series(300, 30.0, [](double t) { return std::floor(t / 60.0); }, 0);
    EXPECT_TRUE(diagnose(entry_series).leak);
    EXPECT_FALSE(diagnose(entry_series, {.practical_floor_bytes_per_s = 64}).leak);
    const Diagnosis huge = diagnose(make_series(300, 1.0, [](double t) { return 1e15 + 1e9 * t; }, 1e8));
    EXPECT_TRUE(huge.leak);
    EXPECT_NEAR(huge.steady_rate_bytes_per_s, 1e9, 1e7);
}

}  // namespace
}  // namespace leakscope::diagnosis
