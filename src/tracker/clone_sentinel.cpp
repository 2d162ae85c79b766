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
    // The pages are the library's own bss (no mapping of their own to make).
    std::atomic<int>* sentinel = &g_fork_state.clone_sentinel;
    if (syscall(SYS_madvise, &g_fork_state, sizeof g_fork_state, MADV_WIPEONFORK) == 0) {
        g_fork_state_wiped = true;
    } else {
        // Refused where those pages are backed by the file: clang's sanitizer build emits .lbss as PROGBITS,
        // and there every raw clone child was tracked (TrackerProcess.RawCloneChildrenAtEveryPhaseOfTheRounds-
        // NeverHang: 201 processes for 1, in session 27's clean clone). The fork handlers then unlock as
        // before, and the sentinel gets an anonymous page of its own, as it had before the fork state.
        void* page = os::map_pages(os::kPageSize);
        if (!page) return;
        if (syscall(SYS_madvise, page, os::kPageSize, MADV_WIPEONFORK) != 0) {
            os::unmap_pages(page, os::kPageSize);  // an old kernel: no way to tell, track as before
            return;
        }
        sentinel = static_cast<std::atomic<int>*>(page);
    }
    sentinel->store(1, std::memory_order_relaxed);
    g_clone_sentinel = sentinel;
}

}  // namespace leakscope::tracker
