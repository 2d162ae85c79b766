#include "config.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace leakscope::tracker {
namespace {

bool parse_unsigned(const char* text, std::uint64_t& out) {
    if (!*text) return false;
    std::uint64_t value = 0;
    for (; *text; ++text) {
        if (*text < '0' || *text > '9') return false;
        if (value > (~0ull - 9) / 10) return false;
        value = value * 10 + static_cast<std::uint64_t>(*text - '0');
    }
    out = value;
    return true;
}

// Returns the value if `entry` is "name=value".
const char* value_of(const char* entry, const char* name) {
    std::size_t n = std::strlen(name);
    if (std::strncmp(entry, name, n) != 0 || entry[n] != '=') return nullptr;
    return entry + n + 1;
}

}  // namespace

void parse_config_into(Config& config, const char* block, std::size_t length) {
    std::size_t pos = 0;
    while (pos < length) {
        const char* entry = block + pos;
        std::size_t entry_length = strnlen(entry, length - pos);
        if (pos + entry_length >= length) break;  // unterminated last entry: ignore
        std::uint64_t number = 0;
        if (const char* v = value_of(entry, kSocketVariable)) {
            std::size_t len = std::strlen(v);
            if (len > 0 && len < sizeof(config.socket_path)) {
                std::memcpy(config.socket_path, v, len + 1);
                config.active = true;
            }
        } else if (const char* v = value_of(entry, kIntervalVariable)) {
            if (parse_unsigned(v, number) && number >= 1 && number <= 60000) config.interval_ms = static_cast<std::uint32_t>(number);
        } else if (const char* v = value_of(entry, kSampleBytesVariable)) {
            if (parse_unsigned(v, number)) config.sample_bytes = number;
        } else if (const char* v = value_of(entry, kSiteBudgetVariable)) {
            if (parse_unsigned(v, number) && number >= 64) config.site_bytes_per_s = number;
        } else if (const char* v = value_of(entry, kCheckUnwindVariable)) {
            config.check_unwind = parse_unsigned(v, number) && number == 1;
        } else if (const char* v = value_of(entry, kSampledOnBoundaryVariable)) {
            config.sampled_on_boundary = parse_unsigned(v, number) && number == 1;
        }
        pos += entry_length + 1;
    }
}

Config parse_config(const char* block, std::size_t length) {
    Config config;
    parse_config_into(config, block, length);
    return config;
}

Config read_config_from(int fd) {
    // The environment is usually a few KiB; a larger one is scanned in 16 KiB pieces, keeping a
    // partial entry at the start of the buffer. Every piece is parsed into the same settings, so no
    // setting can be left out of a merge (session 17's LEAKSCOPE_TRACKER_SAMPLED_ON_BOUNDARY was).
    static char buffer[16 * 1024];
    Config config;
    std::size_t kept = 0;
    for (;;) {
        long n = syscall(SYS_read, fd, buffer + kept, sizeof(buffer) - kept);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        std::size_t filled = kept + static_cast<std::size_t>(n);
        std::size_t last_nul = filled;
        while (last_nul > 0 && buffer[last_nul - 1] != '\0') --last_nul;
        if (last_nul == 0) {  // one entry larger than the buffer: skip it
            kept = 0;
            continue;
        }
        parse_config_into(config, buffer, last_nul);
        kept = filled - last_nul;
        std::memmove(buffer, buffer + last_nul, kept);
    }
    return config;
}

Config read_config() {
    int saved_errno = errno;
    long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/environ", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        errno = saved_errno;
        return Config{};
    }
    const Config config = read_config_from(static_cast<int>(fd));
    syscall(SYS_close, fd);
    errno = saved_errno;
    return config;
}

}  // namespace leakscope::tracker
