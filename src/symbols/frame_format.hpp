// How a frame is written in reports: "function (file:line)", or "function (module+0xoffset)" when the
// object has no line information (report-schema.json, hot_sites[].stack).
#pragma once

#include <string>
#include <string_view>

#include "model/recording.hpp"

namespace leakscope::symbols {

/// The last component of a path: "/src/app/cache.cpp" -> "cache.cpp". Empty for an empty path.
std::string_view short_file_name(std::string_view path);

/// "ns::f(int) (cache.cpp:42)", "ns::f(int) (cache.cpp)" without a line, "f (libx.so+0x1a2b)" without a
/// file, "?? (0x7f12...)" for an address outside every module.
std::string format_frame(const ResolvedFrame& frame);

}  // namespace leakscope::symbols
