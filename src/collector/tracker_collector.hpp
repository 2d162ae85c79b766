// The receiving side of the allocation tracker, in leakscope's process: owns the UNIX socket the
// preloaded library connects to, gives the environment the target needs, and decodes every stream
// into TrackerSink calls. Single-threaded: call poll() from the recorder's loop.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

#include "collector/socket_janitor.hpp"
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
    /// The tracker's own settings (LEAKSCOPE_TRACKER_*), NUL-separated as in /proc/PID/environ: what
    /// attach --track hands the injected library, which has no environment of ours to read.
    std::string settings_block() const;
    const std::filesystem::path& tracker_library() const { return options_.tracker_library; }
    const std::filesystem::path& socket_directory() const { return directory_; }
    /// attach --track of another user's process (as root): that user may connect to the socket.
    void allow_peer_user(uid_t uid);
    /// Ends every open stream from our side (shutdown for writing). An attached tracker answers by
    /// detaching: it restores the program's GOT, sends its last state and a goodbye, and closes.
    void end_streams();
    /// Times reported to the sink are seconds since this CLOCK_MONOTONIC instant (default: construction).
    void set_time_origin_ns(std::uint64_t monotonic_ns) { origin_ns_ = monotonic_ns; }

    /// Accepts connections and reads everything available, waiting at most timeout_ms for the first
    /// input. Never blocks longer. Returns the number of packets delivered.
    std::size_t poll(TrackerSink& sink, int timeout_ms);

    /// Only the target's own processes may stream (SO_PEERCRED): `root`, its descendants, and orphans
    /// that `adopter` (leakscope as the tree's subreaper; 0: none) took over. Any other process that
    /// connects is refused with a warning. Until this is called every peer is accepted.
    void accept_only_tree_of(pid_t root, pid_t adopter = 0) {
        tree_root_ = root;
        tree_adopter_ = adopter;
    }

    bool ever_connected() const { return ids_.next_process > 0; }
    std::size_t open_streams() const { return streams_.size(); }
    /// Problems with streams (malformed packets, version mismatch), for the recording's warnings.
    const std::vector<std::string>& warnings() const { return warnings_; }
    const std::filesystem::path& socket_path() const { return socket_path_; }
    /// The process and user at the other end of a tracked process's stream, from the kernel (SO_PEERCRED,
    /// in our pid namespace), not from what the stream says; nullopt when unknown. Known from the moment
    /// the sink hears of the process.
    std::optional<pid_t> peer_pid(std::uint32_t process) const {
        const auto it = peers_.find(process);
        return it == peers_.end() ? std::nullopt : std::optional<pid_t>(it->second.pid);
    }
    std::optional<uid_t> peer_uid(std::uint32_t process) const {
        const auto it = peers_.find(process);
        return it == peers_.end() ? std::nullopt : std::optional<uid_t>(it->second.uid);
    }
    /// Bytes of tracker packets received so far (the stream's size, for the bounded-recording check).
    std::uint64_t bytes_received() const { return bytes_received_; }

private:
    struct Stream;
    void accept_all();
    void close_stream(int fd, TrackerSink& sink, bool clean);
    /// Reads and decodes everything available on one stream; returns the packets delivered.
    std::size_t read_stream(int fd, TrackerSink& sink, int depth = 0);

    bool peer_allowed(int fd);

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
    pid_t tree_root_ = 0, tree_adopter_ = 0;
    std::uint64_t refused_peers_ = 0;
    struct Peer {
        pid_t pid = 0;
        uid_t uid = 0;
    };
    std::map<std::uint32_t, Peer> peers_;  ///< by process, from each stream's SO_PEERCRED
    std::unique_ptr<SocketJanitor> janitor_;  ///< removes the directory even if leakscope is SIGKILLed
};

}  // namespace leakscope::collector
