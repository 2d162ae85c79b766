#include "clone_sentinel.hpp"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fork_state.hpp"
#include "os.hpp"

namespace leakscope::tracker {

constinit ForkState g_fork_state LEAKSCOPE_PAGE_ALIGNED_BSS;

constinit bool g_fork_state_wiped LEAKSCOPE_STARTUP_DATA = false;

namespace {
constinit std::atomic<int> g_never_wiped{1};
}  // namespace

constinit std::atomic<int>* g_clone_sentinel = &g_never_wiped;

void arm_clone_sentinel() {
    if (g_clone_sentinel != &g_never_wiped) return;
    // The pages are the library's own bss (no mapping of their own to make); fails on an old kernel, and
    // would on a page backed by the file: no way to tell then, track as before.
    if (syscall(SYS_madvise, &g_fork_state, sizeof g_fork_state, MADV_WIPEONFORK) != 0) return;
    g_fork_state.clone_sentinel.store(1, std::memory_order_relaxed);
    g_fork_state_wiped = true;
    g_clone_sentinel = &g_fork_state.clone_sentinel;
}

}  // namespace leakscope::tracker
