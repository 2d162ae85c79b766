// Python frames in allocation stacks, for CPython targets (built against 3.11's headers, Debian 12's
// python3 being the reference; on at run time for the versions python_layout.hpp knows: 3.11, 3.12).
//
// At a recorded allocation on a thread with a Python thread state (holding the GIL or not: numpy lets
// it go around large callocs), the thread's own chain of interpreter frames is read in place (tstate->cframe->current_frame, then ->previous): code object and instruction offset
// per frame, the line from PyCode_Addr2Line. Nothing allocates and no Python object is made — the public
// PyThreadState_GetFrame/PyFrame_GetBack would create frame objects (and may run the cycle collector)
// inside malloc. Each (code, line) becomes a pseudo return address in the kernel half of the address
// space (no module ever maps there), interned once with its function and file names, which the
// transport sends as kPythonFrames; leakscope records them as the symbols of those addresses.
// Spliced: the native frames up to the innermost eval loop, then the Python frames; the native frames
// beyond (the interpreter calling itself) are not unwound at all, which is most of the unwinding cost.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "tracker_abi.h"

namespace leakscope::tracker::python {

/// Pseudo addresses: kTag | frame id. Above any user-space address on x86-64 and aarch64.
inline constexpr std::uint64_t kTag = 0xffff800000000000ull;
static_assert(kTag == LEAKSCOPE_TRACKER_PYTHON_TAG, "the exported C ABI names the same tag");

/// Looks up the interpreter's functions (dlsym on the running program) once, during the tracker's
/// initialization. A program that is not a matching CPython leaves this off: capture costs one branch.
void initialize();

/// Set by initialize() when the program is a CPython this tracker can read; never, built without one.
extern std::atomic<bool> g_active __attribute__((visibility("hidden")));
/// True when the program is a CPython this tracker can read. Inline: every captured stack asks.
inline bool active() { return g_active.load(std::memory_order_relaxed); }

/// True when one of these native frames is the interpreter's eval loop (the unwinding can stop there).
bool reaches_eval_loop(const std::uint64_t* frames, std::size_t count);

/// Splices the calling thread's Python frames into `frames` (native return addresses, innermost first,
/// `count` of them, room for `capacity`), when it runs Python: the native frames up to the innermost
/// eval loop, then the Python frames. Returns the new count.
std::size_t splice(std::uint64_t* frames, std::size_t count, std::size_t capacity);

/// One interned Python frame, for the transport.
struct FrameInfo {
    std::uint64_t address = 0;   ///< kTag | id
    std::uint32_t line = 0;
    const char* function = nullptr;  ///< UTF-8, function_length bytes (co_qualname)
    std::uint16_t function_length = 0;
    const char* file = nullptr;      ///< UTF-8 (co_filename)
    std::uint16_t file_length = 0;
};

/// Frames interned so far (ids 0..published-1 are complete and readable from any thread).
std::uint32_t published_count();
/// The frame with this id (< published_count()).
FrameInfo frame(std::uint32_t id);
/// fork(): the table lock is taken before and released after, in parent and child, so a child never
/// inherits it held by a thread that does not exist there (pthread_atfork, with the tracker's tables).
void lock_for_fork();
void unlock_after_fork();

/// The frame behind a pseudo address, when it is one of ours (already published); else false.
bool frame_at(std::uint64_t address, FrameInfo& out);

}  // namespace leakscope::tracker::python
