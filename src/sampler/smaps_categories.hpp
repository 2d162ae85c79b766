// Where a process's resident memory lives, from /proc/PID/smaps: the brk heap, thread stacks, other
// anonymous mappings, file-backed mappings, and the rest. It tells RSS growth outside the malloc heap
// apart: threads never joined (their stacks stay mapped), a JIT's or GC's own anonymous heap, mapped
// files. Reading smaps walks every mapping's page tables under the target's mmap lock, so the sampler
// reads it only now and then (tree_sampler.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace leakscope::sampler {

struct SmapsCategories {
    std::uint64_t brk_heap = 0;    ///< [heap]: glibc's main arena grows here with brk
    std::uint64_t stacks = 0;      ///< [stack], and thread stacks (see classify_smaps)
    std::uint64_t anon_other = 0;  ///< other private anonymous: mmap'd malloc arenas and big blocks, JIT/GC heaps
    std::uint64_t file = 0;        ///< mappings with an inode: code, data, mapped files, shared memory
    std::uint64_t other = 0;       ///< [vdso], [vvar], shared anonymous without an inode, ...
    /// The stacks' mapped size, resident or not ("Size:"). A thread's stack is mapped whole (8 MiB by
    /// default) and mostly never touched: room in the private writable mappings (VmData) that only
    /// that thread's calls can use, never a heap's growth.
    std::uint64_t stacks_mapped = 0;
    std::uint64_t total() const { return brk_heap + stacks + anon_other + file + other; }
};

/// Sums the resident bytes ("Rss:") of every mapping of one smaps text by category, and the stacks'
/// mapped size. A private anonymous
/// mapping counts as a thread stack when it holds one of `stack_pointers` (sorted; threads blocked in a
/// system call, see parse_syscall_stack_pointer), or when it is writable and sits right above an
/// anonymous no-access mapping of at most 1 MiB: the guard page glibc (and the JVM) put below every
/// thread stack. A thread that exited but was never joined keeps its stack that way. nullopt when the
/// text is not smaps (no mapping with an Rss line).
std::optional<SmapsCategories> classify_smaps(std::string_view text, std::span<const std::uint64_t> stack_pointers);

/// The stack pointer of a thread from /proc/PID/task/TID/syscall: "NR args... sp pc" while blocked in a
/// system call, "-1 sp pc" while blocked otherwise; nullopt for "running" and anything else.
std::optional<std::uint64_t> parse_syscall_stack_pointer(std::string_view text);

}  // namespace leakscope::sampler
