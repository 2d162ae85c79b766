#include "transport/connection.hpp"

#include <poll.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "os.hpp"
#include "thread_state.hpp"
#include "tracker.hpp"
#include "transport/state.hpp"

namespace leakscope::tracker::transport {

void begin_packet(Connection& c, wire::PacketType type) {
    c.packet.resize(sizeof(wire::PacketHeader));
    wire::PacketHeader header{type, 0, c.snapshot_ns};
    std::memcpy(c.packet.data(), &header, sizeof(header));
}

void set_count(Connection& c, std::uint32_t count) {
    std::memcpy(c.packet.data() + offsetof(wire::PacketHeader, count), &count, sizeof(count));
}

void append(Connection& c, const void* data, std::size_t size) {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    c.packet.insert(c.packet.end(), bytes, bytes + size);
}

bool still_ours(const Connection& c) {
    struct stat info{};
    return c.fd >= 0 && fstat(c.fd, &info) == 0 && info.st_dev == c.socket_device && info.st_ino == c.socket_inode;
}

namespace {
/// c.fd of the connection, for the descriptor hooks to compare with at every close without a lock.
/// Written under g_mutex; a forked child's stays its parent's until reset_in_child (the hooks check the
/// connection's owner under the lock).
constinit std::atomic<int> g_stream_descriptor{-1};
}  // namespace

void set_descriptor(Connection& c, int fd) {
    c.fd = fd;
    g_stream_descriptor.store(fd, std::memory_order_release);
}

void close_connection(Connection& c) {
    if (still_ours(c)) close(c.fd);
    set_descriptor(c, -1);
}

namespace {

/// A copy of our socket at a number outside first..last, or -1 when there is none: the lowest free one
/// from our floor, below or above the range (a loop closing 3..1023 one at a time has freed the numbers
/// behind it: one move and the loop never meets us again), else the first above the range.
int copy_outside(int fd, int first, int last) {
    const auto outside = [first, last](int number) { return number >= 0 && (number < first || number > last); };
    const int low = fcntl(fd, F_DUPFD_CLOEXEC, kStreamDescriptorFloor);
    if (outside(low)) return low;
    if (low >= 0) close(low);
    return last < INT_MAX ? fcntl(fd, F_DUPFD_CLOEXEC, last + 1) : -1;
}

}  // namespace

void program_closes_descriptors(int first, int last) {
    const int ours = g_stream_descriptor.load(std::memory_order_acquire);
    if (ours < 0 || ours < first || ours > last) return;
    // Our own closes (a flush closing a stream that ended) hold the lock already.
    if (g_thread_state.inside_tracker) return;
    ReentrancyGuard guard;
    const int saved_errno = errno;
    pthread_mutex_lock(&g_mutex);
    Connection* c = g_connection;
    // Only the process that connected: a vfork or raw clone() child closes its own copy of the table,
    // while the memory here is its parent's.
    if (c && c->fd == ours && c->owner_pid == os::current_pid()) {
        // The stream goes on from a copy elsewhere (a daemon that closes every descriptor as it starts
        // is tracked on); the program's call then closes the number it took, as it would have. With no
        // number left outside the range (closefrom(3)), the stream stops here.
        const int moved = copy_outside(ours, first, last);
        set_descriptor(*c, moved);
        if (moved < 0) c->given_up = true;
    }
    pthread_mutex_unlock(&g_mutex);
    errno = saved_errno;
}

bool send_packet(Connection& c, bool patient) {
    for (;;) {
        ssize_t n = send(c.fd, c.packet.data(), c.packet.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n == static_cast<ssize_t>(c.packet.size())) return true;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
            std::uint64_t now = os::monotonic_ns();
            if (!patient || now >= c.patience_deadline_ns) return false;  // a slow reader: next round
            pollfd pfd{c.fd, POLLOUT, 0};
            poll(&pfd, 1, static_cast<int>(std::min<std::uint64_t>(50, (c.patience_deadline_ns - now) / 1000000 + 1)));
            continue;
        }
        close_connection(c);  // EPIPE, ECONNRESET...: leakscope is gone; the program carries on
        c.peer_gone = true;
        return false;
    }
}

