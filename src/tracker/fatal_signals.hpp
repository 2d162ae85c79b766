// A tracked program that dies of a fatal signal (SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL) still sends its
// last state. The handler does not flush by itself: the program may have crashed inside malloc, holding a
// lock the flush needs. It asks the transport thread (transport::flush_for_fatal_signal), waits for it at
// most a second, and returns with the default action back in place, so the process dies of the same
// signal as it would have (exit status, core dump).
#pragma once

namespace leakscope::tracker::fatal_signals {

/// From the library constructor, under `leakscope run` only: a handler for each fatal signal whose action
/// is still the default (a program that handles its own crashes keeps doing so; one that installs its
/// handler later replaces ours).
void install();

}  // namespace leakscope::tracker::fatal_signals
