// Sends the tracker's state to leakscope: a background thread wakes every interval and sends what
// changed (new modules and stacks, changed per-stack aggregates, totals) over a SOCK_SEQPACKET socket,
// never blocking and never raising SIGPIPE. Everything sent is a latest value, so whatever could not be
// sent this round simply goes out in the next one.
#pragma once

#include <atomic>
#include <cstdint>

#include "fork_state.hpp"

namespace leakscope::tracker::transport {

/// True once the background thread was started (read on the allocation fast path). In g_fork_state: a
/// forked child resets it (fork_state.hpp).
inline std::atomic<bool>& g_thread_started = g_fork_state.transport.thread_started;

/// Called by the library constructor: from now on the first tracked allocation starts the thread
/// (not earlier, and not from the constructor itself, so a process that never allocates never connects).
/// `grow_table` false: attached to a running program, where growing the descriptor table from the
/// stopped thread would wait for an RCU grace period; the transport thread grows it when it connects.
void allow_start(bool grow_table = true);
void start_thread_once();
/// Out of line: the thread is not running yet; a forked child may defer its start (reset_in_child).
void start_thread_unless_deferred(bool recorded);
/// Cheap check on the allocation path; starts the background thread once. `recorded`: this call put
/// something in the tables (a sampled or tracked block, a mapping), which a forked child's deferred
/// start does not hold back (reset_in_child).
inline void maybe_start(bool recorded = true) {
    if (!g_thread_started.load(std::memory_order_relaxed)) start_thread_unless_deferred(recorded);
}
/// At exit (the library destructor, _exit): one last snapshot, sent synchronously (bounded wait), then a
/// goodbye. Runs once; does nothing in a process whose transport never started or is not its own (a
/// forked child whose start was deferred and that allocated since the fork connects here to send it).
void final_flush();
/// From a fatal signal's handler (async-signal-safe): asks the transport thread for the final flush with a
/// goodbye and waits for it, at most `timeout_ns`. Does nothing on the transport thread itself.
void flush_for_fatal_signal(std::uint64_t timeout_ns);
/// Before exec: the last snapshot of this program, without a goodbye (the exec ends the stream; if the
/// exec fails, the stream simply goes on).
void flush_before_exec();

/// The program is about to close, or dup2/dup3 onto, the descriptors first..last (the descriptor hooks).
/// When our stream's socket is among them, it moves, under the flush lock, to a number outside them
/// before the program's call runs: a flush running on another thread finishes first, and no later one
/// writes to the number the program takes. With no number outside (closefrom(3)), the stream stops
/// there; leakscope sees it end and keeps what it received. One relaxed load when it is not among them.
void program_closes_descriptors(int first, int last);

void lock_for_fork();
void unlock_after_fork_in_parent();
/// Only where the fork state's pages were copied into the child (fork_state.hpp), not zeroed.
void unlock_after_fork_in_child();
/// attach --track a second time into a process whose earlier attachment ended: the stream starts over
/// with what was counted so far as its baseline (subtracted from every value sent).
void prepare_next_attachment();
/// Sampling mode with the live heap from the allocator's figure, attached to a running program: the
/// allocator's in-use bytes now become the baseline subtracted from the heap total sent.
void take_heap_baseline();
/// In a forked child: forget the parent's connection and thread; the child reconnects as a new stream,
/// which refers to the parent's for the stacks already sent, and counts from zero (call it after the
/// child's live and mapped tables were cleared). The child's thread starts at its first recorded block,
/// its 4096th allocation, or its first allocation one interval after the fork, whichever comes first: a
/// child that execs before any of these (a shell running a command) starts no thread and never connects,
/// as nothing it did survives the exec; one that exits first connects at its exit (final_flush).
void reset_in_child();

}  // namespace leakscope::tracker::transport
