#include "clone_sentinel.hpp"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os.hpp"

namespace leakscope::tracker {

namespace {
constinit std::atomic<int> g_never_wiped{1};
}  // namespace

constinit std::atomic<int>* g_clone_sentinel = &g_never_wiped;

void arm_clone_sentinel() {
    if (g_clone_sentinel != &g_never_wiped) return;
    void* page = os::map_pages(os::kPageSize);
    if (!page) return;
    if (syscall(SYS_madvise, page, os::kPageSize, MADV_WIPEONFORK) != 0) {
        os::unmap_pages(page, os::kPageSize);  // an old kernel: no way to tell, track as before
        return;
    }
    auto* sentinel = static_cast<std::atomic<int>*>(page);
    sentinel->store(1, std::memory_order_relaxed);
    g_clone_sentinel = sentinel;
}

void rearm_clone_sentinel_after_fork() { g_clone_sentinel->store(1, std::memory_order_relaxed); }

}  // namespace leakscope::tracker
