// Human units for bytes, rates and durations ("24.1 MB", "31.0 MB/h", "0.3 KB/s", "9.8 days").
// Binary multiples (1 KB = 1024 B), as top, ps and most memory tools print them.
#pragma once

#include <string>

namespace leakscope::diagnosis {

/// "512 B", "24.1 MB", "-3.0 KB", "2.2 GB". Non-finite values print as "n/a".
std::string format_bytes(double bytes);
/// Always per second: "0.3 KB/s", "+0.3 KB/s" with show_sign.
std::string format_rate_per_s(double bytes_per_s, bool show_sign = false);
/// Always per hour: "31.0 MB/h".
std::string format_rate_per_h(double bytes_per_s, bool show_sign = false);
/// Picks the unit a person reads most easily: per hour when the hourly figure is at least 10 MB and
/// the per-second figure under 1 MB/s (leaks of services), per second otherwise.
std::string format_rate(double bytes_per_s, bool show_sign = false);
/// "850 ms", "1.8 s", "12.5 min", "3.5 h", "9.8 days".
std::string format_duration(double seconds);

}  // namespace leakscope::diagnosis
