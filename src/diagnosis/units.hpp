// Human units for bytes, rates and durations ("24.1 MB", "31.0 MB/h", "300 B/s", "9.8 days").
// The one byte formatter of the whole tree (CLI, HTML, Markdown, terminal, summaries, the library):
// decimal SI multiples, 1 kB = 1000 B, 1 MB = 10^6 B, so a label always says what the arithmetic did.
// format_bytes_binary is for quantities that are 1024-based by definition (--sample-bytes 512K, the
// kernel's page counts) and labels them KiB/MiB.
#pragma once

#include <string>
#include <utility>

namespace leakscope::diagnosis {

/// "512 B", "3.40 kB", "24.1 MB", "465 MB", "2.18 GB": three significant digits, powers of 1000
/// (`significant` more for the ends of a tight interval, see interval_digits; whole bytes stay whole).
/// Negative values keep their sign; show_sign adds "+" to positive ones. Non-finite: "n/a".
std::string format_bytes(double bytes, bool show_sign = false, int significant = 3);
/// "512 KiB", "1.50 MiB": powers of 1024, for sizes that are binary by definition.
std::string format_bytes_binary(double bytes);
/// Always per second: "300 B/s", "+1.20 kB/s" with show_sign.
std::string format_rate_per_s(double bytes_per_s, bool show_sign = false, int significant = 3);
/// Always per hour: "31.0 MB/h".
std::string format_rate_per_h(double bytes_per_s, bool show_sign = false, int significant = 3);
/// Picks the unit a person reads most easily: per hour when the hourly figure is at least 10 MB and
/// the per-second figure under 1 MB/s (leaks of services), per second otherwise.
std::string format_rate(double bytes_per_s, bool show_sign = false);
/// The significant digits (3 to 5) that the two ends of an interval need to read apart when
/// `show(value, digits)` prints them: a long run's rate interval of 1.457 to 1.461 GB/h printed "1.46 GB/h
/// to 1.46 GB/h" with three, which reads as no interval at all. Ends that are equal stay at 3.
template <typename Show>
int interval_digits(double low, double high, Show&& show) {
    int digits = 3;
    if (!(low < high)) return digits;
    while (digits < 5 && show(low, digits) == show(high, digits)) ++digits;
    return digits;
}
/// Both ends of an interval as `show(value, digits)` prints them, in the digits interval_digits finds.
template <typename Show>
std::pair<std::string, std::string> interval_ends(double low, double high, Show&& show) {
    const int digits = interval_digits(low, high, show);
    return {show(low, digits), show(high, digits)};
}

/// "850 ms", "1.8 s", "12 min 30 s", "3 h 30 min", "9.8 days": the one duration style of every report.
std::string format_duration(double seconds);

/// The decimal unit for an axis or a column whose largest value is `max_abs`: ("MB", 1e6).
struct ByteUnit {
    double divisor = 1;
    const char* name = "B";
};
ByteUnit byte_unit_for(double max_abs);

}  // namespace leakscope::diagnosis
