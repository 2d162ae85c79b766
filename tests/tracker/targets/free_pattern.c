// A known malloc/free pattern for the allocator-statistics test: 4000 blocks of 4000 bytes, each
// followed by a small block that stays, so that freeing every other big block leaves 2000 free chunks
// that cannot merge with each other or with the top of the heap (the allocator must keep them).
// Phases are separated by sleeps well longer than the tracker's statistics interval (1 s, more when a
// read is slow: allocator_stats.cpp).
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

enum { kBlocks = 4000, kBlockBytes = 4000 };

int main(void) {
    static void* big[kBlocks];
    static void* small[kBlocks];
    for (int i = 0; i < kBlocks; ++i) {
        big[i] = malloc(kBlockBytes);
        small[i] = malloc(24);
        if (!big[i] || !small[i]) return 1;
        ((volatile char*)big[i])[0] = 1;  // touch it
    }
    usleep(2500 * 1000);
    for (int i = 0; i < kBlocks; i += 2) free(big[i]);
    usleep(2500 * 1000);
    printf("done\n");
    return 0;
}
