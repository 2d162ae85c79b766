// Sends the tracker's state to leakscope: a background thread wakes every interval and sends what
// changed (new modules and stacks, changed per-stack aggregates, totals) over a SOCK_SEQPACKET socket,
// never blocking and never raising SIGPIPE. Everything sent is a latest value, so whatever could not be
// sent this round simply goes out in the next one.
#pragma once

#include <atomic>
#include <cstdint>

namespace leakscope::tracker::transport {

/// True once the background thread was started (read on the allocation fast path).
extern std::atomic<bool> g_thread_started;

/// Called by the library constructor: from now on the first tracked allocation starts the thread
/// (not earlier, and not from the constructor itself, so a process that never allocates never connects).
/// `grow_table` false: attached to a running program, where growing the descriptor table from the
/// stopped thread would wait for an RCU grace period; the transport thread grows it when it connects.
void allow_start(bool grow_table = true);
void start_thread_once();
/// Cheap check on the allocation path; starts the background thread once.
inline void maybe_start() {
    if (!g_thread_started.load(std::memory_order_relaxed)) start_thread_once();
}
/// At exit (the library destructor, _exit): one last snapshot, sent synchronously (bounded wait), then a
/// goodbye. Runs once; does nothing in a process whose transport never started or is not its own.
void final_flush();
/// From a fatal signal's handler (async-signal-safe): asks the transport thread for the final flush with a
/// goodbye and waits for it, at most `timeout_ns`. Does nothing on the transport thread itself.
void flush_for_fatal_signal(std::uint64_t timeout_ns);
/// Before exec: the last snapshot of this program, without a goodbye (the exec ends the stream; if the
/// exec fails, the stream simply goes on).
void flush_before_exec();

void lock_for_fork();
void unlock_after_fork_in_parent();
/// attach --track a second time into a process whose earlier attachment ended: the stream starts over
/// with what was counted so far as its baseline (subtracted from every value sent).
void prepare_next_attachment();
/// Sampling mode with the live heap from the allocator's figure, attached to a running program: the
/// allocator's in-use bytes now become the baseline subtracted from the heap total sent.
void take_heap_baseline();
/// In a forked child: forget the parent's connection and thread; the child reconnects as a new stream,
/// which refers to the parent's for the stacks already sent, and counts from zero (call it after the
/// child's live and mapped tables were cleared).
void reset_in_child();

}  // namespace leakscope::tracker::transport
