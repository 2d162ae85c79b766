// Redirects a running program's allocator calls to the tracker's hooks by rewriting the GOT entries
// (JUMP_SLOT and GLOB_DAT relocations) of every loaded module, for `leakscope attach --track`: the
// program resolved malloc & co. long before the library arrived, so LD_PRELOAD-style interposition does
// not apply. Every rewritten slot is remembered with its old value so that detaching puts it back.
#pragma once

#include <cstddef>
#include <cstdint>

namespace leakscope::tracker::got {

/// Points every loaded module's slots for the hooked functions at this library's hooks (skipping this
/// library and the dynamic loader). Modules seen before are skipped, so it can run again after new
/// modules are loaded. Returns how many slots were rewritten in this call.
std::size_t install_hooks();
/// True when modules were loaded since the last install_hooks() (dl_iterate_phdr's counter: cheap).
bool modules_added_since_install();
/// Puts back the old value of every slot that still holds our hook, in modules that are still loaded.
/// Returns how many slots were restored.
std::size_t restore_slots();
/// Slots currently rewritten (for the attach report).
std::size_t patched_slots();

/// What a name the main executable defines only as a canonical PLT entry really calls: the value of the
/// executable's own JUMP_SLOT or GLOB_DAT slot for it, once bound. A non-PIE program that takes the
/// address of an imported function (Debian's python3.11 does, for malloc and free) defines the name at
/// its PLT stub so that the address is the same everywhere, and the global lookup finds that stub, not
/// libc's function. 0 when the executable has no slot for the name (it defines the function itself:
/// a replaced allocator) or the slot is not bound yet.
std::uintptr_t definition_behind_program_plt(const char* name);
/// True when `address` lies in the main executable.
bool in_main_program(std::uintptr_t address);

/// The functions whose slots are rewritten: every hook this library exports (hooks.cpp, exit_hooks.cpp).
extern const char* const kHookedFunctions[];
extern const std::size_t kHookedFunctionCount;

}  // namespace leakscope::tracker::got
