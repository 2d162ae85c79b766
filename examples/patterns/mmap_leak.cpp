// A leak through mmap: every 0.25 s a buffer pool maps 256 KB of anonymous memory, fills it, and never
// unmaps it. Truth: linear leak, 1 MB/s, MappedBuffers::acquire.
#include <sys/mman.h>

#include "pacing.hpp"

class MappedBuffers {
public:
    __attribute__((noinline)) void* acquire() {
        void* p = mmap(nullptr, 256 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) pattern::touch(p, 256 << 10);
        return p;
    }
};

int main(int argc, char** argv) {
    MappedBuffers pool;
    pattern::every(0.25, pattern::run_seconds(argc, argv, 12), [&](long, double) { pool.acquire(); });
}
