// Tells the process the tracker was set up in (and children forked through fork(), whose handlers set
// the tracker up again) from a child made by a raw clone() system call, which runs no fork handler.
// Such a child is a copy of a multi-threaded process (the transport thread) taken at an arbitrary
// instant: a lock that thread held then (the loader's, taken by dl_iterate_phdr in the module scan and
// by the unwinder) stays held in the child for ever, so the child must not track: it goes untracked.
//
// The sentinel is a word in a page marked MADV_WIPEONFORK (the fork handlers' locks share it:
// fork_state.hpp; where those pages cannot be wiped, a page of its own): the kernel hands every child
// that gets a copy of the address space (fork, or clone without CLONE_VM) that page zeroed, while a vfork
// child, which shares the memory, still reads it set. Checking costs a load, not a getpid system call.
#pragma once

#include <atomic>

namespace leakscope::tracker {

/// The armed sentinel; before arming, or when the kernel lacks MADV_WIPEONFORK (before 4.14: a raw
/// clone child then tracks as it always did), a word that is never wiped. Never null: one load less
/// on every tracked allocation and free.
extern constinit std::atomic<int>* g_clone_sentinel;

/// Marks the fork state's pages MADV_WIPEONFORK and arms the sentinel (once per process, when the tables
/// are prepared).
void arm_clone_sentinel();
/// In a fork() child, from the fork handler: the kernel wiped the page; this child is tracked. Inline: a
/// forked child's first touch of each 64 KiB of the library's code costs a fault (file pages are not
/// copied at fork), and the fork handler's own code is there already.
inline void rearm_clone_sentinel_after_fork() { g_clone_sentinel->store(1, std::memory_order_relaxed); }

/// True in a copy of the tracked process that no fork handler ran in (a raw clone child).
inline bool in_raw_clone_child() { return g_clone_sentinel->load(std::memory_order_relaxed) == 0; }

}  // namespace leakscope::tracker
