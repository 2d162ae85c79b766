/* A C program that runs for a moment: it keeps one 1000-byte block and frees another, then ends through
 * exit() or, with "_exit", through _exit (no library destructors). It never uses libstdc++.
 * With "heap" it prints what the tracker may not change in it: whether libstdc++ is mapped, and the bytes
 * in use in glibc's main arena once its own blocks are allocated. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int libstdcxx_mapped(void) {
    FILE* maps = fopen("/proc/self/maps", "r");
    if (!maps) return -1;
    char line[4096];
    int found = 0;
    while (fgets(line, sizeof line, maps)) found |= strstr(line, "libstdc++") != NULL;
    fclose(maps);
    return found;
}

void* volatile g_kept;

__attribute__((noinline)) void keep_a_block(void) { g_kept = malloc(1000); }

int main(int argc, char** argv) {
    keep_a_block();
    void* volatile passing = malloc(50);
    free(passing);
    if (argc > 1 && strcmp(argv[1], "heap") == 0) {
        const size_t in_use = mallinfo2().uordblks;  /* before fopen's own buffers */
        printf("libstdc++ mapped %d, main arena in use %zu\n", libstdcxx_mapped(), in_use);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "_exit") == 0) _exit(0);
    return 0;
}
