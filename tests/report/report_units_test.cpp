// Human units, chart primitives, downsampling and the sparkline.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "report/human_units.hpp"
#include "report/report_facts.hpp"
#include "report/series_view.hpp"
#include "report/svg_chart.hpp"
#include "report/sparkline.hpp"

namespace leakscope::report {
namespace {

constexpr double kMB = 1e6;  // decimal, as every report prints

TEST(ReportUnits, BytesUseDecimalUnitsWithThreeDigits) {
    EXPECT_EQ(format_bytes(0), "0 B");
    EXPECT_EQ(format_bytes(999), "999 B");
    EXPECT_EQ(format_bytes(1000), "1.00 kB");
    EXPECT_EQ(format_bytes(1536), "1.54 kB");
    EXPECT_EQ(format_bytes(465 * kMB), "465 MB");
    EXPECT_EQ(format_bytes(12.34 * kMB), "12.3 MB");
    EXPECT_EQ(format_bytes(8 * 1000 * kMB), "8.00 GB");
    EXPECT_EQ(format_bytes(-3 * kMB), "-3.00 MB");
    EXPECT_EQ(format_bytes(-0.3), "0 B") << "no negative zero";
    EXPECT_EQ(format_bytes(std::numeric_limits<double>::quiet_NaN()), "n/a");
}

// A tight interval (a long or very regular run) reads as an interval: its ends take the digits that tell
// them apart, in the terminal's and the Markdown's rate rows and the HTML tile alike.
TEST(ReportUnits, ATightIntervalsEndsReadApart) {
    EXPECT_EQ(signed_interval(1.4573e9, 1.4608e9, "h"), "+1.457 GB/h to +1.461 GB/h");
    EXPECT_EQ(signed_interval(98.1e6, 106e6, "h"), "+98.1 MB/h to +106 MB/h");
    EXPECT_EQ(signed_interval(-263e6, -25.9e6, "h"), "-263 MB/h to -25.9 MB/h");
    diagnosis::Diagnosis d;
    d.steady_rate_bytes_per_s = 405.1e3;
    d.rate_ci_low_bytes_per_s = 404.9e3;
    d.rate_ci_high_bytes_per_s = 405.4e3;
    EXPECT_EQ(rate_with_interval(d, 1, "s"), "+405 kB/s (95% interval +404.9 kB/s to +405.4 kB/s)");
    EXPECT_EQ(rate_with_interval(d, 3600, "h"), "+1.46 GB/h (95% interval +1.458 GB/h to +1.459 GB/h)");
    // The bracketed intervals of `compare`, `watch` and the fleet tables.
    EXPECT_EQ(format_rate_interval(1.4573e9, 1.4608e9, "h", ", "), "1.457 GB/h, 1.461 GB/h");
    EXPECT_EQ(format_bytes_interval(2.031e3, 2.034e3, ", "), "2.031 kB, 2.034 kB");
    EXPECT_EQ(format_bytes_interval(1.9e3, 2.4e3, ", "), "1.90 kB, 2.40 kB");
}

TEST(ReportUnits, DurationsReadNaturally) {
    EXPECT_EQ(format_duration(0.25), "250 ms");
    EXPECT_EQ(format_duration(42), "42.0 s");
    EXPECT_EQ(format_duration(750), "12 min 30 s");
    EXPECT_EQ(format_duration(600), "10 min");
    EXPECT_EQ(format_duration(72 * 3600), "3.0 days");
    EXPECT_EQ(format_duration(5 * 3600 + 20 * 60), "5 h 20 min");
    EXPECT_EQ(format_duration(7200), "2 h");
}

TEST(ReportUnits, CountsAndPercents) {
    EXPECT_EQ(format_count(1234567), "1,234,567");
    EXPECT_EQ(format_count_of(1, "sample"), "1 sample");
    EXPECT_EQ(format_count_of(2400, "sample"), "2,400 samples");
    EXPECT_EQ(format_count(999), "999");
    EXPECT_EQ(format_count(0), "0");
    EXPECT_EQ(format_percent(0.934), "93%");
}

TEST(ReportSvg, NiceStepsAreOneTwoOrFiveTimesAPowerOfTen) {
    EXPECT_DOUBLE_EQ(svg::nice_step(100, 5), 20);
    EXPECT_DOUBLE_EQ(svg::nice_step(7, 5), 2);
    EXPECT_DOUBLE_EQ(svg::nice_step(0.3, 5), 0.1);
    EXPECT_DOUBLE_EQ(svg::nice_step(1000, 4), 500);
}

TEST(ReportSvg, ByteTicksShareOneUnitAndCoverTheRange) {
    auto ticks = svg::byte_ticks(400 * kMB, 700 * kMB, 5);
    ASSERT_GE(ticks.size(), 3u);
    for (const auto& tick : ticks) {
        EXPECT_GE(tick.value, 400 * kMB - 1);
        EXPECT_LE(tick.value, 700 * kMB + 1);
        EXPECT_NE(tick.label.find("MB"), std::string::npos) << tick.label;
    }
    EXPECT_EQ(ticks.front().label, "400 MB");
    EXPECT_EQ(svg::byte_ticks(0, 2 * kMB, 4).front().label, "0");
}

TEST(ReportSvg, TimeTicksPickAUnitForTheSpan) {
    auto seconds = svg::time_ticks(0, 60);
    EXPECT_EQ(seconds[1].label, "10 s");
    auto minutes = svg::time_ticks(0, 1800);
    EXPECT_EQ(minutes[1].label, "5 min");
    auto hours = svg::time_ticks(0, 86400);
    EXPECT_EQ(hours[1].label, "3 h");
    auto days = svg::time_ticks(0, 7 * 86400);
    EXPECT_EQ(days[1].label, "1 d");
    EXPECT_LE(days.size(), 9u);
}

TEST(ReportSvg, MemoryRangeDoesNotMagnifyNoise) {
    // 1% of noise around 500 MB must not fill the chart: the range spans at least 10% of the top.
    svg::Range range = svg::memory_range(495 * kMB, 505 * kMB);
    EXPECT_GE(range.hi - range.lo, 0.1 * 505 * kMB);
    EXPECT_LE(range.lo, 495 * kMB);
    EXPECT_GE(range.hi, 505 * kMB);
    // Data near zero start the axis at zero.
    EXPECT_EQ(svg::memory_range(10 * kMB, 300 * kMB).lo, 0);
}

TEST(ReportSvg, LinePathBreaksAtUnknownValues) {
    svg::Scale sx{0, 10, 0, 100}, sy{0, 10, 100, 0};
    double nan = std::numeric_limits<double>::quiet_NaN();
    std::string path = svg::line_path({0, 1, 2, 3, 4}, {1, 2, nan, 4, 5}, sx, sy);
    EXPECT_EQ(path, "M0 90L10 80M30 60L40 50");
    EXPECT_EQ(svg::area_path({0, 10}, {0, 0}, {5, 10}, sx, sy), "M0 50L100 0L100 100L0 100Z");
}

TEST(ReportSeries, DownsamplingKeepsSpikesAndBoundsThePointCount) {
    GaugeSeries series;
    for (int i = 0; i < 86400; ++i) {
        double v = 100 * kMB + (i == 40000 ? 50 * kMB : 0) - (i == 70000 ? 30 * kMB : 0);
        series.t_s.push_back(i);
        series.value.push_back(v);
        series.low.push_back(v);
        series.high.push_back(v);
    }
    GaugeSeries reduced = downsample_min_max(series, kMaxChartPoints);
    EXPECT_LE(reduced.t_s.size(), kMaxChartPoints);
    EXPECT_GE(reduced.t_s.size(), kMaxChartPoints / 2);
    EXPECT_DOUBLE_EQ(*std::max_element(reduced.value.begin(), reduced.value.end()), 150 * kMB);
    EXPECT_DOUBLE_EQ(*std::min_element(reduced.value.begin(), reduced.value.end()), 70 * kMB);
    EXPECT_TRUE(std::is_sorted(reduced.t_s.begin(), reduced.t_s.end()));
}

TEST(ReportSeries, ShortSeriesPassThroughWithoutUnknownPoints) {
    GaugeSeries series{{0, 1, 2}, {1, std::numeric_limits<double>::quiet_NaN(), 3}, {1, 0, 3}, {1, 0, 3}};
    GaugeSeries reduced = downsample_min_max(series, 100);
    EXPECT_EQ(reduced.t_s, (std::vector<double>{0, 2}));
}

TEST(ReportSeries, GaugesThatWereNeverMeasuredAreAbsent) {
    Recording recording;
    SamplePoint s;
    s.rss = 1000;
    recording.samples = {s, s};
    EXPECT_TRUE(gauge_series(recording, Gauge::rss).has_value());
    EXPECT_FALSE(gauge_series(recording, Gauge::pss).has_value());
    EXPECT_FALSE(gauge_series(recording, Gauge::live_heap).has_value());
    EXPECT_FALSE(gauge_series(recording, Gauge::events).has_value());
}

TEST(ReportTerminal, SparklineRisesWithALeakAndStaysLowForNoise) {
    std::vector<double> rising, noisy;
    for (int i = 0; i < 600; ++i) {
        rising.push_back(100 + i);
        noisy.push_back(1000 + (i % 2 ? 5 : -5));
    }
    std::string up = sparkline(rising, 20);
    EXPECT_EQ(up.rfind("\u2581", 0), 0u) << up;                       // starts at the bottom
    EXPECT_EQ(up.substr(up.size() - 3), "\u2588") << up;              // ends at the top
    std::string flat = sparkline(noisy, 20);
    EXPECT_EQ(flat.find("\u2588"), std::string::npos) << flat;        // ±0.5% is no full bar
    EXPECT_EQ(sparkline({}, 20), "");
}

}  // namespace
}  // namespace leakscope::report
