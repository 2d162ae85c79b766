// Turns the raw return addresses the tracker recorded into function, file and line, in leakscope's
// own process (never in the target): the module map of each process says which ELF object an address
// falls in; each object is opened once with libdw; every (object, address) answer is cached.
// Not thread-safe: use one Symbolizer per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/recording.hpp"
#include "symbols/debug_file_finder.hpp"

namespace leakscope::symbols {

class ElfModule;

/// What an address in a stack is. A return address points after the call instruction, which may
/// already be the next source line (or the next function, after a call to a noreturn function), so
/// it is looked up one byte earlier.
enum class AddressKind { return_address, exact_pc };

/// How much to say about a frame.
enum class Detail {
    full,  ///< function, the inlined frames at the address, file and line (DWARF)
    /// In objects whose frames are all allocation plumbing (is_plumbing_module: libc, the loader, the
    /// tracker, libstdc++...), the function's ELF symbol only: no file, line or inlined frames, and the
    /// object's DWARF is not loaded (libdw inflates all of libc6-dbg's compressed DWARF, ~40 ms, to
    /// name the few libc frames of a run's stacks). Elsewhere as full.
    plumbing_names_only,
};

struct SymbolizerOptions {
    /// Where separate debug files live (--debug-dir); searched in order.
    std::vector<std::string> debug_dirs = {"/usr/lib/debug"};
    /// No object is opened after this long (a hung network file system, thousands of objects): the
    /// rest keep module+offset, and a warning says so. The run's end must not wait without bound.
    double time_budget_s = 120;
    /// Where a module's file is read from (target_view.hpp: the process's own view of it); nullopt: it
    /// is not opened at all and its frames keep module+offset. Unset: the path the module map names.
    std::function<std::optional<std::string>(const Module&)> module_source;
};

struct SymbolizerStats {
    std::uint64_t lookups = 0;          ///< calls of symbolize()
    std::uint64_t cache_hits = 0;       ///< answered from the per-address cache
    std::uint64_t modules_opened = 0;   ///< ELF objects opened with libdw
    std::uint64_t modules_failed = 0;   ///< objects that could not be used (gone, rebuilt): module+offset only
    std::uint64_t modules_refused = 0;  ///< objects not opened: the process had no such file mapped
    std::uint64_t unmapped = 0;         ///< addresses outside every known module
};

class Symbolizer {
public:
    explicit Symbolizer(SymbolizerOptions options = {});
    ~Symbolizer();
    Symbolizer(const Symbolizer&) = delete;
    Symbolizer& operator=(const Symbolizer&) = delete;

    /// Adds modules of any process (Module::process says which); adding one twice is harmless. Modules
    /// may overlap in address when a library was dlclose'd and another mapped in its place;
    /// loaded/unloaded times tell them apart.
    void add_modules(const std::vector<Module>& modules);

    /// The frames at `address` in process `process`, innermost first: inlined functions (marked
    /// inlined) and then their containing function. Never empty and never throws for a bad address:
    /// an object without symbols gives "??" with module and offset; an address outside every module
    /// gives "??" with an empty module and the raw address as offset. `when_s` (seconds since the run
    /// began, e.g. when the stack was first seen) picks between modules that shared an address range.
    std::vector<ResolvedFrame> symbolize(std::uint32_t process, std::uint64_t address,
                                         AddressKind kind = AddressKind::return_address,
                                         std::optional<double> when_s = std::nullopt, Detail detail = Detail::full);

    /// A whole stack (innermost first), flattened: every raw address gives one or more frames.
    /// `innermost` tells whether the first address is a return address or the exact pc.
    std::vector<ResolvedFrame> symbolize_stack(std::uint32_t process, const std::vector<std::uint64_t>& addresses,
                                               AddressKind innermost = AddressKind::return_address,
                                               std::optional<double> when_s = std::nullopt);

    /// The module of `process` that holds `address` (see symbolize() for `when_s`), nullptr when none.
    const Module* find_module(std::uint32_t process, std::uint64_t address, std::optional<double> when_s) const;

    const SymbolizerStats& stats() const { return stats_; }
    /// One line per object that could not be used, e.g. "cannot read /opt/app/libx.so".
    const std::vector<std::string>& warnings() const { return warnings_; }

private:
    ElfModule* open_module(const Module& module);

    struct CacheKey {
        const ElfModule* module;
        std::uint64_t pc;
        bool name_only;
        bool operator==(const CacheKey&) const = default;
    };
    struct CacheKeyHash {
        std::size_t operator()(const CacheKey& key) const {
            return std::hash<const void*>()(key.module) ^ (std::hash<std::uint64_t>()(key.pc) * 0x9e3779b97f4a7c15ull) ^
                   static_cast<std::size_t>(key.name_only);
        }
    };

    DebugFileFinder finder_;
    std::function<std::optional<std::string>(const Module&)> module_source_;
    std::map<std::uint32_t, std::vector<Module>> modules_by_process_;  ///< each sorted by start
    std::map<std::string, std::unique_ptr<ElfModule>> elf_modules_;    ///< by path + build-id; null = unusable
    std::unordered_map<CacheKey, std::vector<ResolvedFrame>, CacheKeyHash> frames_cache_;
    SymbolizerStats stats_;
    std::vector<std::string> warnings_;
    std::chrono::steady_clock::time_point deadline_;
    std::uint64_t modules_skipped_ = 0;  ///< not opened: the time budget was spent
};

/// Adds `recording.modules` to `symbolizer`, then fills `recording.symbols` for every address of every
/// stack (skipping ones already there). Each stack is symbolized at the time its site first held
/// memory, so a library that was dlclose'd and replaced still names the frames of the allocations it made.
/// Frames in plumbing objects (libc, the loader...) get their function's name only (Detail::
/// plumbing_names_only), except in the stacks that have no frame of the user's code: there the site is
/// named after a frame of libc's or the loader's own (user_frame_index), which gets its file and line.
/// So every site keeps the name a full lookup gives it: which user-code frame names a site does not
/// depend on the plumbing frames' names (user_code_index).
void symbolize_recording(Recording& recording, Symbolizer& symbolizer,
                         AddressKind innermost = AddressKind::return_address);

}  // namespace leakscope::symbols
