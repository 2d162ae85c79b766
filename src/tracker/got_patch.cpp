#include "got_patch.hpp"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "os.hpp"

namespace leakscope::tracker::got {

const char* const kHookedFunctions[] = {
    "malloc", "free", "calloc", "realloc", "reallocarray", "posix_memalign", "aligned_alloc", "memalign",
    "valloc", "pvalloc", "mmap", "mmap64", "munmap", "mremap", "_exit", "_Exit", "execve", "execv", "execvp",
    "execvpe", "execl", "execlp", "execle", "fexecve", "close", "dup2", "dup3", "close_range", "closefrom",
    // operator new / delete, every standard form (hooks.cpp)
    "_Znwm", "_Znam", "_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t", "_ZnwmSt11align_val_t", "_ZnamSt11align_val_t",
    "_ZnwmSt11align_val_tRKSt9nothrow_t", "_ZnamSt11align_val_tRKSt9nothrow_t", "_ZdlPv", "_ZdaPv", "_ZdlPvm",
    "_ZdaPvm", "_ZdlPvRKSt9nothrow_t", "_ZdaPvRKSt9nothrow_t", "_ZdlPvSt11align_val_t", "_ZdaPvSt11align_val_t",
    "_ZdlPvmSt11align_val_t", "_ZdaPvmSt11align_val_t", "_ZdlPvSt11align_val_tRKSt9nothrow_t",
    "_ZdaPvSt11align_val_tRKSt9nothrow_t"};
const std::size_t kHookedFunctionCount = sizeof(kHookedFunctions) / sizeof(kHookedFunctions[0]);

namespace {

#if defined(__x86_64__)
constexpr unsigned kJumpSlot = R_X86_64_JUMP_SLOT, kGlobalData = R_X86_64_GLOB_DAT;
#elif defined(__aarch64__)
constexpr unsigned kJumpSlot = R_AARCH64_JUMP_SLOT, kGlobalData = R_AARCH64_GLOB_DAT;
#else
#error "GOT patching: add this architecture's JUMP_SLOT and GLOB_DAT relocation types"
#endif

struct Slot {
    std::uintptr_t* address;
    std::uintptr_t original;
    std::uintptr_t hook;
};

constexpr std::size_t kMaxHooks = 64;
static_assert(sizeof(kHookedFunctions) / sizeof(kHookedFunctions[0]) <= kMaxHooks);
constexpr std::size_t kSlotBytes = 1 << 20;  // ~43,000 slots; mapped lazily by the kernel

/// All state lives in plain globals and mmap'd pages: this runs inside the target with hooks half-installed.
struct PatchState {
    bool resolved = false;
    std::uintptr_t self_base = 0;           ///< this library's load address: never patched
    std::uintptr_t program_base = 0;        ///< the main executable's load bias
    std::uintptr_t program_start = 0, program_end = 0;  ///< and its mapped range
    std::uintptr_t hooks[kMaxHooks] = {};   ///< our hook per name; 0 = leave that name alone
    std::uintptr_t targets[kMaxHooks] = {}; ///< what the program's global lookup resolves the name to
    Slot* slots = nullptr;
    std::size_t slot_count = 0;
    unsigned long long seen_adds = 0;
};
constinit PatchState g_state{};

// By the executable's mapped range, not by dladdr's base: a non-PIE executable's load bias (dlpi_addr) is
// 0 while dladdr names its first page (0x400000), and the two never matched for Debian's python3.11.
bool is_main_program(std::uintptr_t address) { return address >= g_state.program_start && address < g_state.program_end; }

int find_program_base(dl_phdr_info* info, std::size_t, void*) {
    g_state.program_base = info->dlpi_addr;  // the first entry is the main program
    g_state.program_start = ~std::uintptr_t{0};
    g_state.program_end = 0;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD) continue;
        g_state.program_start = std::min<std::uintptr_t>(g_state.program_start, info->dlpi_addr + ph.p_vaddr);
        g_state.program_end = std::max<std::uintptr_t>(g_state.program_end, info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
    }
    return 1;
}

/// Our hooks and the program's own definitions, by name. A name the main executable defines itself (a
/// replaced operator new, a statically linked allocator) is left alone, as LD_PRELOAD would leave it:
/// its blocks must go back to its own functions.
bool resolve() {
    if (g_state.resolved) return true;
    Dl_info self{};
    if (!dladdr(reinterpret_cast<void*>(&resolve), &self)) return false;
    g_state.self_base = reinterpret_cast<std::uintptr_t>(self.dli_fbase);
    dl_iterate_phdr(find_program_base, nullptr);
    void* handle = dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD);  // searches this library first
    if (!handle) return false;
    for (std::size_t i = 0; i < kHookedFunctionCount; ++i) {
        auto hook = reinterpret_cast<std::uintptr_t>(dlsym(handle, kHookedFunctions[i]));
        auto target = reinterpret_cast<std::uintptr_t>(dlsym(RTLD_DEFAULT, kHookedFunctions[i]));
        if (!hook || !target || target == hook) continue;
        // The executable's PLT stub for an imported function (canonical PLT entry): what its slot holds is
        // the function, and that slot is the one to rewrite (the other modules' slots hold the stub's
        // address and reach the hook through it). A function the executable defines itself is left alone.
        if (is_main_program(target) && (target = definition_behind_program_plt(kHookedFunctions[i])) == 0) continue;
        g_state.hooks[i] = hook;
        g_state.targets[i] = target;
    }
    dlclose(handle);
    g_state.slots = static_cast<Slot*>(os::map_pages(kSlotBytes));
    g_state.resolved = g_state.slots != nullptr;
    return g_state.resolved;
}

