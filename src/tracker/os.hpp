// The few kernel services the tracker needs, as raw system calls: they never allocate, never take a
// libc lock and never re-enter the tracker's own mmap/munmap hooks.
#pragma once

#include <cstddef>
#include <atomic>
#include <cstdint>

/// On a word that every process's start writes (the real functions, the tracker's settings): puts it in
/// .data, beside the end of .got.plt, whose page the loader has written (copied) already while relocating
/// the library, rather than in .bss, where a word first read and then written costs two page faults (the
/// zero page mapped, then copied) in every process started, and one more page for each apart.
#define LEAKSCOPE_STARTUP_DATA __attribute__((section(".data")))
/// On a zero-initialized object aligned to a page (the bootstrap pool, the fork state): puts it in .lbss,
/// which the linker places after .bss, so that .bss keeps a small alignment and starts on the last page of
/// .data, the one the loader zero-fills (writes) past the file's end anyway; aligned to a page, .bss began
/// on a page of its own, whose words (crt's `completed.0`, read then written at exit) cost two faults in
/// every process.
#define LEAKSCOPE_PAGE_ALIGNED_BSS __attribute__((section(".lbss")))

namespace leakscope::tracker::os {

/// Anonymous private zero-filled pages, or nullptr.
/// Anonymous read-write pages (null when out of memory), and giving them back. Neither changes errno.
void* map_pages(std::size_t bytes);
void unmap_pages(void* address, std::size_t bytes);
std::uint64_t monotonic_ns();
/// CPU time of the calling thread (vDSO).
std::uint64_t thread_cpu_ns();
/// Sleeps; returns early on a signal (the caller loops on its own clock).
void sleep_ns(std::uint64_t ns);
int current_pid();
int current_tid();
/// Sleeps while *word == expected, at most `ns` (FUTEX_WAIT): async-signal-safe, woken by futex_wake.
void futex_wait(std::atomic<int>* word, int expected, std::uint64_t ns);
void futex_wake(std::atomic<int>* word);
int parent_pid();
/// True when `fd` is a file whose pages are memory, not a cache of a disk: memfd_create's, tmpfs's
/// (/dev/shm, POSIX shared memory) and hugetlbfs's. A mapping of one holds memory as an anonymous one does.
bool is_memory_backed_file(int fd);
/// Reads up to capacity-1 bytes of a small file (/proc/self/comm), NUL-terminated; returns the length or -1.
long read_small_file(const char* path, char* out, std::size_t capacity);
/// Like readlink(2), NUL-terminated; returns the length or -1.
long read_link(const char* path, char* out, std::size_t capacity);
void yield_cpu();

inline constexpr std::size_t kPageSize = 4096;
inline std::size_t round_up_to_pages(std::size_t bytes) { return (bytes + kPageSize - 1) & ~(kPageSize - 1); }

}  // namespace leakscope::tracker::os
