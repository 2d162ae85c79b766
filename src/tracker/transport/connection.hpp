// The stream to leakscope: the connection's state, packet building, and the one send function that
// never blocks (but for the patient sends, up to a deadline) and never raises SIGPIPE.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol.hpp"
#include "thread_counters.hpp"
#include "transport/module_map.hpp"

namespace leakscope::tracker::transport {

struct SiteValues {
    std::int64_t live_bytes = 0;
    std::int64_t live_count = 0;
    std::uint64_t total_allocations = 0;
    std::uint64_t total_bytes = 0;
    bool operator==(const SiteValues&) const = default;
};

struct SiteCandidate {
    std::uint32_t id;
    double score;
    SiteValues values;
};

/// State of the sending side. Heap-allocated on first use by the background thread (under the guard,
/// so its own allocations are untracked): a global with std::vector members would need a static constructor.
struct Connection {
    int fd = -1;
    int owner_pid = 0;             ///< the process that connected; another pid here means a raw clone()/vfork child
    dev_t socket_device = 0;       ///< identity of our socket, to notice the program reusing the fd number
    ino_t socket_inode = 0;
    bool peer_gone = false;        ///< leakscope closed the socket or died (attached: detach; else connect again)
    /// Stop for good: the program closed our socket (or reuses its number), or the leakscope listening
    /// at the address ended our stream and is still there (it dropped a malformed stream, refused us).
    bool given_up = false;
    bool ended_by_listener = false;  ///< the last stream ended from leakscope's side (preloaded: we try again)
    /// Where the leakscope the last stream went to listens, links resolved: each makes its socket in a
    /// fresh random directory (a restarted `watch` too, behind the same link), so the same path there
    /// means the same leakscope (an inode number would not: the file system reuses them).
    std::string listener_path;
    unsigned failed_connects = 0;  ///< in a row
    std::uint64_t next_connect_ns = 0;  ///< no connect attempt before this CLOCK_MONOTONIC time (patient flushes aside)
    std::uint64_t connected_ns = 0;     ///< when the current (or last) stream was opened
    std::uint64_t stream_id = 0;   ///< this connection's id, in its hello (random)
    /// A forked child's first stream refers to the stream its parent had open at the fork: leakscope has
    /// the parent's stacks and Python frames below these counts, so the child does not send them again.
    struct Inheritance {
        std::uint64_t stream_id = 0;  ///< 0: nothing inherited
        std::uint32_t stacks = 0;
        std::uint32_t python_frames = 0;
    } inherited;
    std::uint32_t stacks_sent = 0; ///< ids below this were sent on this connection
    std::uint32_t python_frames_sent = 0;  ///< likewise for Python frames (python_frames.hpp)
    std::vector<SiteValues> last_sent;
    ModuleMap module_map;
    std::vector<std::uint8_t> packet;
    std::vector<StackCounters> counters;
    std::vector<std::uint32_t> waited;  ///< intervals each site's change has waited for budget
    std::vector<SiteCandidate> candidates;
    std::size_t site_tokens = 0;        ///< token bucket for site updates, in bytes
    std::uint64_t tokens_refilled_ns = 0;
    std::uint64_t snapshot_ns = 0;
    std::uint64_t patience_deadline_ns = 0;  ///< patient sends give up at this CLOCK_MONOTONIC time
    /// Attached a second time, or a forked child: the counters at that moment, subtracted from everything
    /// sent since (a child's inherited blocks are its parent's, counted by the parent's stream).
    std::vector<StackCounters> baseline;
    TotalsCounters baseline_totals;
    /// Sampling mode with the live heap from the allocator's figure (Tracker::heap_from_allocator): its
    /// in-use bytes at the last read less this connection's own buffers (the heap total before the
    /// baseline), and a read owed at the next round whatever the rate limit (a forked child's first round
    /// must not send its parent's figure).
    std::uint64_t allocator_in_use = 0;
    bool allocator_read_owed = true;
};

constexpr int kStreamDescriptorFloor = 512;  // the stream socket lives at or above this descriptor
constexpr std::uint64_t kPatienceNs = 1000000000;  // longest a final flush may wait for a slow leakscope

void begin_packet(Connection& c, wire::PacketType type);
void set_count(Connection& c, std::uint32_t count);
void append(Connection& c, const void* data, std::size_t size);

/// True while c.fd is still our socket. A program may close every descriptor (daemons do) and reuse
/// the number for a file of its own: then we must neither write to it nor close it.
bool still_ours(const Connection& c);
void close_connection(Connection& c);
/// Sets c.fd and publishes it to the descriptor hooks (program_closes_descriptors), -1 for none.
void set_descriptor(Connection& c, int fd);

/// Sends the packet whole or not at all. `patient` (the hello, the exit flush) waits for buffer space,
/// but only until the connection's patience deadline: a stuck leakscope delays the exit by at most that.
bool send_packet(Connection& c, bool patient);

/// Grows the descriptor table up to kStreamDescriptorFloor (see the definition for why, and when).
void grow_descriptor_table();
/// Connects to leakscope's socket and sends the hello; the new stream starts from nothing.
bool connect_and_greet(Connection& c);

}  // namespace leakscope::tracker::transport
