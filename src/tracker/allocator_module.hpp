// Where the real allocator's code lives. An allocator other than glibc's (jemalloc preloaded, tcmalloc)
// takes its memory from the OS with mmap through the PLT, so those calls reach the tracker's mmap hook
// too; counted as "mapped" beside the blocks carved out of them, every byte would count twice (a
// jemalloc program's heap grew at twice its true rate). glibc's malloc maps through its internal
// __mmap and never reaches the hook.
#pragma once

namespace leakscope::tracker {

/// True when `code_address` lies in the loaded object that holds the real malloc: a hook's return
/// address there means the mapping is the allocator's own, already counted as the blocks it serves; a
/// function found there (mallctl, mallinfo2) is that allocator's.
bool in_the_allocators_object(const void* code_address);

}  // namespace leakscope::tracker
