// What the transport's files share: the flush lock, the connection, and the transport thread's
// life (started, stopping, crash flush). Internal to the transport; the tracker uses transport.hpp.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstdint>

#include "fork_state.hpp"
#include "transport/connection.hpp"

namespace leakscope::tracker::transport {

/// Serializes flushes (thread, exit, fork); in g_fork_state, with the other locks fork() takes.
inline pthread_mutex_t& g_mutex = g_fork_state.transport_mutex;
extern Connection* g_connection;
extern std::atomic<bool> g_start_allowed;
// The words a forked child resets, in g_fork_state (fork_state.hpp, TransportForkWords):
inline std::atomic<bool>& g_stop = g_fork_state.transport.stop;
/// The process whose thread runs (or whose start is deferred): a vfork child shares our memory, not our stream.
inline std::atomic<int>& g_thread_pid = g_fork_state.transport.thread_pid;
/// A forked child's thread start is deferred (reset_in_child), and what ends the deferral.
inline std::atomic<bool>& g_start_deferred = g_fork_state.transport.start_deferred;
inline std::atomic<std::uint32_t>& g_deferred_calls = g_fork_state.transport.deferred_calls;
inline std::atomic<std::uint64_t>& g_deferred_until_ns = g_fork_state.transport.deferred_until_ns;
/// The transport thread itself: it cannot wait for its own flush.
inline std::atomic<int>& g_thread_tid = g_fork_state.transport.thread_tid;
/// A fatal signal's last flush, done by the transport thread: 0 none, 1 asked (the word the thread sleeps
/// on between rounds, so the request wakes it), 2 done.
inline std::atomic<int>& g_crash_flush = g_fork_state.transport.crash_flush;

/// One round. Caller holds g_mutex and the re-entrancy guard. `patient` (exit, exec) sends everything,
/// waiting up to the patience deadline for a slow leakscope; `goodbye` then says the process is exiting.
void flush_locked(bool patient, bool goodbye);

/// Sampling mode with the allocator's figure: its in-use bytes now are `c`'s heap baseline (a forked
/// child at the fork, an attachment at its start). Caller holds g_mutex (or is the forking thread).
void note_heap_baseline(Connection& c);

/// True in the process whose transport runs. Checked before anything is touched: a vfork child
/// (calling _exit or exec) shares our memory, and stopping "its" transport would stop the parent's.
bool transport_is_ours();

// attached to a running program (`leakscope attach --track`), attachment.cpp:
/// Waits up to `ns` on the stream; true when leakscope ended it (shut its side, or died): time to detach.
bool wait_for_detach_request(std::uint64_t ns);
/// Puts the program's GOT slots back, sends the state tracked until now and a goodbye, and turns the
/// hooks into plain forwarders. The library stays loaded (calls may still be inside a hook).
void detach_from_program();

}  // namespace leakscope::tracker::transport
