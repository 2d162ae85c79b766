// The tracker's settings, read once from the process's initial environment (/proc/self/environ, with
// raw system calls: no getenv, no allocation, valid even before libc has set `environ` up).
#pragma once

#include <cstdint>

namespace leakscope::tracker {

struct Config {
    bool active = false;              ///< LEAKSCOPE_TRACKER_SOCKET is set
    char socket_path[108] = {};       ///< sun_path of the collector's socket
    std::uint32_t interval_ms = 100;  ///< LEAKSCOPE_TRACKER_INTERVAL_MS
    std::uint64_t sample_bytes = 0;   ///< LEAKSCOPE_TRACKER_SAMPLE_BYTES; 0 = track every allocation
    /// LEAKSCOPE_TRACKER_SITE_BYTES_PER_S: sustained budget for per-site updates on the stream. With the
    /// totals (~2.6 MB/h at 100 ms) the default keeps the stream under ~17 MB/h at any allocation rate and
    /// any number of sites; sites that do not fit go out in later intervals, biggest changes first.
    std::uint64_t site_bytes_per_s = 4096;
    /// Injected into a running program (`leakscope attach --track`), not preloaded: the hooks are GOT
    /// slots to put back when leakscope ends the stream.
    bool attached = false;
    /// LEAKSCOPE_TRACKER_CHECK_UNWIND=1: compare every captured stack with libunwind's (tests only).
    bool check_unwind = false;
    /// LEAKSCOPE_TRACKER_SAMPLED_ON_BOUNDARY=1: sampling mode with glibc places sampled blocks up to 8 KiB on
    /// the 4096-byte boundary, where the fast free tells them by their address (a few percent of CPU on
    /// allocation-heavy programs), at the price of glibc's heap layout: off by default (tracker.cpp).
    bool sampled_on_boundary = false;
};

inline constexpr const char* kSocketVariable = "LEAKSCOPE_TRACKER_SOCKET";
inline constexpr const char* kIntervalVariable = "LEAKSCOPE_TRACKER_INTERVAL_MS";
inline constexpr const char* kSampleBytesVariable = "LEAKSCOPE_TRACKER_SAMPLE_BYTES";
inline constexpr const char* kSiteBudgetVariable = "LEAKSCOPE_TRACKER_SITE_BYTES_PER_S";
inline constexpr const char* kCheckUnwindVariable = "LEAKSCOPE_TRACKER_CHECK_UNWIND";
inline constexpr const char* kSampledOnBoundaryVariable = "LEAKSCOPE_TRACKER_SAMPLED_ON_BOUNDARY";

/// Parses a NUL-separated environment block (the format of /proc/PID/environ).
Config parse_config(const char* environ_block, std::size_t length);
/// The same into `config`: the variables the block sets overwrite their fields, the others stay.
void parse_config_into(Config& config, const char* environ_block, std::size_t length);
/// Reads a whole environment block from `fd` (in pieces: environments can be large) and parses it.
Config read_config_from(int fd);
/// The process's own settings, from /proc/self/environ.
Config read_config();

}  // namespace leakscope::tracker
