/* A pre-forking server in miniature: the parent loads 40 MB of state, then forks 4 workers that live
 * together for 2 s, each allocating 1 MB of its own and freeing one block of the parent's state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) static void* load_state(size_t size) {
    void* p = malloc(size);
    memset(p, 1, size);
    return p;
}

__attribute__((noinline)) static void* worker_buffer(size_t size) {
    void* p = malloc(size);
    memset(p, 2, size);
    return p;
}

int main(void) {
    static void* state[40];
    for (int i = 0; i < 40; ++i) state[i] = load_state(1000000);
    usleep(500 * 1000);
    pid_t workers[4];
    for (int w = 0; w < 4; ++w) {
        fflush(stdout);
        if ((workers[w] = fork()) == 0) {
            free(state[w]);  /* the parent's block: not the worker's to subtract */
            void* mine = worker_buffer(1000000);
            usleep(2000 * 1000);
            free(mine);
            _exit(0);
        }
    }
    for (int w = 0; w < 4; ++w) waitpid(workers[w], NULL, 0);
    usleep(300 * 1000);
    printf("fork_workers done\n");
    return 0;
}
