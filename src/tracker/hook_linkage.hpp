// What the files of hooks share (hooks.cpp, exit_hooks.cpp, descriptor_hooks.cpp): how a hook is exported
// from a library built -fvisibility=hidden, and how the real function it forwards to is found.
#pragma once

#include <dlfcn.h>

#define LEAKSCOPE_HOOK extern "C" __attribute__((visibility("default")))
#define LEAKSCOPE_CXX_HOOK __attribute__((visibility("default")))

namespace leakscope::tracker {

/// The definition of `name` after this library's (the one its hook forwards to), or null. dlsym may
/// allocate: the caller holds a ReentrancyGuard.
template <typename F>
F next_definition(const char* name) {
    return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace leakscope::tracker
