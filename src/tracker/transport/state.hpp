// What the transport's files share: the flush lock, the connection, and the transport thread's
// life (started, stopping, crash flush). Internal to the transport; the tracker uses transport.hpp.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstdint>

#include "transport/connection.hpp"

namespace leakscope::tracker::transport {

extern pthread_mutex_t g_mutex;  // serializes flushes (thread, exit, fork)
extern Connection* g_connection;
extern std::atomic<bool> g_start_allowed;
extern std::atomic<bool> g_stop;
extern std::atomic<int> g_thread_pid;  // the process whose thread runs (or whose start is deferred): a vfork child shares our memory, not our stream
/// A forked child's thread start is deferred (reset_in_child), and what ends the deferral.
extern std::atomic<bool> g_start_deferred;
extern std::atomic<std::uint32_t> g_deferred_calls;
extern std::atomic<std::uint64_t> g_deferred_until_ns;
extern std::atomic<int> g_thread_tid;  // the transport thread itself: it cannot wait for its own flush
/// A fatal signal's last flush, done by the transport thread: 0 none, 1 asked (the word the thread sleeps
/// on between rounds, so the request wakes it), 2 done.
extern std::atomic<int> g_crash_flush;

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
