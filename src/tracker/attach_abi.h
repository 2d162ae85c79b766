/* The entry point `leakscope attach --track` calls inside a running program after injecting this library
 * (src/attach/), and what it answers. Shared with leakscope's side, which turns each answer into a line. */
#ifndef LEAKSCOPE_TRACKER_ATTACH_ABI_H
#define LEAKSCOPE_TRACKER_ATTACH_ABI_H

#include <stddef.h>

#ifdef __cplusplus
namespace leakscope::tracker {
enum class AttachStatus : int {
    kAttached = 0,          /* tracking; the transport thread runs */
    kAlreadyTracking = 1,   /* the tracker is active in this process already (started under `leakscope run`) */
    kBadSettings = 2,       /* no socket in the settings block */
    kMissingFunctions = 3,  /* the program's global scope lacks an allocation function */
    kNothingToHook = 4,     /* no module calls malloc & co. through a GOT slot this library may rewrite */
};
}  // namespace leakscope::tracker
extern "C" {
#endif

/* settings: NUL-separated NAME=VALUE entries as in /proc/PID/environ (the LEAKSCOPE_TRACKER_* variables).
 * Returns an AttachStatus value. */
int leakscope_tracker_attach(const char* settings, size_t length);

#define LEAKSCOPE_TRACKER_ATTACH_SYMBOL "leakscope_tracker_attach"

#ifdef __cplusplus
}
#endif
#endif
