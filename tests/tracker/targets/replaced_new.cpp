// A program that replaces the global operator new/delete with its own (malloc-based, counting) versions:
// the program's definitions win over the tracker's, and every block must still be counted exactly once.
#include <stdio.h>
#include <stdlib.h>

#include <new>
#include <vector>

static long g_live_news = 0;

void* operator new(std::size_t size) {
    ++g_live_news;
    if (void* p = malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept {
    if (p) --g_live_news;
    free(p);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { operator delete(p); }

extern "C" __attribute__((noinline, used)) void replaced_new_leaks(std::vector<int*>& out) {
    for (int i = 0; i < 12; ++i) out.push_back(new int[25]);  // 12 x 100 bytes
}

int main() {
    long before = g_live_news;
    auto* kept = new std::vector<int*>();
    kept->reserve(16);
    replaced_new_leaks(*kept);
    for (int i = 0; i < 100; ++i) delete new int(i);
    printf("live news from main: %ld\n", g_live_news - before);
    return 0;
}
