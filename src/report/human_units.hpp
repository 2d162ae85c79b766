// Numbers as a person reads them: bytes, rates, durations, percentages, counts.
// Bytes come from the one formatter of the tree (src/diagnosis/units.hpp: decimal, 1 MB = 10^6 B), so
// the diagnosis's summary sentences and the reports' tables agree. Durations too; the reports keep their own count
// style; every human report (HTML, Markdown, terminal) goes through this header.
#pragma once

#include <string>

#include "diagnosis/units.hpp"

namespace leakscope::report {

/// "512 B", "3.40 kB", "465 MB", "2.18 GB" (diagnosis::format_bytes: powers of 1000).
using diagnosis::format_bytes;
using diagnosis::format_bytes_binary;
/// A decimal byte unit for an axis whose largest value is `max_abs`: ("MB", 1e6).
using diagnosis::ByteUnit;
using diagnosis::byte_unit_for;

/// "1.2 MB/s"-style rate with the given time suffix ("s", "h", "event").
std::string format_rate(double bytes_per_unit, const char* unit, int significant = 3);

/// "98.1 MB/h, 106 MB/h": an interval's ends as format_rate prints them, with the digits that tell them
/// apart where three would print one figure twice (diagnosis::interval_digits), joined by `separator`.
std::string format_rate_interval(double low, double high, const char* unit, const char* separator);
/// The same for byte amounts ("per event" intervals).
std::string format_bytes_interval(double low, double high, const char* separator);

/// "850 ms", "42.0 s", "12 min 30 s", "5 h 20 min", "3.2 days" (diagnosis::format_duration).
using diagnosis::format_duration;

/// "93%" from 0.93.
std::string format_percent(double fraction);

/// A plain count with thousands separators: "1,234,567".
std::string format_count(double count);

/// A count with its noun: "1 sample", "2,400 samples" (the plural adds an "s").
std::string format_count_of(double count, const char* noun);

}  // namespace leakscope::report
