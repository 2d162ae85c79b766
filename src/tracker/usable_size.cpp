#include "usable_size.hpp"

#include <dlfcn.h>
#include <link.h>

#include <cstring>
#include <initializer_list>

#include "os.hpp"

// glibc 2.35+ (frame_rules.cpp): weak, so an older glibc takes dladdr instead.
extern "C" int _dl_find_object(void* address, dl_find_object* result) __attribute__((weak));

namespace leakscope::tracker {

bool g_glibc_chunk_headers LEAKSCOPE_STARTUP_DATA = false;

namespace {

/// The path of the module holding `code`, or null. `_dl_find_object` names the module alone, where
/// dladdr also searches its symbol table for the nearest symbol: for glibc's malloc that scan was
/// ~89 K instructions, a sixth of the tracker's start-up in every process (callgrind, /bin/true).
const char* module_path_of(void* code) {
    dl_find_object found;
    if (_dl_find_object && _dl_find_object(code, &found) == 0)
        return found.dlfo_link_map ? found.dlfo_link_map->l_name : nullptr;
    Dl_info info{};
    return dladdr(code, &info) ? info.dli_fname : nullptr;
}

}  // namespace

void initialize_usable_size() {
    g_glibc_chunk_headers = false;
    const char* path = module_path_of(reinterpret_cast<void*>(g_real.malloc));
    if (!path || !std::strstr(path, "/libc.so")) return;  // another allocator (jemalloc, tcmalloc...) is in use: always ask it
    bool matches = true;
    for (std::size_t size : {1ul, 24ul, 100ul, 1000ul, 5000ul, 70000ul, 300000ul, 2000000ul}) {
        void* p = g_real.malloc(size);
        if (!p) return;
        std::size_t ours = glibc_usable_size(p);
        // The chunk is the usable bytes and one header word (two for an mmapped chunk).
        std::size_t overhead = (glibc_chunk_header(p) & kGlibcIsMmapped) ? 2 * sizeof(std::size_t) : sizeof(std::size_t);
        matches &= ours == g_real.malloc_usable_size(p) && ours >= size && glibc_chunk_bytes(glibc_chunk_header(p)) == ours + overhead;
        g_real.free(p);
    }
    g_glibc_chunk_headers = matches;
}

}  // namespace leakscope::tracker
