// RSS growth outside the malloc heap (failure class 3): a server starts one thread per connection and
// never joins it. Each thread parses the request in a 256 KiB buffer on its stack, then waits for a
// "close" that never comes (the client vanished and there is no timeout): the thread, its stack and
// the stack's touched pages stay. (A thread that returns gives most of its stack pages back, glibc
// madvises them away, so it is the hung thread that keeps the memory.) Two connections a second: RSS
// grows by 2 x 256 KiB = 524,288 B/s plus a few pages per thread, while the malloc heap stays flat.
// Truth: a leak (of threads and their stacks), linear, seen in RSS; no malloc site holds it.
#include <pthread.h>

#include <cstring>

#include "pacing.hpp"

namespace {

pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t closed = PTHREAD_COND_INITIALIZER;  // never signalled

__attribute__((noinline)) void* serve_connection(void* arg) {
    char parse_buffer[256 << 10];
    std::memset(parse_buffer, static_cast<int>(reinterpret_cast<long>(arg) & 0x7f), sizeof parse_buffer);
    asm volatile("" : : "r"(parse_buffer) : "memory");
    pthread_mutex_lock(&mutex);
    for (;;) pthread_cond_wait(&closed, &mutex);  // waits for the client to close
}

}  // namespace

int main(int argc, char** argv) {
    pattern::every(0.5, pattern::run_seconds(argc, argv, 16), [&](long i, double) {
        pthread_t thread;
        // Neither joined nor detached: the hung thread and its stack stay until the process exits.
        pthread_create(&thread, nullptr, serve_connection, reinterpret_cast<void*>(i));
    });
}
