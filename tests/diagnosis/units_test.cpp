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
