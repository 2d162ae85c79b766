/* A C program that runs for a moment: it keeps one 1000-byte block and frees another, then ends through
 * exit() or, with "_exit", through _exit (no library destructors). It never uses libstdc++.
 * With "heap" it prints what the tracker may not change in it: whether libstdc++ is mapped, and the bytes
 * in use in glibc's heap once its own blocks are allocated (mallinfo2, every arena), then glibc's
 * malloc_info XML, whose heap 0 is the main arena (the tracker's thread allocates in an arena of its own). With "plugin PATH" it opens the C++
 * library PATH with RTLD_LOCAL and prints whether operator new failed cleanly in it (plugin.cpp). */
#include <dlfcn.h>
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
    if (argc > 2 && strcmp(argv[1], "plugin") == 0) {
        void* plugin = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
        int (*fails_cleanly)(void) = plugin ? (int (*)(void))dlsym(plugin, "plugin_new_fails_cleanly") : NULL;
        if (!fails_cleanly) {
            fprintf(stderr, "cannot load %s: %s\n", argv[2], dlerror());
            return 2;
        }
        printf("new failed cleanly %d\n", fails_cleanly());
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "heap") == 0) {
        static char out_buffer[1 << 16];  /* stdout's buffer, not allocated in the heap being measured */
        setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
        const size_t in_use = mallinfo2().uordblks;  /* before fopen's own buffers */
        malloc_info(0, stdout);
        printf("libstdc++ mapped %d, heap in use %zu\n", libstdcxx_mapped(), in_use);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "_exit") == 0) _exit(0);
    return 0;
}