int hook_index(const char* name) {
    // Most relocations name other functions: a first-character test keeps the scan cheap.
    switch (name[0]) {
        case 'm': case 'f': case 'c': case 'r': case 'p': case 'a': case 'v': case 'e': case '_': break;
        default: return -1;
    }
    if (name[0] == '_' && name[1] == 'Z' && name[2] != 'n' && name[2] != 'd') return -1;
    for (std::size_t i = 0; i < kHookedFunctionCount; ++i) {
        if (std::strcmp(name, kHookedFunctions[i]) == 0) return static_cast<int>(i);
    }
    return -1;
}

struct Module {
    std::uintptr_t base = 0, start = ~std::uintptr_t{0}, end = 0;  ///< load bias, mapped range
    std::uintptr_t relro_start = 0, relro_end = 0;                 ///< page-aligned read-only-after-relocation
    const ElfW(Sym)* symbols = nullptr;
    const char* strings = nullptr;
    const ElfW(Rela)* tables[2] = {};
    std::size_t table_bytes[2] = {};
};

/// glibc rebases the dynamic section's addresses in place on most targets, not on all: take either.
std::uintptr_t rebase(std::uintptr_t value, std::uintptr_t base) { return value < base ? value + base : value; }

bool read_module(const dl_phdr_info* info, Module& m) {
    m.base = info->dlpi_addr;
    const ElfW(Dyn)* dynamic = nullptr;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type == PT_LOAD) {
            if (m.base + ph.p_vaddr < m.start) m.start = m.base + ph.p_vaddr;
            if (m.base + ph.p_vaddr + ph.p_memsz > m.end) m.end = m.base + ph.p_vaddr + ph.p_memsz;
        } else if (ph.p_type == PT_DYNAMIC) {
            dynamic = reinterpret_cast<const ElfW(Dyn)*>(m.base + ph.p_vaddr);
        } else if (ph.p_type == PT_GNU_RELRO) {
            m.relro_start = (m.base + ph.p_vaddr) & ~(os::kPageSize - 1);
            m.relro_end = (m.base + ph.p_vaddr + ph.p_memsz) & ~(os::kPageSize - 1);
        }
    }
    if (!dynamic) return false;
    for (const ElfW(Dyn)* d = dynamic; d->d_tag != DT_NULL; ++d) {
        switch (d->d_tag) {
            case DT_SYMTAB: m.symbols = reinterpret_cast<const ElfW(Sym)*>(rebase(d->d_un.d_ptr, m.base)); break;
            case DT_STRTAB: m.strings = reinterpret_cast<const char*>(rebase(d->d_un.d_ptr, m.base)); break;
            case DT_RELA: m.tables[0] = reinterpret_cast<const ElfW(Rela)*>(rebase(d->d_un.d_ptr, m.base)); break;
            case DT_RELASZ: m.table_bytes[0] = d->d_un.d_val; break;
            case DT_JMPREL: m.tables[1] = reinterpret_cast<const ElfW(Rela)*>(rebase(d->d_un.d_ptr, m.base)); break;
            case DT_PLTRELSZ: m.table_bytes[1] = d->d_un.d_val; break;
            case DT_PLTREL: if (d->d_un.d_val != DT_RELA) return false; break;  // REL-only targets: not handled
            default: break;
        }
    }
    return m.symbols && m.strings;
}

/// Writes `value` into a slot, opening a read-only (RELRO) page for the one store.
void store(const Module& m, std::uintptr_t* slot, std::uintptr_t value) {
    auto page = reinterpret_cast<std::uintptr_t>(slot) & ~(os::kPageSize - 1);
    bool read_only = page >= m.relro_start && page < m.relro_end;
    if (read_only && mprotect(reinterpret_cast<void*>(page), os::kPageSize, PROT_READ | PROT_WRITE) != 0) return;
    __atomic_store_n(slot, value, __ATOMIC_RELEASE);  // one aligned word: a concurrent caller sees old or new
    if (read_only) mprotect(reinterpret_cast<void*>(page), os::kPageSize, PROT_READ);
}

