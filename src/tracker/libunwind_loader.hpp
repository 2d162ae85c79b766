// libunwind, loaded when the tracker first needs it instead of with the library. Linked, libunwind.so.8
// and the liblzma.so.5 it needs (bound at load: BIND_NOW) were loaded and relocated into every process
// started under tracking, ~113 K instructions and 11 page faults each, a quarter of what the tracker cost
// a `/bin/true` (README, the spawn workload), though most processes never unwind a frame the plain rules
// do not cover (frame_walk.hpp: signal frames, CFA expressions, code without unwind info).
//
// Where it is loaded, and why there: only by a thread that is not inside the dynamic loader and holds
// none of the tracker's locks, so the loader's lock and the allocator's are taken in no new order:
// - the transport thread, first thing (its own allocations are untracked). A fork() meanwhile waits for
//   the load in the fork handler, before it takes any lock (glibc's fork leaves the loader's lock alone
//   and resets it in the child, which would hold a half-loaded libunwind), at most 10 ms: a thread that
//   forks while holding the loader's lock (a library's constructor during dlopen) would wait for ever,
//   and in that case the load cannot have begun;
// - the library constructor in check mode (LEAKSCOPE_TRACKER_CHECK_UNWIND=1), where every stack is compared
//   with libunwind's: glibc allows dlopen from a constructor.
// Never from an allocation hook: the hook may run inside the loader (dlopen's and dlsym's own mallocs, with
// the loader's lock held) or in a signal handler that interrupted it.
// Until it is loaded (a process's first tracked allocations, before its transport thread has run), a stack
// with a frame the plain rules do not cover ends at that frame (frame_walk.cpp), and check mode skips the
// comparison. A forked child inherits the loaded library.
#pragma once

#include <atomic>
#include <cstdint>

namespace leakscope::tracker {

using BacktraceFunction = int (*)(void** frames, int max);

/// libunwind's unw_backtrace once loaded, else null.
extern std::atomic<BacktraceFunction> g_libunwind_backtrace;

/// Loads libunwind (once per process; later calls return at once) and publishes unw_backtrace. Sets its
/// per-thread cache first (the default global one takes a lock on every unwind), unless the program had
/// loaded libunwind itself: switching the policy under a call in progress leaves its cache lock held.
/// Only from the places listed above. False when libunwind cannot be loaded.
bool load_libunwind();

/// The fork handler: waits for a load in progress on another thread, at most `timeout_ns`.
void wait_for_libunwind_load(std::uint64_t timeout_ns);

inline BacktraceFunction libunwind_backtrace() { return g_libunwind_backtrace.load(std::memory_order_acquire); }

}  // namespace leakscope::tracker
