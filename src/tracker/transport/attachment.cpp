// Attached to a running program (`leakscope attach --track`): the end of an attachment (leakscope shut
// the stream) and the start of the next one in the same process.
#include <poll.h>
#include <sys/socket.h>

#include "got_patch.hpp"
#include "os.hpp"
#include "thread_counters.hpp"
#include "tracker.hpp"
#include "transport.hpp"
#include "transport/state.hpp"

namespace leakscope::tracker::transport {

bool wait_for_detach_request(std::uint64_t ns) {
    int fd = g_connection ? g_connection->fd : -1;
    if (fd < 0) {
        os::sleep_ns(ns);
        return g_connection && (g_connection->peer_gone || g_connection->given_up);
    }
    pollfd entry{fd, POLLIN | POLLRDHUP, 0};
    if (poll(&entry, 1, static_cast<int>(ns / 1000000) + 1) <= 0) return false;
    if (entry.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
    // leakscope sends nothing else: end of stream. Peeked, not read: the number read above without the
    // lock may name the program's socket by now (program_closes_descriptors), whose bytes are not ours.
    char byte;
    return recv(fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK) == 0;
}

void detach_from_program() {
    got::restore_slots();
    os::sleep_ns(10 * 1000000ull);  // calls that entered a hook before the restore finish (microseconds)
    pthread_mutex_lock(&g_mutex);
    if (!g_stop.exchange(true, std::memory_order_acq_rel)) flush_locked(true, true);
    if (g_connection && g_connection->fd >= 0) close_connection(*g_connection);
    pthread_mutex_unlock(&g_mutex);
    deactivate();
}

void prepare_next_attachment() {
    ReentrancyGuard guard;
    pthread_mutex_lock(&g_mutex);
    if (!g_connection) g_connection = new Connection();
    Connection& c = *g_connection;
    c.peer_gone = c.given_up = c.ended_by_listener = false;
    c.failed_connects = 0;
    c.next_connect_ns = 0;
    c.inherited = {};  // a new leakscope knows no stream of ours
    c.baseline.resize(g_tracker.stacks.published_count());
    read_counters(c.baseline.data(), static_cast<std::uint32_t>(c.baseline.size()), c.baseline_totals);
    g_stop.store(false, std::memory_order_release);
    g_crash_flush.store(0, std::memory_order_release);
    g_thread_started.store(false, std::memory_order_release);  // the earlier attachment's thread has exited
    pthread_mutex_unlock(&g_mutex);
}

void take_heap_baseline() {
    ReentrancyGuard guard;
    pthread_mutex_lock(&g_mutex);
    if (!g_connection) g_connection = new Connection();
    note_heap_baseline(*g_connection);
    pthread_mutex_unlock(&g_mutex);
}

}  // namespace leakscope::tracker::transport
