#include "os.hpp"

#include <fcntl.h>
#include <sched.h>
#include <linux/futex.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

namespace leakscope::tracker::os {

// Both keep errno: the live table grows and shrinks inside a tracked free, which saves no errno of its own.
void* map_pages(std::size_t bytes) {
    const int saved_errno = errno;
    long result = syscall(SYS_mmap, nullptr, round_up_to_pages(bytes), PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    errno = saved_errno;
    if (result == -1) return nullptr;
    return reinterpret_cast<void*>(result);
}

void unmap_pages(void* address, std::size_t bytes) {
    const int saved_errno = errno;
    if (address) syscall(SYS_munmap, address, round_up_to_pages(bytes));
    errno = saved_errno;
}

std::uint64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);  // vDSO: no lock, no allocation
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

void sleep_ns(std::uint64_t ns) {
    timespec ts{static_cast<time_t>(ns / 1000000000ull), static_cast<long>(ns % 1000000000ull)};
    syscall(SYS_nanosleep, &ts, nullptr);
}

int current_pid() { return static_cast<int>(syscall(SYS_getpid)); }
int current_tid() { return static_cast<int>(syscall(SYS_gettid)); }

void futex_wait(std::atomic<int>* word, int expected, std::uint64_t ns) {
    static_assert(sizeof(std::atomic<int>) == sizeof(int));
    timespec timeout{static_cast<time_t>(ns / 1000000000ull), static_cast<long>(ns % 1000000000ull)};
    syscall(SYS_futex, reinterpret_cast<int*>(word), FUTEX_WAIT_PRIVATE, expected, &timeout, nullptr, 0);
}

void futex_wake(std::atomic<int>* word) {
    syscall(SYS_futex, reinterpret_cast<int*>(word), FUTEX_WAKE_PRIVATE, 1 << 30, nullptr, nullptr, 0);
}
int parent_pid() { return static_cast<int>(syscall(SYS_getppid)); }

bool is_memory_backed_file(int fd) {
    if (fd < 0) return false;
    struct statfs file_system {};
    const int saved_errno = errno;
    const bool read = syscall(SYS_fstatfs, fd, &file_system) == 0;
    errno = saved_errno;
    // memfd_create's files live on the kernel's internal tmpfs (hugetlbfs with MFD_HUGETLB).
    return read && (file_system.f_type == TMPFS_MAGIC || file_system.f_type == HUGETLBFS_MAGIC);
}

long read_small_file(const char* path, char* out, std::size_t capacity) {
    if (capacity == 0) return -1;
    int saved_errno = errno;
    long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        errno = saved_errno;
        return -1;
    }
    std::size_t used = 0;
    while (used + 1 < capacity) {
        long n = syscall(SYS_read, fd, out + used, capacity - 1 - used);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        used += static_cast<std::size_t>(n);
    }
    syscall(SYS_close, fd);
    out[used] = '\0';
    errno = saved_errno;
    return static_cast<long>(used);
}

long read_link(const char* path, char* out, std::size_t capacity) {
    if (capacity == 0) return -1;
    int saved_errno = errno;
    long n = syscall(SYS_readlinkat, AT_FDCWD, path, out, capacity - 1);
    errno = saved_errno;
    if (n < 0) return -1;
    out[n] = '\0';
    return n;
}

void yield_cpu() { syscall(SYS_sched_yield); }

}  // namespace leakscope::tracker::os
