// A library the dlopen test loads and unloads; it allocates from its own code. A C program opens it with
// RTLD_LOCAL too (short_c_program.c "plugin"), so that its libstdc++ is outside the global scope.
#include <stdint.h>
#include <stdlib.h>

#include <new>

void* volatile g_last_made;

extern "C" __attribute__((visibility("default"), noinline)) void* plugin_make(int) {
    void* p = malloc(1000);
    g_last_made = p;  // work after the call: malloc must not become a tail call that hides this frame
    return p;
}

namespace {
int g_handler_calls = 0;
}

// operator new failing inside a library a C program opened: the new-handler runs once (it removes
// itself), then std::bad_alloc reaches this catch. 1 when both happened.
extern "C" __attribute__((visibility("default"), noinline)) int plugin_new_fails_cleanly() {
    g_handler_calls = 0;
    std::set_new_handler([] {
        ++g_handler_calls;
        std::set_new_handler(nullptr);
    });
    try {
        g_last_made = ::operator new(SIZE_MAX / 2);
    } catch (const std::bad_alloc&) {
        return g_handler_calls == 1 ? 1 : 0;
    }
    return 0;
}
