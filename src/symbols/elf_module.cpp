#include "symbols/elf_module.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "symbols/demangle.hpp"
#include "symbols/elf_notes.hpp"
#include "symbols/regular_file.hpp"

namespace leakscope::symbols {
namespace {

// Frees what dwarf_getscopes* allocate with malloc.
struct ScopeArray {
    Dwarf_Die* dies = nullptr;
    int count = 0;
    ~ScopeArray() { std::free(dies); }
};

const char* string_attribute(Dwarf_Die* die, unsigned int name) {
    Dwarf_Attribute attribute;
    // _integrate follows DW_AT_abstract_origin and DW_AT_specification: inlined instances and
    // out-of-line member definitions keep their names on the declaration.
    if (dwarf_attr_integrate(die, name, &attribute) == nullptr) return nullptr;
    return dwarf_formstring(&attribute);
}

const char* linkage_name(Dwarf_Die* die) {
    if (const char* name = string_attribute(die, DW_AT_linkage_name)) return name;
    return string_attribute(die, DW_AT_MIPS_linkage_name);
}

// The name qualified by its enclosing namespaces and classes, from the DIE tree. Needed where GCC
// emits no linkage name: members of classes in an anonymous namespace have internal linkage, so only
// their declaration's parents say "(anonymous namespace)::AuditLog::write".
std::string scope_qualified_name(Dwarf_Die* die) {
    Dwarf_Die declaration = *die;
    for (int depth = 0; depth < 8; ++depth) {  // inlined instance -> abstract instance -> declaration
        Dwarf_Attribute attribute;
        Dwarf_Die next;
        if ((dwarf_attr(&declaration, DW_AT_abstract_origin, &attribute) != nullptr ||
             dwarf_attr(&declaration, DW_AT_specification, &attribute) != nullptr) &&
            dwarf_formref_die(&attribute, &next) != nullptr) {
            declaration = next;
            continue;
        }
        break;
    }
    const char* name = dwarf_diename(&declaration);
    if (name == nullptr) return {};
    std::string qualified = name;
    Dwarf_Die* scopes = nullptr;
    const int count = dwarf_getscopes_die(&declaration, &scopes);
    for (int i = 1; i < count; ++i) {  // scopes[0] is the DIE itself, then its parents outwards
        const int tag = dwarf_tag(&scopes[i]);
        const char* scope = dwarf_diename(&scopes[i]);
        if (tag == DW_TAG_namespace) {
            qualified = std::string(scope != nullptr ? scope : "(anonymous namespace)") + "::" + qualified;
        } else if (tag == DW_TAG_class_type || tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
            // An unnamed class around a function is a lambda's closure type.
            qualified = std::string(scope != nullptr ? scope : "{lambda}") + "::" + qualified;
        } else if (tag == DW_TAG_subprogram && scope != nullptr) {
            qualified = std::string(scope) + "::" + qualified;  // a local class or lambda inside a function
        }
    }
    std::free(scopes);
    return qualified;
}

std::string die_function_name(Dwarf_Die* die, const char* elf_symbol) {
    if (const char* name = linkage_name(die)) return demangle(name);
    if (std::string qualified = scope_qualified_name(die); !qualified.empty()) return qualified;
    if (const char* name = string_attribute(die, DW_AT_name)) return name;
    if (elf_symbol != nullptr) return demangle(elf_symbol);
    return "??";
}

// Where an inlined instance was called from: DW_AT_call_file indexes the CU's file table.
void call_site(Dwarf_Die* inlined, Dwarf_Die* cu, std::string& file, int& line) {
    file.clear();
    line = 0;
    Dwarf_Attribute attribute;
    Dwarf_Word value = 0;
    if (dwarf_attr(inlined, DW_AT_call_line, &attribute) != nullptr && dwarf_formudata(&attribute, &value) == 0) {
        line = static_cast<int>(value);
    }
    Dwarf_Files* files = nullptr;
    std::size_t file_count = 0;
    if (dwarf_attr(inlined, DW_AT_call_file, &attribute) != nullptr && dwarf_formudata(&attribute, &value) == 0 &&
        dwarf_getsrcfiles(cu, &files, &file_count) == 0 && value < file_count) {
        if (const char* name = dwarf_filesrc(files, value, nullptr, nullptr)) file = name;
    }
}

Dwfl_Callbacks make_callbacks(decltype(Dwfl_Callbacks::find_debuginfo) find_debuginfo) {
    Dwfl_Callbacks callbacks{};
    callbacks.find_elf = dwfl_build_id_find_elf;  // not consulted: every object is reported by path
    callbacks.find_debuginfo = find_debuginfo;
    callbacks.section_address = dwfl_offline_section_address;
    callbacks.debuginfo_path = nullptr;
    return callbacks;
}

}  // namespace

int ElfModule::find_debuginfo(Dwfl_Module*, void** userdata, const char*, std::uint64_t, const char* file_name,
                              const char* debuglink_file, std::uint32_t debuglink_crc, char** debuginfo_file_name) {
    auto* self = static_cast<ElfModule*>(*userdata);
    if (self == nullptr) return -1;
    std::optional<std::string> found;
    if (!self->build_id_.empty()) found = self->finder_->find_by_build_id(self->build_id_);
    if (!found && debuglink_file != nullptr && file_name != nullptr) {
        found = self->finder_->find_by_debuglink(file_name, debuglink_file, debuglink_crc, self->build_id_);
    }
    if (!found) return -1;
    const int fd = open_regular_file(*found);
    if (fd < 0) return -1;
    self->debug_file_ = *found;
    *debuginfo_file_name = ::strdup(found->c_str());  // libdwfl owns and frees it
    return fd;
}

std::unique_ptr<ElfModule> ElfModule::open(const std::string& path, const std::string& build_id,
                                           const DebugFileFinder& finder, std::string& problem,
                                           const std::string& read_from) {
    const auto recorded_id = normalize_build_id(build_id);
    const ElfIdentity file = identify_elf(read_from);
    const bool rebuilt = file.is_elf && recorded_id && !file.build_id.empty() && file.build_id != *recorded_id;
    std::string elf_path = read_from;
    if (!file.is_elf || rebuilt) {
        // The object is gone, unreadable or rebuilt since the run: only its own debug file can say
        // what the recorded addresses meant.
        const auto debug = recorded_id ? finder.find_by_build_id(*recorded_id) : std::nullopt;
        if (!debug) {
            problem = !file.is_elf ? "cannot read " + path
                                   : path + " changed since the run (build-id " + file.build_id + ", the run had " +
                                         *recorded_id + ")";
            return nullptr;
        }
        elf_path = *debug;
    }

    std::unique_ptr<ElfModule> module(new ElfModule(recorded_id ? *recorded_id : file.build_id, finder));
    if (elf_path != read_from) module->debug_file_ = elf_path;
    static const Dwfl_Callbacks callbacks = make_callbacks(&ElfModule::find_debuginfo);
    module->dwfl_ = dwfl_begin(&callbacks);
    if (module->dwfl_ == nullptr) {
        problem = std::string("libdwfl: ") + dwfl_errmsg(-1);
        return nullptr;
    }
    dwfl_report_begin(module->dwfl_);
    // Base 0 with add_p_vaddr: module addresses are the ELF virtual addresses, whatever the load bias was.
    // Our descriptor (a regular file, checked), not the path: libdwfl would open() a FIFO and wait.
    // libdwfl owns the descriptor once the report succeeds.
    const int fd = open_regular_file(elf_path);
    if (fd < 0) {
        problem = "cannot open " + (elf_path == read_from ? path : elf_path) + ": not a readable regular file";
        return nullptr;
    }
    // The object's own path names it (its .gnu_debuglink is looked for beside it), not the descriptor's.
    const std::string& file_name = elf_path == read_from ? path : elf_path;
    module->module_ = dwfl_report_elf(module->dwfl_, path.c_str(), file_name.c_str(), fd, 0, true);
    dwfl_report_end(module->dwfl_, nullptr, nullptr);
    if (module->module_ == nullptr) {
        ::close(fd);
        problem = "cannot open " + (elf_path == read_from ? path : elf_path) + ": " + dwfl_errmsg(-1);
        return nullptr;
    }
    void** userdata = nullptr;
    dwfl_module_info(module->module_, &userdata, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
    if (userdata != nullptr) *userdata = module.get();
    return module;
}

ElfModule::~ElfModule() {
    if (dwfl_ != nullptr) dwfl_end(dwfl_);
}

bool ElfModule::has_dwarf() {
    Dwarf_Addr bias = 0;
    return dwfl_module_getdwarf(module_, &bias) != nullptr;
}

std::vector<ResolvedFrame> ElfModule::lookup(std::uint64_t pc) { return lookup(pc, false); }
std::vector<ResolvedFrame> ElfModule::lookup_reference(std::uint64_t pc) { return lookup(pc, true); }

ResolvedFrame ElfModule::lookup_symbol(std::uint64_t pc) {
    if (!symbols_) symbols_ = SymbolTable::read(module_);
    const SymbolTable::Symbol* symbol = symbols_->find(pc);
    return {symbol != nullptr ? demangle(symbol->name) : "??", {}, 0, {}, 0, false};
}

std::vector<ResolvedFrame> ElfModule::lookup(std::uint64_t pc, bool use_dwarf_getscopes) {
    if (!symbols_) symbols_ = SymbolTable::read(module_);
    const SymbolTable::Symbol* symbol = symbols_->find(pc);
    const char* elf_symbol = symbol != nullptr ? symbol->name.c_str() : nullptr;

    // The innermost frame's line comes from the line table; each outer frame's from the call site
    // recorded on the inlined instance it contains.
    std::string file;
    int line = 0;
    if (Dwfl_Line* source = dwfl_module_getsrc(module_, pc)) {
        int line_number = 0;
        if (const char* name = dwfl_lineinfo(source, nullptr, &line_number, nullptr, nullptr, nullptr)) file = name;
        line = line_number;
    }

    // The scopes holding pc, innermost first: inlined instances, blocks, then the function.
    std::vector<Dwarf_Die> nesting;
    Dwarf_Addr bias = 0;
    Dwarf_Die* cu = dwfl_module_addrdie(module_, pc, &bias);
    if (cu != nullptr && !use_dwarf_getscopes) {
        nesting = scope_index_.scopes(cu, pc - bias);
    } else if (cu != nullptr) {
        // dwarf_getscopes continues into an inlined function's abstract definition; the physical
        // nesting (inlined instance -> enclosing instance -> subprogram) comes from dwarf_getscopes_die.
        ScopeArray scopes;
        scopes.count = dwarf_getscopes(cu, pc - bias, &scopes.dies);
        if (scopes.count > 0) {
            ScopeArray physical;
            physical.count = dwarf_getscopes_die(&scopes.dies[0], &physical.dies);
            nesting.assign(physical.dies, physical.dies + std::max(physical.count, 0));
        }
    }

    std::vector<ResolvedFrame> frames;
    for (auto& die : nesting) {
        const int tag = dwarf_tag(&die);
        if (tag == DW_TAG_inlined_subroutine) {
            frames.push_back({die_function_name(&die, nullptr), file, line, {}, 0, true});
            call_site(&die, cu, file, line);
        } else if (tag == DW_TAG_subprogram) {
            frames.push_back({die_function_name(&die, elf_symbol), file, line, {}, 0, false});
            break;
        }
    }
    // Every frame but the outermost is inlined into the next one.
    if (!frames.empty() && frames.back().inlined) {
        frames.push_back({elf_symbol ? demangle(elf_symbol) : "??", file, line, {}, 0, false});
    }
    if (frames.empty()) frames.push_back({elf_symbol ? demangle(elf_symbol) : "??", file, line, {}, 0, false});
    return frames;
}

}  // namespace leakscope::symbols
