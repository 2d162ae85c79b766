// See cxx_runtime.hpp: the tracker without libstdc++.
#include "cxx_runtime.hpp"

#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace leakscope::tracker {

// write(2), not stdio: this runs where an allocation just failed or a container is in a bad state.
[[noreturn]] void abort_with(const char* first, const char* second) {
    [[maybe_unused]] ssize_t written = write(STDERR_FILENO, first, std::strlen(first));
    if (second) written = write(STDERR_FILENO, second, std::strlen(second));
    written = write(STDERR_FILENO, "\n", 1);
    std::abort();
}

namespace {

// Looked up when needed: operator new fails rarely, and a libstdc++ loaded after the tracker (a plugin
// dlopen'ed by a C program) is found then too.
template <typename Function>
Function program_function(const char* mangled_name) {
    // The program's own libstdc++, in its global scope: the tracker has none.
    if (void* found = dlsym(RTLD_DEFAULT, mangled_name)) return reinterpret_cast<Function>(found);
    // One loaded by a library opened with RTLD_LOCAL (a C++ extension module of python3) is not in the
    // global scope: found among the loaded objects by its name (GNU's libstdc++, or LLVM's libc++ and
    // libc++abi, which export the same two names), and asked through a handle that loads nothing
    // (RTLD_NOLOAD) and is given back at once (the library stays: its loader still holds it).
    struct Runtimes {
        char paths[3][1024];
        int count;
    } runtimes{};
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) -> int {
            auto& out = *static_cast<Runtimes*>(data);
            const char* name = info->dlpi_name;
            if (!name || !(std::strstr(name, "/libstdc++.so") || std::strstr(name, "/libc++")) ||
                std::strlen(name) >= sizeof out.paths[0])
                return 0;
            std::strcpy(out.paths[out.count++], name);
            return out.count == 3 ? 1 : 0;
        },
        &runtimes);
    for (int i = 0; i < runtimes.count; ++i) {
        void* library = dlopen(runtimes.paths[i], RTLD_LAZY | RTLD_NOLOAD);
        if (!library) continue;
        void* found = dlsym(library, mangled_name);
        dlclose(library);
        if (found) return reinterpret_cast<Function>(found);
    }
    return nullptr;
}

}  // namespace

std::new_handler program_new_handler() {
    using GetNewHandler = std::new_handler (*)();
    auto get = program_function<GetNewHandler>("_ZSt15get_new_handlerv");
    return get ? get() : nullptr;
}

void throw_program_bad_alloc() {
    using ThrowBadAlloc = void (*)();
    if (auto throw_bad_alloc = program_function<ThrowBadAlloc>("_ZSt17__throw_bad_allocv")) throw_bad_alloc();
    abort_with("leakscope tracker: operator new failed and no C++ runtime is loaded to throw std::bad_alloc", nullptr);
}

}  // namespace leakscope::tracker

// The tracker's own std::vector and std::string (the transport thread's buffers) call these when a size
// is out of range or an allocation fails. libstdc++ defines them; the tracker links none (above), so it
// has its own, hidden (-fvisibility=hidden): the program's copies, if any, are untouched. Without
// exceptions there is nothing to throw: each is a bug in the tracker or memory exhausted in its own
// thread, and it stops the program loudly.
namespace std {
[[noreturn]] void __throw_length_error(const char* what) {
    leakscope::tracker::abort_with("leakscope tracker: a container of its own outgrew its limit: ", what);
}
[[noreturn]] void __throw_logic_error(const char* what) {
    leakscope::tracker::abort_with("leakscope tracker: a container of its own was misused: ", what);
}
[[noreturn]] void __throw_bad_alloc() {
    leakscope::tracker::abort_with("leakscope tracker: out of memory for its own buffers", nullptr);
}
[[noreturn]] void __throw_bad_array_new_length() {
    leakscope::tracker::abort_with("leakscope tracker: an array of its own too long to allocate", nullptr);
}
}  // namespace std
