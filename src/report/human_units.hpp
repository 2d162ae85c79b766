// Numbers as a person reads them: bytes in binary units, rates, durations, percentages.
// Units follow src/diagnosis/units.hpp (binary multiples labelled KB, MB, GB, as top and ps print them),
// so the diagnosis's summary sentences and the reports' tables agree. The reports keep this formatter
// of their own for three significant digits (tables and axes span B to GB) and their own duration and
// count styles; every human report (HTML, Markdown, terminal) goes through it.
#pragma once

#include <string>

namespace leakscope::report {

/// "512 B", "3.40 KB", "465 MB", "2.18 GB": three significant digits, binary multiples (1 KB = 1024 B).
/// Negative values keep their sign.
std::string format_bytes(double bytes);

/// "1.2 MB/s"-style rate with the given time suffix ("s", "h", "event").
std::string format_rate(double bytes_per_unit, const char* unit);

/// "850 ms", "42.0 s", "12 min 30 s", "5 h 20 min", "3.2 days".
std::string format_duration(double seconds);

/// "93%" from 0.93.
std::string format_percent(double fraction);

/// A plain count with thousands separators: "1,234,567".
std::string format_count(double count);

/// A byte unit for an axis whose largest value is `max_abs`: divisor and name ("MB", 1048576).
struct ByteUnit {
    double divisor = 1;
    const char* name = "B";
};
ByteUnit byte_unit_for(double max_abs);

}  // namespace leakscope::report
