// leakscope_tracker_attach: what `leakscope attach --track` (src/attach/) calls inside a running program,
// on one of its threads, right after injecting this library with dlopen. Turns tracking on with the
// settings passed, rewrites the program's GOT slots to the hooks (got_patch.hpp) and starts the
// transport thread, whose stream ending is the signal to detach (transport.cpp).
#include "attach_abi.h"
#include "config.hpp"
#include "got_patch.hpp"
#include "thread_state.hpp"
#include "tracker.hpp"
#include "transport.hpp"

using namespace leakscope::tracker;

extern "C" __attribute__((visibility("default"))) int leakscope_tracker_attach(const char* settings, size_t length) {
    ReentrancyGuard guard;  // dlsym and dladdr below allocate: not the program's allocations
    int saved_errno = errno;
    AttachStatus status = activate_in_running_program(parse_config(settings, length));
    if (status == AttachStatus::kAttached) {
        transport::allow_start(/*grow_table=*/false);
        if (got::install_hooks() == 0) {
            deactivate();
            status = AttachStatus::kNothingToHook;
        } else {
            transport::start_thread_once();
        }
    }
    errno = saved_errno;
    return static_cast<int>(status);
}
