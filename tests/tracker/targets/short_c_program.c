/* A C program that runs for a moment: it keeps one 1000-byte block and frees another, then ends through
 * exit() or, with "_exit", through _exit (no library destructors). It never uses libstdc++; the tracker,
 * a C++ library, loads it into the process all the same. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void* volatile g_kept;

__attribute__((noinline)) void keep_a_block(void) { g_kept = malloc(1000); }

int main(int argc, char** argv) {
    keep_a_block();
    void* volatile passing = malloc(50);
    free(passing);
    if (argc > 1 && strcmp(argv[1], "_exit") == 0) _exit(0);
    return 0;
}
