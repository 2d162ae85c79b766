#include "symbols/frame_format.hpp"

#include <fmt/format.h>

namespace leakscope::symbols {

std::string_view short_file_name(std::string_view path) {
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    const std::size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string format_frame(const ResolvedFrame& frame) {
    const std::string_view function = frame.function.empty() ? std::string_view("??") : std::string_view(frame.function);
    if (!frame.file.empty()) {
        if (frame.line > 0) return fmt::format("{} ({}:{})", function, short_file_name(frame.file), frame.line);
        return fmt::format("{} ({})", function, short_file_name(frame.file));
    }
    if (!frame.module.empty()) return fmt::format("{} ({}+{:#x})", function, short_file_name(frame.module), frame.module_offset);
    return fmt::format("{} ({:#x})", function, frame.module_offset);
}

}  // namespace leakscope::symbols
