/* Two callers of one allocating line (audit_write), each leaking at its own rate, for ~4 s: the
 * report must name both rows and tell them apart by the caller, also from a recording whose leakscope
 * was killed before it could symbolize. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) void* audit_write(size_t n) {
    void* p = malloc(n);
    memset(p, 1, n);
    return p;
}

__attribute__((noinline)) void* on_login(void) { return audit_write(512); }
__attribute__((noinline)) void* on_logout(void) { return audit_write(256); }

int main(void) {
    for (int i = 0; i < 400; ++i) {
        on_login();
        on_logout();
        usleep(10000);
    }
    return 0;
}
