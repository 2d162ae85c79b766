// Keeps the tracker in the programs a tracked process execs when their environment would lose it:
// `leakscope run -- env LD_PRELOAD=libjemalloc.so.2 ./svc` has env replace LD_PRELOAD, so ./svc started
// without the tracker and its whole run went unseen ("tracking lost at 0.1 s"). When the environment
// handed to exec still carries the run's LEAKSCOPE_TRACKER_SOCKET (the tree is being tracked) but its
// LD_PRELOAD no longer names the tracker, the tracker is put back in front of it, as `leakscope run`
// does with a preload the user set outside it. An environment without the run's variables (`env -i`,
// a wrapper that cleans it) is left as given: the program was meant to leave the tree's tracking.
//
// exec may follow a fork in a multithreaded program, where only async-signal-safe work is allowed: no
// malloc, so the new environment is built on the caller's stack. And every exec pays for the check: in a
// fork child every code page it touches faults in again (file-backed mappings' page tables are not
// copied at fork), and calling libc's string functions cost ~10 page faults per exec of bash's
// `/bin/true` loop (+7% of its CPU). So the check is inline, in the hooks' own code, with no calls.
#pragma once

#include <cstddef>

#include "protocol.hpp"

namespace leakscope::tracker::preload {

/// Records the tracker's own file, once, at load, from the LD_PRELOAD the process started with: the path
/// put back into LD_PRELOAD.
void remember_tracker_file();

/// What an exec's environment needs: nothing, or an LD_PRELOAD entry replacing the one at `replaced` (or
/// added when there is none, `replaced` == `count`).
struct Plan {
    bool needed = false;
    std::size_t count = 0;     ///< entries of envp
    std::size_t replaced = 0;  ///< index of envp's LD_PRELOAD entry, `count` when it has none
    std::size_t entry_bytes = 0;  ///< the new entry's size, with its null
};

namespace detail {

/// `text` starts with `prefix` (a literal).
template <std::size_t N>
inline bool starts_with(const char* text, const char (&prefix)[N]) {
    for (std::size_t i = 0; i + 1 < N; ++i)
        if (text[i] != prefix[i]) return false;
    return true;
}

inline std::size_t length(const char* text) {
    std::size_t n = 0;
    while (text[n]) ++n;
    return n;
}

/// `text` contains the tracker library's file name.
inline bool names_the_tracker(const char* text) {
    for (; *text; ++text)
        if (starts_with(text, wire::kLibraryFile)) return true;
    return false;
}

/// The tracker's own file (remember_tracker_file); empty when not known (an attached tracker: no preload;
/// a path too long to keep). Read inline by the exec hooks (see above).
inline char g_tracker_file[512] = {};

inline constexpr char kPreloadPrefix[] = "LD_PRELOAD=";
inline constexpr char kSocketPrefix[] = "LEAKSCOPE_TRACKER_SOCKET=";
/// A preload list longer than this is left alone (the stack copy stays small).
inline constexpr std::size_t kMaxPreloadBytes = 16 * 1024;

}  // namespace detail

inline Plan plan(char* const envp[]) {
    Plan result;
    const char* file = detail::g_tracker_file;
    if (!envp || !file[0]) return result;
    bool tracked_tree = false;
    const char* preload = nullptr;
    std::size_t count = 0;
    for (; envp[count]; ++count) {
        const char* entry = envp[count];
        if (entry[0] == 'L' && detail::starts_with(entry, detail::kSocketPrefix)) tracked_tree = true;
        if (entry[0] == 'L' && !preload && detail::starts_with(entry, detail::kPreloadPrefix)) {
            preload = entry + sizeof detail::kPreloadPrefix - 1;
            result.replaced = count;
        }
    }
    result.count = count;
    if (!preload) result.replaced = count;
    if (!tracked_tree || (preload && detail::names_the_tracker(preload))) return result;
    const std::size_t kept = preload ? detail::length(preload) : 0;
    if (kept > detail::kMaxPreloadBytes) return result;
    result.entry_bytes = sizeof detail::kPreloadPrefix - 1 + detail::length(file) + (kept ? 1 + kept : 0) + 1;
    result.needed = true;
    return result;
}

/// Writes the new LD_PRELOAD entry into `entry` (plan.entry_bytes) and the new environment into
/// `environment` (plan.count + 2 pointers: every entry of envp, the LD_PRELOAD one replaced or added,
/// and the null).
void fill(char* const envp[], const Plan& plan, char* entry, char** environment);

/// Calls exec(envp), or exec with the tracker put back into LD_PRELOAD when `plan` says so.
template <typename Exec>
int exec_keeping_the_tracker(char* const envp[], Exec exec) {
    const Plan needs = plan(envp);
    if (!needs.needed) return exec(envp);
    char entry[needs.entry_bytes];  // on this stack: no malloc between fork and exec
    char* environment[needs.count + 2];
    fill(envp, needs, entry, environment);
    return exec(environment);
}

}  // namespace leakscope::tracker::preload
