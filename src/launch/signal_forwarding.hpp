// SIGINT/SIGTERM/SIGHUP handling for leakscope's own process: the handler only records the signal;
// the main loop forwards it to the target (run) or stops watching (attach).
#pragma once

namespace leakscope::launch {

/// Installs the handlers (SA_RESTART off, so poll() wakes up). Call once.
void install_stop_signal_handlers();

/// The next signal received since the last call, or 0. `from_terminal` is true for a Ctrl-C typed
/// at the terminal: the kernel delivered that one to the whole foreground process group, the target
/// included, so forwarding it again would deliver it twice.
int take_pending_signal(bool& from_terminal);

/// A file descriptor that becomes readable when a signal arrives (a self-pipe), for poll().
int signal_wakeup_fd();

}  // namespace leakscope::launch
