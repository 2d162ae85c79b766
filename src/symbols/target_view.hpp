// Module files as the tracked process sees them. The module map comes from the process (its tracker
// names each object's path and address range), so a process that wanted to could name any file - the
// shadow password file - for a root leakscope to open. Instead each module is opened, while the process
// runs, only when the process has that very file mapped at the module's address (/proc/PID/maps: the
// device and inode of the mapping equal those of PATH as the process sees it, /proc/PID/root/PATH,
// checked with stat, which opens nothing), and then through the process's own view of the mapping:
// /proc/PID/map_files/LO-HI (root), or /proc/PID/root/PATH checked again on the descriptor. A module
// the process has no such file mapped for is never opened. The descriptors are kept until the end of
// the run, when symbolizing reads them (the process may be long gone by then).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/recording.hpp"

namespace leakscope::symbols {

class TargetModuleFiles {
public:
    explicit TargetModuleFiles(std::string proc_root = "/proc", std::size_t max_files = 256);
    ~TargetModuleFiles();
    TargetModuleFiles(const TargetModuleFiles&) = delete;
    TargetModuleFiles& operator=(const TargetModuleFiles&) = delete;

    /// Opens `module` (Module::process is the caller's index for the process) through the view of the
    /// process `pid`. Call while it may still run: a process already gone is noted as such.
    void capture(std::int64_t pid, const Module& module);

    enum class State { verified, refused, gone, unknown };
    /// What capture() found for `module`: `unknown` when it was never captured.
    State state(const Module& module) const;
    /// The path that reads the verified file ("/proc/self/fd/N"), nullopt unless state() is verified.
    std::optional<std::string> view(const Module& module) const;
    /// Modules refused because the process had no such file mapped there, for a warning.
    std::size_t refused() const { return refused_; }

private:
    struct Mapping {
        std::uint64_t low = 0, high = 0;
        unsigned dev_major = 0, dev_minor = 0;
        std::uint64_t inode = 0;
        std::string path;  ///< as /proc/PID/maps prints it (" (deleted)" appended when unlinked)
    };
    std::optional<std::vector<Mapping>> read_maps(std::int64_t pid) const;
    int open_verified(std::int64_t pid, const Module& module, const Mapping& mapping) const;
    bool names_the_mapping(std::int64_t pid, const Module& module, const Mapping& mapping) const;

    std::string proc_root_;
    std::size_t max_files_;
    using Key = std::pair<std::uint32_t, std::uint64_t>;  ///< (process, start)
    std::map<Key, std::pair<State, int>> modules_;        ///< state and descriptor (verified only)
    std::map<std::pair<dev_t, ino_t>, int> files_;        ///< one descriptor per distinct file
    std::size_t refused_ = 0;
    /// The last maps read: a process reports its modules together, so one read serves them all.
    std::int64_t cached_pid_ = 0;
    std::vector<Mapping> cached_maps_;
    /// The descriptor for `module` in `maps`, or -1.
    int open_in(std::int64_t pid, const Module& module, const std::vector<Mapping>& maps) const;
};

}  // namespace leakscope::symbols