/// The stream's socket moves up to kStreamDescriptorFloor, which grows the process's descriptor table;
/// the kernel waits for an RCU grace period when it grows the table of a process whose table is shared,
/// as it is once there is a second thread (ours). Measured here: 10 ms per tracked process, every exec'd
/// program included. Grown from the library constructor instead, where the process has normally one
/// thread, it costs microseconds; the table never shrinks, so the later move needs no growth.
void grow_descriptor_table() {
    int source = open("/", O_PATH | O_CLOEXEC);
    if (source < 0) return;
    int high = fcntl(source, F_DUPFD_CLOEXEC, kStreamDescriptorFloor);
    if (high >= 0) close(high);
    close(source);
}

namespace {

/// Random, so that only a process that inherited the id (a forked child) can name this stream.
std::uint64_t new_stream_id() {
    std::uint64_t id = 0;
    if (getrandom(&id, sizeof id, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof id))
        id = os::monotonic_ns() ^ (static_cast<std::uint64_t>(os::current_pid()) << 40);
    return id ? id : 1;  // 0 means "no stream"
}

}  // namespace

bool connect_and_greet(Connection& c) {
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return false;
    // Keep clear of the low descriptor numbers programs use and expect (dup2 onto 3, "close 3..N"), and
    // published to the descriptor hooks at once: a program closing every descriptor while we connect
    // waits for this flush, then moves the stream elsewhere (program_closes_descriptors).
    int high = fcntl(fd, F_DUPFD_CLOEXEC, kStreamDescriptorFloor);
    if (high >= 0) {
        close(fd);
        fd = high;
    }
    struct stat info{};
    if (fstat(fd, &info) != 0) {
        close(fd);
        return false;
    }
    c.owner_pid = os::current_pid();
    set_descriptor(c, fd);
    c.socket_device = info.st_dev;
    c.socket_inode = info.st_ino;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, g_tracker.config.socket_path, sizeof(address.sun_path));
    char listener[PATH_MAX];  // which leakscope listens there (see Connection::listener_path)
    if (!realpath(address.sun_path, listener)) listener[0] = '\0';
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        close_connection(c);
        return false;
    }
    if (c.ended_by_listener && listener[0] && c.listener_path == listener) {
        // The leakscope that ended our last stream is still there: it does not want it (a malformed
        // packet, a refused peer). Leave without a word and stop; only another leakscope gets a stream.
        close_connection(c);
        c.given_up = true;
        return false;
    }
    // A forked child refers to its parent's stream only where that stream went (the path here is the
    // parent's at the fork): another leakscope (watch restarted meanwhile) must get every stack.
    if (c.inherited.stream_id != 0 && c.listener_path != listener) c.inherited = {};
    c.ended_by_listener = false;
    c.listener_path = listener;
    int buffer = 1 << 20;  // room for a few snapshots if leakscope is briefly slow
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof(buffer));

    char exe[4096] = {}, comm[64] = {};
    long exe_length = os::read_link("/proc/self/exe", exe, sizeof(exe));
    long comm_length = os::read_small_file("/proc/self/comm", comm, sizeof(comm));
    if (exe_length < 0) exe_length = 0;
    if (comm_length < 0) comm_length = 0;
    while (comm_length > 0 && comm[comm_length - 1] == '\n') --comm_length;
    const std::uint64_t stream_id = new_stream_id();
    wire::HelloBody hello{wire::kProtocolVersion, os::current_pid(), os::parent_pid(), g_tracker.config.interval_ms,
                          g_tracker.config.sample_bytes, static_cast<std::uint16_t>(exe_length),
                          static_cast<std::uint16_t>(comm_length), 0, stream_id, c.inherited.stream_id,
                          c.inherited.stacks, c.inherited.python_frames};
    begin_packet(c, wire::PacketType::kHello);
    set_count(c, 1);
    append(c, &hello, sizeof(hello));
    append(c, exe, static_cast<std::size_t>(exe_length));
    append(c, comm, static_cast<std::size_t>(comm_length));
    // The hello must arrive first; wait for buffer space if need be (a fresh socket always has it).
    c.patience_deadline_ns = os::monotonic_ns() + kPatienceNs;
    if (!send_packet(c, true)) {
        close_connection(c);
        return false;
    }
    // A new stream starts from nothing: everything is (re)sent, with a fresh burst budget; but for what a
    // forked child's parent already sent, which leakscope has (once: a later stream may reach another).
    c.stream_id = stream_id;
    c.stacks_sent = c.inherited.stacks;
    c.python_frames_sent = c.inherited.python_frames;
    c.inherited = {};
    c.tokens_refilled_ns = 0;
    c.last_sent.clear();
    for (auto& m : c.module_map.modules) m.sent_loaded = m.sent_unloaded = false;
    return true;
}

}  // namespace leakscope::tracker::transport
