// fork() and exec: the forked child's stream of its own, and the replaced program's last snapshot.
#include <pthread.h>

#include <cerrno>

#include "os.hpp"
#include "thread_counters.hpp"
#include "tracker.hpp"
#include "transport.hpp"
#include "transport/state.hpp"

namespace leakscope::tracker::transport {

void flush_before_exec() {
    if (!transport_is_ours() || g_stop.load(std::memory_order_acquire)) return;
    ReentrancyGuard guard;
    int saved_errno = errno;
    pthread_mutex_lock(&g_mutex);
    flush_locked(true, false);  // no goodbye: the stream ends with the exec, and resumes if it fails
    if (g_connection && g_connection->fd >= 0 && !g_connection->peer_gone) {
        begin_packet(*g_connection, wire::PacketType::kExec);
        send_packet(*g_connection, true);
    }
    pthread_mutex_unlock(&g_mutex);
    errno = saved_errno;
}

void lock_for_fork() { pthread_mutex_lock(&g_mutex); }
void unlock_after_fork_in_parent() { pthread_mutex_unlock(&g_mutex); }
// The mutex was held by the forking thread, which is this one in the child.
void unlock_after_fork_in_child() { pthread_mutex_unlock(&g_mutex); }

void reset_in_child() {
    if (!g_connection) g_connection = new Connection();  // the caller's guard keeps this untracked
    Connection& c = *g_connection;
    // What the parent's open stream sent, leakscope has: the child's stream refers to it instead of
    // sending the whole depot again (which cost ~100 ms per fork of a python3 with numpy loaded). A
    // parent that had not connected yet passes on what it inherited itself, if anything.
    if (c.fd >= 0 && !c.peer_gone && c.stream_id != 0) c.inherited = {c.stream_id, c.stacks_sent, c.python_frames_sent};
    else if (c.fd >= 0 || c.peer_gone || c.given_up) c.inherited = {};
    close_connection(c);
    c.peer_gone = c.given_up = c.ended_by_listener = false;
    c.failed_connects = 0;
    c.next_connect_ns = 0;
    // The blocks the child inherited are the parent's, counted by the parent's stream (the tracker's
    // fork handler has cleared them from the child's tables): the child's counters start from here.
    c.baseline.resize(g_tracker.stacks.published_count());
    read_counters(c.baseline.data(), static_cast<std::uint32_t>(c.baseline.size()), c.baseline_totals);
    // With the allocator's figure, the heap the child inherited is its in-use bytes now. Safe here: glibc
    // made its arenas usable inside fork(), and jemalloc's child handler ran before this one (it was
    // registered first: the tracker resolves the allocator, initializing jemalloc, before it installs its
    // fork handlers). One walk of the free chunks per fork, in the child (~0.2 us a chunk).
    if (g_tracker.heap_from_allocator) note_heap_baseline(c);
    g_stop.store(false, std::memory_order_relaxed);
    g_thread_started.store(false, std::memory_order_relaxed);  // the parent's thread does not exist here
    // Deferred (transport.hpp): most children of a shell exec at once, and a thread, a connection and a
    // snapshot each cost them more than the rest of the tracker (README, the spawn workload).
    g_deferred_calls.store(0, std::memory_order_relaxed);
    g_deferred_until_ns.store(os::monotonic_ns() + static_cast<std::uint64_t>(g_tracker.config.interval_ms) * 1000000ull,
                              std::memory_order_relaxed);
    g_start_deferred.store(true, std::memory_order_relaxed);
    g_thread_pid.store(os::current_pid(), std::memory_order_relaxed);  // ours to flush at exit, not a vfork child's
    g_thread_tid.store(0, std::memory_order_relaxed);
    g_crash_flush.store(0, std::memory_order_relaxed);
}

}  // namespace leakscope::tracker::transport
