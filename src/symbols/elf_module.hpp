// One ELF object opened for symbolizing: a libdwfl session holding that object alone, with its
// separate debug file when there is one. Opened once per (path, build-id) and reused for every
// address, every process and every load address of that object: lookups take ELF virtual addresses.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/recording.hpp"
#include "symbols/debug_file_finder.hpp"
#include "symbols/scope_index.hpp"
#include "symbols/symbol_table.hpp"

struct Dwfl;
struct Dwfl_Module;

namespace leakscope::symbols {

class ElfModule {
public:
    /// Opens the object at `path`. When that file is gone, or is another build than `build_id` (the one
    /// the process had loaded), the debug file found by `build_id` stands in for it. Returns nullptr
    /// and sets `problem` when neither can be used. `read_from` reads the object from elsewhere than its
    /// path (a descriptor of the tracked process's own view of it, "/proc/self/fd/N"); `path` still
    /// names it and places its .gnu_debuglink file.
    static std::unique_ptr<ElfModule> open(const std::string& path, const std::string& build_id,
                                           const DebugFileFinder& finder, std::string& problem,
                                           const std::string& read_from);
    static std::unique_ptr<ElfModule> open(const std::string& path, const std::string& build_id,
                                           const DebugFileFinder& finder, std::string& problem) {
        return open(path, build_id, finder, problem, path);
    }
    ~ElfModule();
    ElfModule(const ElfModule&) = delete;
    ElfModule& operator=(const ElfModule&) = delete;

    /// The frames at ELF virtual address `pc`, innermost first: inlined functions (inlined = true) and
    /// then the function that contains them. Only function, file, line and inlined are filled; the
    /// function is "??" when no symbol covers `pc`. Never empty.
    std::vector<ResolvedFrame> lookup(std::uint64_t pc);
    /// The same answer found with libdw's own dwarf_getscopes walk instead of the scope index:
    /// slower, kept so tests can check the index against it.
    std::vector<ResolvedFrame> lookup_reference(std::uint64_t pc);
    /// The function at `pc` by the ELF symbol table alone (the debug file's .symtab when there is one),
    /// "??" when no symbol covers it: no file, no line, no inlined frames, and the DWARF is not loaded.
    ResolvedFrame lookup_symbol(std::uint64_t pc);

    /// True when line information (DWARF, in the object or its debug file) was found.
    bool has_dwarf();
    /// The debug file in use, empty when the DWARF is in the object itself or there is none.
    std::string debug_file() const { return debug_file_; }

private:
    ElfModule(std::string build_id, const DebugFileFinder& finder) : build_id_(std::move(build_id)), finder_(&finder) {}
    std::vector<ResolvedFrame> lookup(std::uint64_t pc, bool use_dwarf_getscopes);
    static int find_debuginfo(Dwfl_Module* module, void** userdata, const char* module_name,
                              std::uint64_t base, const char* file_name, const char* debuglink_file,
                              std::uint32_t debuglink_crc, char** debuginfo_file_name);

    std::string build_id_;
    const DebugFileFinder* finder_;
    std::string debug_file_;
    Dwfl* dwfl_ = nullptr;
    Dwfl_Module* module_ = nullptr;
    std::optional<SymbolTable> symbols_;  ///< read on the first lookup
    ScopeIndex scope_index_;
};

}  // namespace leakscope::symbols
