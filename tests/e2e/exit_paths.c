/* A short program for the "everything up to exit" tests: it keeps 5,000 of 10,000 small blocks, keeps
 * one 48-byte block at a site of its own, frees two large blocks just before it ends, and ends by the
 * way argv[1] names: "return" (from main), "_exit", "exec" (/bin/sh -c 'exit 0'), "late" (sleeps
 * 1.5 s before its first allocation, then returns), "abort" or "segv" (dies of SIGABRT / SIGSEGV).
 * The exact live bytes at exit are known. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { kBlocks = 10000, kBlockBytes = 100, kBigBytes = 300000, kTinyBytes = 48 };
static void* blocks[kBlocks];
void* volatile g_tiny; /* kept: never freed */

__attribute__((noinline)) void* keep_small_block(void) {
    void* p = malloc(kBlockBytes);
    memset(p, 1, kBlockBytes);
    return p;
}

__attribute__((noinline)) void* make_big_block(void) {
    void* p = malloc(kBigBytes);
    memset(p, 2, kBigBytes);
    return p;
}

__attribute__((noinline)) void* keep_tiny_block(void) {
    void* p = malloc(kTinyBytes);
    memset(p, 3, kTinyBytes);
    return p;
}

int main(int argc, char** argv) {
    const char* mode = argc > 1 ? argv[1] : "return";
    if (strcmp(mode, "late") == 0) usleep(1500 * 1000);
    g_tiny = keep_tiny_block();
    for (int i = 0; i < kBlocks; ++i) blocks[i] = keep_small_block();
    void* a = make_big_block();
    void* b = make_big_block();
    for (int i = 0; i < kBlocks; i += 2) free(blocks[i]);
    free(a);
    free(b);
    printf("exit_paths %s done\n", mode);
    fflush(stdout);
    if (strcmp(mode, "_exit") == 0) _exit(3);
    if (strcmp(mode, "abort") == 0) abort();
    if (strcmp(mode, "segv") == 0) *(volatile int*)(uintptr_t)argc = 0; /* a fault at a small address */
    if (strcmp(mode, "exec") == 0) {
        execl("/bin/sh", "sh", "-c", "exit 4", (char*)NULL);
        return 99;
    }
    return 0;
}
