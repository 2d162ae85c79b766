// fork() and exec: the forked child's stream of its own, and the replaced program's last snapshot.
#include <pthread.h>

#include <cerrno>

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

void reset_in_child() {
    // The mutex was held by the forking thread, which is this one in the child: release it.
    pthread_mutex_unlock(&g_mutex);
    if (g_connection) {
        close_connection(*g_connection);
        g_connection->peer_gone = false;
        g_connection->failed_connects = 0;
    }
    g_stop.store(false, std::memory_order_relaxed);
    g_thread_started.store(false, std::memory_order_relaxed);  // the parent's thread does not exist here
    g_thread_pid.store(0, std::memory_order_relaxed);
    g_thread_tid.store(0, std::memory_order_relaxed);
    g_crash_flush.store(0, std::memory_order_relaxed);
}

}  // namespace leakscope::tracker::transport
