// A library the dlopen test loads and unloads; it allocates from its own code.
#include <stdlib.h>

void* volatile g_last_made;

extern "C" __attribute__((visibility("default"), noinline)) void* plugin_make(int) {
    void* p = malloc(1000);
    g_last_made = p;  // work after the call: malloc must not become a tail call that hides this frame
    return p;
}
