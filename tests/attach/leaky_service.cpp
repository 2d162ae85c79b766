// attach --track target: a single-threaded C++ service that leaks in one known place. Serves requests
// for the given number of milliseconds, then prints what it did and exits with code 7, so the test can
// check that the attached tracker left its output and exit code alone.
#include <dlfcn.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <string>
#include <thread>
#include <vector>

namespace {

std::list<std::string>* g_audit = new std::list<std::string>;  // never trimmed: the leak

__attribute__((noinline)) void audit_request(long id) {
    g_audit->push_back(std::string(900, static_cast<char>('a' + id % 26)));  // ~1 KB per request, kept forever
}

__attribute__((noinline)) long handle_request(long id) {
    std::vector<int> scratch(256 + id % 64);  // freed at once: churn, not a leak
    for (std::size_t i = 0; i < scratch.size(); ++i) scratch[i] = static_cast<int>(i * id);
    audit_request(id);
    return scratch.back();
}

/// Which module the program's own GOT slot for malloc points into: libc's, or the tracker's while attached.
__attribute__((noinline)) const char* malloc_binding() {
    void* (*volatile bound)(std::size_t) = &std::malloc;
    Dl_info info{};
    if (!dladdr(reinterpret_cast<void*>(bound), &info) || !info.dli_fname) return "?";
    const char* slash = std::strrchr(info.dli_fname, '/');
    return slash ? slash + 1 : info.dli_fname;
}

}  // namespace

int main(int argc, char** argv) {
    const long run_ms = argc > 1 ? std::atol(argv[1]) : 3000;
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(run_ms);
    long requests = 0, checksum = 0;
    while (std::chrono::steady_clock::now() < end) {
        for (int i = 0; i < 20; ++i) checksum += handle_request(requests++);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    std::printf("leaky_service served %ld requests, %zu audit entries, checksum %ld\n", requests, g_audit->size(), checksum & 0xffff);
    std::printf("malloc bound to %s\n", malloc_binding());
    return 7;
}
