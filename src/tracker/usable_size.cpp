#include "usable_size.hpp"

#include <dlfcn.h>

#include <cstring>
#include <initializer_list>

namespace leakscope::tracker {

bool g_glibc_chunk_headers = false;

void initialize_usable_size() {
    g_glibc_chunk_headers = false;
    Dl_info info{};
    if (!dladdr(reinterpret_cast<void*>(g_real.malloc), &info) || !info.dli_fname || !std::strstr(info.dli_fname, "/libc.so"))
        return;  // another allocator (jemalloc, tcmalloc...) is in use: always ask it
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
