#include "diagnosis/units.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace leakscope::diagnosis {
namespace {

constexpr double kMB = 1024.0 * 1024.0;

TEST(Units, Bytes) {
    EXPECT_EQ(format_bytes(512), "512 B");
    EXPECT_EQ(format_bytes(24.1 * kMB), "24.1 MB");
    EXPECT_EQ(format_bytes(2.2 * 1024 * kMB), "2.2 GB");
    EXPECT_EQ(format_bytes(1023.99 * 1024), "1.0 MB");  // rounds up into the next unit
    EXPECT_EQ(format_bytes(-3 * 1024.0), "-3.0 KB");
    EXPECT_EQ(format_bytes(NAN), "n/a");
}

TEST(Units, Rates) {
    EXPECT_EQ(format_rate(31.0 * kMB / 3600.0), "31.0 MB/h");  // the brief's logger leak
    EXPECT_EQ(format_rate(0.3 * 1024, true), "+0.3 KB/s");     // under 1 MB/h: per second
    EXPECT_EQ(format_rate(5 * kMB), "5.0 MB/s");
    EXPECT_EQ(format_rate_per_h(31.0 * kMB / 3600.0 * 72), "2.2 GB/h");
    EXPECT_EQ(format_rate_per_s(-64, true), "-64 B/s");
}

TEST(Units, Durations) {
    EXPECT_EQ(format_duration(0.85), "850 ms");
    EXPECT_EQ(format_duration(1.8), "1.8 s");
    EXPECT_EQ(format_duration(750), "12.5 min");
    EXPECT_EQ(format_duration(72 * 3600.0), "3.0 days");
    EXPECT_EQ(format_duration(3.5 * 3600), "3.5 h");
}

}  // namespace
}  // namespace leakscope::diagnosis
