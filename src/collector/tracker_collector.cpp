#include "collector/tracker_collector.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "protocol.hpp"
#include "util/proc_text.hpp"

namespace leakscope::collector {

namespace wire = leakscope::tracker::wire;

namespace {

std::uint64_t monotonic_now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

/// The parent of `pid` from /proc/PID/stat (the field after the parenthesised command, which may
/// itself hold ") "), or 0.
pid_t parent_of(pid_t pid) {
    const std::string stat = util::read_proc_text("/proc/" + std::to_string(pid) + "/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos || close + 4 > stat.size()) return 0;
    return static_cast<pid_t>(std::atol(stat.c_str() + close + 4));  // ") S PPID"
}

/// `pid` is `root` or descends from it, or was adopted by `adopter` (then its ancestry up to the adopter
/// went through the tree, which the adopter only collects from while it watches).
bool in_tree(pid_t pid, pid_t root, pid_t adopter) {
    for (int depth = 0; pid > 1 && depth < 4096; ++depth) {
        if (pid == root) return true;
        const pid_t parent = parent_of(pid);
        if (adopter > 0 && parent == adopter) return true;
        pid = parent;
    }
    return false;
}

}  // namespace

struct TrackerCollector::Stream {
    Stream(DecoderIds& ids, std::uint64_t origin_ns) : decoder(ids, origin_ns) {}
    int fd = -1;
    StreamDecoder decoder;
    std::optional<ucred> peer;  ///< SO_PEERCRED at accept
    bool being_read = false;    ///< its hello waits while the other streams are read (read_stream)
};

std::filesystem::path default_tracker_library() {
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return tracker::wire::kLibraryFile;
    return exe.parent_path().parent_path() / "lib" / tracker::wire::kLibraryFile;
}

TrackerCollector::TrackerCollector(CollectorOptions options) : options_(std::move(options)), origin_ns_(monotonic_now_ns()) {
    if (options_.tracker_library.empty()) options_.tracker_library = default_tracker_library();
    std::error_code ec;
    options_.tracker_library = std::filesystem::absolute(options_.tracker_library, ec);
    if (!std::filesystem::is_regular_file(options_.tracker_library, ec))
        throw std::runtime_error("tracker library not found: " + options_.tracker_library.string());

    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/leakscope-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a private directory for the tracker socket: " + std::string(std::strerror(errno)));
    directory_ = pattern;  // mkdtemp makes it mode 0700: only this user can connect
    socket_path_ = directory_ / "tracker.sock";
    sockaddr_un address{};
    if (socket_path_.string().size() >= sizeof(address.sun_path)) {
        std::filesystem::remove_all(directory_, ec);
        throw std::runtime_error("tracker socket path too long (set TMPDIR to a shorter directory): " + socket_path_.string());
    }
    listen_fd_ = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path_.c_str(), sizeof(address.sun_path) - 1);
    if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 || listen(listen_fd_, 128) != 0) {
        std::string why = std::strerror(errno);
        if (listen_fd_ >= 0) close(listen_fd_);
        std::filesystem::remove_all(directory_, ec);
        throw std::runtime_error("cannot listen on the tracker socket " + socket_path_.string() + ": " + why);
    }
    janitor_ = std::make_unique<SocketJanitor>(directory_.string(), socket_path_.string());
    buffer_.resize(wire::kMaxPacket + 1);
}

TrackerCollector::~TrackerCollector() {
    for (auto& [fd, stream] : streams_) close(fd);
    if (listen_fd_ >= 0) close(listen_fd_);
    std::error_code ec;
    std::filesystem::remove_all(directory_, ec);
}

std::vector<std::pair<std::string, std::string>> TrackerCollector::environment() const {
    std::string preload = options_.tracker_library.string();
    if (const char* existing = std::getenv("LD_PRELOAD"); existing && *existing) preload += std::string(":") + existing;
    return {
        {"LD_PRELOAD", preload},
        {"LEAKSCOPE_TRACKER_SOCKET", socket_path_.string()},
        {"LEAKSCOPE_TRACKER_INTERVAL_MS", std::to_string(options_.interval_ms)},
        {"LEAKSCOPE_TRACKER_SAMPLE_BYTES", std::to_string(options_.sample_bytes)},
    };
}

std::string TrackerCollector::settings_block() const {
    std::string block;
    for (const auto& [name, value] : environment()) {
        if (name.rfind("LEAKSCOPE_TRACKER_", 0) == 0) block += name + "=" + value + '\0';
    }
    return block;
}

void TrackerCollector::allow_peer_user(uid_t uid) {
    if (uid == ::geteuid()) return;
    // The directory stays mode 0700, now the target user's: still no third user can connect.
    if (::chown(directory_.c_str(), uid, static_cast<gid_t>(-1)) != 0 || ::chown(socket_path_.c_str(), uid, static_cast<gid_t>(-1)) != 0)
        throw std::runtime_error("cannot let uid " + std::to_string(uid) + " reach the tracker socket: " + std::strerror(errno));
}

