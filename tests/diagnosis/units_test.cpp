#include "diagnosis/units.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace leakscope::diagnosis {
namespace {

TEST(Units, BytesAreDecimalWithThreeDigits) {
    EXPECT_EQ(format_bytes(512), "512 B");
    EXPECT_EQ(format_bytes(999), "999 B");
    EXPECT_EQ(format_bytes(1000), "1.00 kB");
    EXPECT_EQ(format_bytes(3400), "3.40 kB");
    EXPECT_EQ(format_bytes(24.1e6), "24.1 MB");
    EXPECT_EQ(format_bytes(465e6), "465 MB");
    // The figures: 50,352,128 B was shown as "48.0 MB" (computed in 2^20); it is 50.4 MB.
    EXPECT_EQ(format_bytes(50352128), "50.4 MB");
    EXPECT_EQ(format_bytes(25276071936.0), "25.3 GB");
    EXPECT_EQ(format_bytes(999.7e3), "1.00 MB");  // rounds up into the next unit, never "1000 kB"
    EXPECT_EQ(format_bytes(-3000), "-3.00 kB");
    EXPECT_EQ(format_bytes(3000, true), "+3.00 kB");
    EXPECT_EQ(format_bytes(0.2), "0 B");
    EXPECT_EQ(format_bytes(-0.2), "0 B");
    EXPECT_EQ(format_bytes(NAN), "n/a");
}

TEST(Units, BinaryOnlyWhereTheArithmeticIs) {
    EXPECT_EQ(format_bytes_binary(512 * 1024.0), "512 KiB");  // --sample-bytes 512K
    EXPECT_EQ(format_bytes_binary(1.5 * 1024 * 1024), "1.50 MiB");
    EXPECT_EQ(format_bytes_binary(100), "100 B");
}

TEST(Units, AxisUnitMatchesTheLabels) {
    EXPECT_STREQ(byte_unit_for(999).name, "B");
    EXPECT_STREQ(byte_unit_for(1000).name, "kB");
    EXPECT_DOUBLE_EQ(byte_unit_for(4e8).divisor, 1e6);
    EXPECT_STREQ(byte_unit_for(4e8).name, "MB");
    EXPECT_STREQ(byte_unit_for(2.5e9).name, "GB");
}

TEST(Units, Rates) {
    EXPECT_EQ(format_rate(31e6 / 3600.0), "31.0 MB/h");  // the brief's logger leak
    EXPECT_EQ(format_rate(300, true), "+300 B/s");       // under 10 MB/h: per second
    EXPECT_EQ(format_rate(5e6), "5.00 MB/s");
    EXPECT_EQ(format_rate_per_h(31e6 / 3600.0 * 72), "2.23 GB/h");
    EXPECT_EQ(format_rate_per_s(-64, true), "-64 B/s");
}

// A long run's rate interval is tight: 1.4573 to 1.4608 GB/h printed "1.46 GB/h to 1.46 GB/h" (the
// terminal summary of unbounded_cache, 8 s), which reads as no interval at all. Its ends take the digits
// that tell them apart; every other label keeps three.
TEST(Units, AnIntervalsEndsReadApart) {
    EXPECT_EQ(format_bytes(1.4573e9, false, 4), "1.457 GB");
    EXPECT_EQ(format_bytes(1.4573e9, false, 5), "1.4573 GB");
    EXPECT_EQ(format_bytes(14.573e6, false, 4), "14.57 MB");
    EXPECT_EQ(format_bytes(145.73e6, false, 4), "145.7 MB");
    EXPECT_EQ(format_bytes(9.9996e3, false, 4), "10.00 kB");  // rounding up keeps the digit count
    EXPECT_EQ(format_bytes(405, false, 5), "405 B") << "whole bytes stay whole";
    auto per_hour = [](double v, int digits) { return format_rate_per_h(v, false, digits); };
    const double low = 1.4573e9 / 3600, high = 1.4608e9 / 3600;
    const int digits = interval_digits(low, high, per_hour);
    EXPECT_EQ(digits, 4);
    EXPECT_EQ(per_hour(low, digits), "1.457 GB/h");
    EXPECT_EQ(per_hour(high, digits), "1.461 GB/h");
    EXPECT_EQ(interval_digits(1e6 / 3600, 2e6 / 3600, per_hour), 3) << "ends that differ keep three digits";
    EXPECT_EQ(interval_digits(low, low, per_hour), 3) << "a point stays a point";
    EXPECT_EQ(interval_digits(low, low * (1 + 1e-9), per_hour), 5) << "at most five";
}

TEST(Units, Durations) {
    EXPECT_EQ(format_duration(0.85), "850 ms");
    EXPECT_EQ(format_duration(1.8), "1.8 s");
    EXPECT_EQ(format_duration(750), "12 min 30 s");
    EXPECT_EQ(format_duration(120), "2 min");
    EXPECT_EQ(format_duration(72 * 3600.0), "3.0 days");
    EXPECT_EQ(format_duration(3.5 * 3600), "3 h 30 min");
}

}  // namespace
}  // namespace leakscope::diagnosis
