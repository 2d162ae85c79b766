#include "thread_errno.hpp"

#include "os.hpp"

namespace leakscope::tracker {

constinit std::intptr_t g_errno_offset LEAKSCOPE_STARTUP_DATA = 0;

void measure_errno_offset() {
#if defined(__x86_64__)
    std::intptr_t thread_pointer = 0;
    asm("movq %%fs:0, %0" : "=r"(thread_pointer));  // the x86-64 TLS ABI keeps the thread pointer at %fs:0
    g_errno_offset = reinterpret_cast<std::intptr_t>(&errno) - thread_pointer;
#endif
}

}  // namespace leakscope::tracker
