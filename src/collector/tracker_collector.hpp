// The receiving side of the allocation tracker, in leakscope's process: owns the UNIX socket the
// preloaded library connects to, gives the environment the target needs, and decodes every stream
// into TrackerSink calls. Single-threaded: call poll() from the recorder's loop.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "collector/stream_decoder.hpp"
#include "collector/tracker_sink.hpp"

namespace leakscope::collector {

struct CollectorOptions {
    std::filesystem::path tracker_library;  ///< libleakscope_tracker.so; default_tracker_library() if empty
    std::uint32_t interval_ms = 100;
    std::uint64_t sample_bytes = 0;         ///< --sample-bytes; 0 = full tracking
};

/// The tracker library installed next to the calling executable: <dir of /proc/self/exe>/../lib/.
std::filesystem::path default_tracker_library();

class TrackerCollector {
public:
    /// Creates the socket in a private directory (mode 0700). Throws std::runtime_error with a clear
    /// message when the library is missing or the socket cannot be made.
    explicit TrackerCollector(CollectorOptions options);
    ~TrackerCollector();
    TrackerCollector(const TrackerCollector&) = delete;
    TrackerCollector& operator=(const TrackerCollector&) = delete;

    /// Variables to add to the target's environment (LD_PRELOAD keeps an existing value after ours).
    std::vector<std::pair<std::string, std::string>> environment() const;
    /// Times reported to the sink are seconds since this CLOCK_MONOTONIC instant (default: construction).
    void set_time_origin_ns(std::uint64_t monotonic_ns) { origin_ns_ = monotonic_ns; }

    /// Accepts connections and reads everything available, waiting at most timeout_ms for the first
    /// input. Never blocks longer. Returns the number of packets delivered.
    std::size_t poll(TrackerSink& sink, int timeout_ms);

    bool ever_connected() const { return ids_.next_process > 0; }
    std::size_t open_streams() const { return streams_.size(); }
    /// Problems with streams (malformed packets, version mismatch), for the recording's warnings.
    const std::vector<std::string>& warnings() const { return warnings_; }
    const std::filesystem::path& socket_path() const { return socket_path_; }
    /// Bytes of tracker packets received so far (the stream's size, for the bounded-recording check).
    std::uint64_t bytes_received() const { return bytes_received_; }

private:
    struct Stream;
    void accept_all();
    void close_stream(int fd, TrackerSink& sink, bool clean);

    CollectorOptions options_;
    std::filesystem::path directory_;
    std::filesystem::path socket_path_;
    int listen_fd_ = -1;
    std::uint64_t origin_ns_ = 0;
    std::map<int, std::unique_ptr<Stream>> streams_;
    DecoderIds ids_;
    std::vector<std::string> warnings_;
    std::vector<std::uint8_t> buffer_;
    std::uint64_t bytes_received_ = 0;
};

}  // namespace leakscope::collector
