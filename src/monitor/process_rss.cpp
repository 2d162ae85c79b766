#include "monitor/process_rss.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>

namespace leakscope::detail {

std::optional<double> process_rss_bytes() {
    const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    char text[128];
    ssize_t length;
    do {
        length = ::read(fd, text, sizeof text - 1);
    } while (length < 0 && errno == EINTR);
    ::close(fd);
    if (length <= 0) return std::nullopt;
    // "size resident shared text lib data dt", in pages: the second field is RSS.
    const char* cursor = text;
    const char* end = text + length;
    std::uint64_t size_pages = 0, resident_pages = 0;
    auto parsed = std::from_chars(cursor, end, size_pages);
    if (parsed.ec != std::errc{} || parsed.ptr >= end || *parsed.ptr != ' ') return std::nullopt;
    parsed = std::from_chars(parsed.ptr + 1, end, resident_pages);
    if (parsed.ec != std::errc{}) return std::nullopt;
    const long page = ::sysconf(_SC_PAGESIZE);
    return static_cast<double>(resident_pages) * static_cast<double>(page > 0 ? page : 4096);
}

}  // namespace leakscope::detail
