// RSS that grows outside the malloc heap, for the smaps-category test:
//   outside_heap_leak threads SECONDS   a thread every 200 ms that touches 256 KiB of its stack and
//                                       blocks for good (never joined)
//   outside_heap_leak mmap SECONDS      a 1 MiB anonymous mapping every 200 ms, touched, never unmapped
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int g_block[2];

static void* hold_stack(void* arg) {
    (void)arg;
    volatile char buffer[256 * 1024];
    for (size_t i = 0; i < sizeof buffer; i += 4096) buffer[i] = 1;
    char byte;
    (void)!read(g_block[0], &byte, 1);  // nobody ever writes: blocked until exit
    return NULL;
}

int main(int argc, char** argv) {
    if (argc != 3 || (strcmp(argv[1], "threads") != 0 && strcmp(argv[1], "mmap") != 0) || atof(argv[2]) <= 0) {
        fprintf(stderr, "usage: outside_heap_leak threads|mmap SECONDS\n");
        return 2;
    }
    if (pipe(g_block) != 0) return 1;
    const int rounds = (int)(atof(argv[2]) * 5);
    for (int i = 0; i < rounds; ++i) {
        if (argv[1][0] == 't') {
            pthread_t thread;
            if (pthread_create(&thread, NULL, hold_stack, NULL) != 0) return 1;
        } else {
            char* block = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (block == MAP_FAILED) return 1;
            for (size_t j = 0; j < (1u << 20); j += 4096) block[j] = 1;
        }
        usleep(200 * 1000);
    }
    _exit(0);  // the blocked threads would keep a normal exit waiting for nothing; _exit ends them all
}
