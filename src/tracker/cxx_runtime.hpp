// The pieces of the C++ runtime the tracker needs, without linking libstdc++.
//
// The tracker is preloaded into C programs too (bash, python3, perl, every program a shell script runs).
// Linking libstdc++.so loaded it into every one of them: ~0.5 ms of CPU per process started (a bash loop
// running /bin/true 1,000 times: 1.92 s of CPU under sampled tracking, 1.43 s without libstdc++, 0.63 s
// bare), and libstdc++'s start-up put its 71 KiB emergency pool for exceptions in the program's own heap,
// moving everything the program allocated after it. So the library is built without exceptions and links
// no libstdc++ (CMakeLists.txt; the test TrackerProcess.TheLibraryNeedsNoCxxRuntime fails if it comes back).
// What a throwing operator new needs comes from the program's own C++ runtime (libstdc++, or LLVM's
// libc++) when it fails: one is loaded in every program that calls operator new.
#pragma once

#include <new>

namespace leakscope::tracker {

/// The program's current new-handler (std::get_new_handler of its C++ runtime), or null when none is
/// set or no C++ runtime is loaded.
std::new_handler program_new_handler();

/// Throws std::bad_alloc through the program's C++ runtime (std::__throw_bad_alloc), so the program
/// catches its own type; aborts with a line on stderr when none is loaded (nothing could catch it).
[[noreturn]] void throw_program_bad_alloc();

/// Writes `first` and `second` (may be null) as one line on stderr and aborts.
[[noreturn]] void abort_with(const char* first, const char* second);

}  // namespace leakscope::tracker
