// The files of --state-dir: one recording per watched process, named so a restarted watch finds the
// history of a process that still runs (same pid, same start time) and nothing else.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "watch/process_selection.hpp"

namespace leakscope::watch {

/// "<comm>.<pid>.<start time>.lks" (comm reduced to [A-Za-z0-9_-]).
std::filesystem::path state_file(const std::filesystem::path& dir, const Candidate& process);

struct StateFileKey {
    int pid = 0;
    std::uint64_t start_time = 0;
};
/// The pid and start time in a state file's name, or nullopt for any other file.
std::optional<StateFileKey> parse_state_file_name(const std::string& filename);

/// Deletes the histories of processes that are gone beyond the `keep` most recent ones (kept for a
/// post-mortem), so the directory stays bounded whatever comes and goes. `live` files are never touched.
void prune_state_dir(const std::filesystem::path& dir, const std::set<std::string>& live, std::size_t keep);

/// Bytes of the regular files in `dir`.
std::uint64_t directory_bytes(const std::filesystem::path& dir);

/// Creates the directory (mode 0700) or throws std::runtime_error with one line.
void ensure_state_dir(const std::filesystem::path& dir);

/// $STATE_DIRECTORY (systemd's StateDirectory=), else /var/lib/leakscope as root, else
/// $XDG_STATE_HOME/leakscope or ~/.local/state/leakscope.
std::filesystem::path default_state_dir();

}  // namespace leakscope::watch
