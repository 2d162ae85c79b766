/* A dynamically linked program that never calls malloc: the tracker must never connect, and leakscope
 * says so. */
#include <unistd.h>

int main(void) {
    static const char message[] = "no malloc here\n";
    return write(1, message, sizeof(message) - 1) == (ssize_t)(sizeof(message) - 1) ? 0 : 1;
}