/// Calls `visit(name, slot)` for each of the module's GOT slots filled by a symbol's JUMP_SLOT or GLOB_DAT
/// relocation; stops when it returns false.
template <typename Visit>
void for_each_symbol_slot(const Module& m, Visit visit) {
    for (int t = 0; t < 2; ++t) {
        const std::size_t count = m.tables[t] ? m.table_bytes[t] / sizeof(ElfW(Rela)) : 0;
        for (std::size_t r = 0; r < count; ++r) {
            const ElfW(Rela)& rela = m.tables[t][r];
            const unsigned type = ELF64_R_TYPE(rela.r_info);
            if ((type != kJumpSlot && type != kGlobalData) || ELF64_R_SYM(rela.r_info) == 0) continue;
            if (!visit(m.strings + m.symbols[ELF64_R_SYM(rela.r_info)].st_name, reinterpret_cast<std::uintptr_t*>(m.base + rela.r_offset)))
                return;
        }
    }
}

void patch_module(const Module& m) {
    for_each_symbol_slot(m, [&m](const char* name, std::uintptr_t* slot) {
        const int index = hook_index(name);
        if (index < 0 || !g_state.hooks[index]) return true;
        const std::uintptr_t current = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
        // Only slots bound to the program's own definition, or not bound yet (lazy binding points
        // into the module's own PLT): a module bound to another malloc keeps it.
        const bool lazy = current >= m.start && current < m.end;
        if (current == g_state.hooks[index] || (current != g_state.targets[index] && !lazy)) return true;
        if (g_state.slot_count >= kSlotBytes / sizeof(Slot)) return false;
        g_state.slots[g_state.slot_count++] = Slot{slot, current, g_state.hooks[index]};
        store(m, slot, g_state.hooks[index]);
        return true;
    });
}

bool skipped_module(const dl_phdr_info* info) {
    if (info->dlpi_addr == g_state.self_base && g_state.self_base != 0) return true;
    const char* name = info->dlpi_name ? info->dlpi_name : "";
    const char* base = std::strrchr(name, '/');
    base = base ? base + 1 : name;
    // The loader has its own minimal malloc for start-up and calls libc's through pointers after; the
    // vDSO has no allocator calls.
    return std::strncmp(base, "ld-linux", 8) == 0 || std::strncmp(base, "ld64.so", 7) == 0 ||
           std::strncmp(base, "linux-vdso", 10) == 0 || std::strncmp(base, "linux-gate", 10) == 0;
}

int install_in_module(dl_phdr_info* info, std::size_t, void* data) {
    g_state.seen_adds = info->dlpi_adds;
    if (skipped_module(info)) return 0;
    Module m;
    if (read_module(info, m)) patch_module(m);
    (void)data;
    return 0;
}

int restore_in_module(dl_phdr_info* info, std::size_t, void* data) {
    auto* restored = static_cast<std::size_t*>(data);
    if (skipped_module(info)) return 0;
    Module m;
    if (!read_module(info, m)) return 0;
    for (std::size_t i = 0; i < g_state.slot_count; ++i) {
        Slot& s = g_state.slots[i];
        auto address = reinterpret_cast<std::uintptr_t>(s.address);
        if (!s.address || address < m.start || address >= m.end) continue;
        if (__atomic_load_n(s.address, __ATOMIC_ACQUIRE) == s.hook) {
            store(m, s.address, s.original);
            ++*restored;
        }
        s.address = nullptr;
    }
    return 0;
}

int read_adds(dl_phdr_info* info, std::size_t, void* data) {
    *static_cast<unsigned long long*>(data) = info->dlpi_adds;
    return 1;
}

}  // namespace

std::size_t install_hooks() {
    if (!resolve()) return 0;
    std::size_t before = g_state.slot_count;
    dl_iterate_phdr(install_in_module, nullptr);  // holds the loader's lock: no module comes or goes meanwhile
    return g_state.slot_count - before;
}

bool modules_added_since_install() {
    unsigned long long adds = 0;
    dl_iterate_phdr(read_adds, &adds);
    return adds != g_state.seen_adds;
}

std::size_t restore_slots() {
    std::size_t restored = 0;
    dl_iterate_phdr(restore_in_module, &restored);  // slots of unloaded modules are left: their pages are gone
    g_state.slot_count = 0;
    return restored;
}

std::size_t patched_slots() { return g_state.slot_count; }

namespace {

struct BehindPlt {
    const char* name = nullptr;
    std::uintptr_t value = 0;
};

int read_program_slot(dl_phdr_info* info, std::size_t, void* data) {
    auto* wanted = static_cast<BehindPlt*>(data);
    Module m;
    if (!read_module(info, m)) return 1;  // the first module is the main program: only it is read
    for_each_symbol_slot(m, [&m, wanted](const char* name, std::uintptr_t* slot) {
        if (std::strcmp(name, wanted->name) != 0) return true;
        const std::uintptr_t value = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
        // Not bound yet (lazy binding points back into the program's own PLT): nothing to go by.
        if (value >= m.start && value < m.end) return true;
        wanted->value = value;
        return false;
    });
    return 1;
}

}  // namespace

std::uintptr_t definition_behind_program_plt(const char* name) {
    BehindPlt wanted{name, 0};
    dl_iterate_phdr(read_program_slot, &wanted);
    return wanted.value;
}

bool in_main_program(std::uintptr_t address) {
    if (!g_state.program_end) dl_iterate_phdr(find_program_base, nullptr);
    return is_main_program(address);
}

}  // namespace leakscope::tracker::got