void TrackerCollector::end_streams() {
    for (const auto& [fd, stream] : streams_) ::shutdown(fd, SHUT_WR);
}

void TrackerCollector::accept_all() {
    for (;;) {
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) return;
        if (!peer_allowed(fd)) {
            close(fd);
            continue;
        }
        auto stream = std::make_unique<Stream>(ids_, origin_ns_);
        stream->fd = fd;
        ucred peer{};
        socklen_t size = sizeof peer;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) == 0) stream->peer = peer;
        streams_[fd] = std::move(stream);
    }
}

bool TrackerCollector::peer_allowed(int fd) {
    if (tree_root_ <= 0) return true;
    ucred peer{};
    socklen_t size = sizeof peer;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size) == 0 && in_tree(peer.pid, tree_root_, tree_adopter_))
        return true;
    // Its module paths would be opened when symbolizing: a stranger must not name files for us.
    if (refused_peers_++ < 5)
        warnings_.push_back("refused a tracker connection from process " + std::to_string(peer.pid) +
                            ", which is not in the watched process tree");
    return false;
}

void TrackerCollector::close_stream(int fd, TrackerSink& sink, bool clean) {
    auto it = streams_.find(fd);
    if (it == streams_.end()) return;
    const StreamDecoder& decoder = it->second->decoder;
    if (decoder.greeted() && decoder.announced_exec() && !decoder.said_goodbye()) sink.on_process_exec(decoder.process());
    if (decoder.greeted()) sink.on_process_end(decoder.process(), clean || decoder.said_goodbye());
    close(fd);
    streams_.erase(it);
}

std::size_t TrackerCollector::read_stream(int fd, TrackerSink& sink, int depth) {
    // Drain the stream; a stream that sent a lot cannot starve the others for long because the
    // tracker sends at most a few packets per interval.
    std::size_t delivered = 0;
    for (;;) {
        auto it = streams_.find(fd);
        if (it == streams_.end()) break;
        iovec iov{buffer_.data(), buffer_.size()};
        msghdr message{};
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        ssize_t n = recvmsg(fd, &message, MSG_DONTWAIT);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n <= 0) {  // 0: the process closed its end (exit, exec, crash, kill)
            close_stream(fd, sink, false);
            break;
        }
        StreamDecoder& decoder = it->second->decoder;
        if (!decoder.greeted()) {
            // A forked child refers to what its parent's stream sent before the fork, which is already in
            // that stream's queue (hello included, if the collector has not read it yet): read the other
            // streams first. Bounded depth: each level is a child's hello.
            if (StreamDecoder::forked_from(buffer_.data(), static_cast<std::size_t>(n)) != 0 && depth < 8) {
                const std::vector<std::uint8_t> held(buffer_.begin(), buffer_.begin() + n);  // the reads reuse buffer_
                // Not the streams being read further up (this one included): their next packet waits.
                it->second->being_read = true;
                std::vector<int> others;
                for (const auto& [other, stream] : streams_)
                    if (!stream->being_read) others.push_back(other);
                for (int other : others) delivered += read_stream(other, sink, depth + 1);
                it->second->being_read = false;
                std::copy(held.begin(), held.end(), buffer_.begin());
            }
            // A hello makes the stream the next process: its peer is known before the sink hears of it.
            if (it->second->peer) peers_[ids_.next_process] = {it->second->peer->pid, it->second->peer->uid};
        }
        if ((message.msg_flags & MSG_TRUNC) || static_cast<std::size_t>(n) > wire::kMaxPacket ||
            !decoder.decode(buffer_.data(), static_cast<std::size_t>(n), sink)) {
            warnings_.push_back(decoder.error().empty()
                                    ? "a tracker stream (process " + std::to_string(decoder.process()) +
                                          ") sent a malformed packet; the stream was dropped"
                                    : decoder.error());
            close_stream(fd, sink, false);
            break;
        }
        ++delivered;
        bytes_received_ += static_cast<std::uint64_t>(n);
    }
    for (auto& note : ids_.notes) warnings_.push_back(std::move(note));
    ids_.notes.clear();
    return delivered;
}

std::size_t TrackerCollector::poll(TrackerSink& sink, int timeout_ms) {
    std::vector<pollfd> fds;
    fds.push_back({listen_fd_, POLLIN, 0});
    for (const auto& [fd, stream] : streams_) fds.push_back({fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), timeout_ms < 0 ? 0 : timeout_ms) <= 0) return 0;
    if (fds[0].revents) accept_all();

    std::size_t delivered = 0;
    std::vector<int> ready;
    for (const auto& [fd, stream] : streams_) ready.push_back(fd);
    for (int fd : ready) delivered += read_stream(fd, sink);
    return delivered;
}

}  // namespace leakscope::collector
