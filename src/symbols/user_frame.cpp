#include "symbols/user_frame.hpp"

#include <array>
#include <string>
#include <string_view>

#include "symbols/demangle.hpp"
#include "symbols/frame_format.hpp"

namespace leakscope::symbols {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

bool is_tracker_module(std::string_view module) { return short_file_name(module).find("leakscope_tracker") != std::string::npos; }
bool is_tracker(const ResolvedFrame& frame) { return is_tracker_module(frame.module); }

// leakscope's own libraries in the target: libleakscope.so (the API's start-up allocations) and the
// Python package's extension module.
bool is_leakscope_library(std::string_view module) {
    const std::string_view file = short_file_name(module);
    return starts_with(file, "libleakscope") ||
           (starts_with(file, "_native.") && module.find("/leakscope/_native.") != std::string_view::npos);
}

// The interpreter's and numpy's allocation helpers: they allocate on behalf of whoever created the
// object (CPython's object and raw allocators, pymalloc's arenas, the GC header, numpy's data memory).
bool is_interpreter_allocator(std::string_view name) {
    for (std::string_view helper :
         {"PyObject_Malloc", "PyObject_Calloc", "PyObject_Realloc", "_PyObject_Malloc", "_PyObject_Calloc",
          "_PyObject_Realloc", "_PyObject_ArenaMmap", "_PyObject_ArenaMalloc", "pymalloc_", "PyMem_", "_PyMem_",
          "_PyObject_GC_", "PyObject_GC_", "_PyObject_New", "PyType_GenericAlloc", "PyDataMem_", "default_malloc",
          "default_calloc", "default_realloc"}) {
        if (starts_with(name, helper)) return true;
    }
    return false;
}

// Well-known programs' and libraries' own wrappers around malloc, which allocate for their caller: a site
// named after one says where every allocation of the program went, not which code asked (Debian's redis-server,
// stripped, put its whole unbounded store on "zmalloc_usable via createStringObject"). By exact name: redis's
// zmalloc family and sds strings, GLib's g_malloc family, libiberty's, git's and bash's x* wrappers, perl's
// safesys*, SQLite's.
bool is_program_allocation_wrapper(std::string_view name) {
    static constexpr std::string_view names[] = {
        // redis (src/zmalloc.c)
        "zmalloc", "zcalloc", "zrealloc", "zmalloc_usable", "zcalloc_usable", "zrealloc_usable", "ztrymalloc",
        "ztrycalloc", "ztryrealloc", "ztrymalloc_usable", "ztrycalloc_usable", "ztryrealloc_usable", "zstrdup",
        // ... and its sds strings' construction, as std::string's is plumbing (src/sds.c)
        "_sdsnewlen", "sdsnewlen", "sdstrynewlen", "sdsnew", "sdsempty", "sdsdup", "_sdsMakeRoomFor", "sdsMakeRoomFor",
        "sdsMakeRoomForNonGreedy",
        // GLib
        "g_malloc", "g_malloc0", "g_realloc", "g_try_malloc", "g_try_malloc0", "g_try_realloc", "g_malloc_n",
        "g_malloc0_n", "g_realloc_n", "g_strdup", "g_strndup", "g_memdup", "g_memdup2", "g_slice_alloc", "g_slice_alloc0",
        // libiberty (gcc, binutils), git, bash
        "xmalloc", "xcalloc", "xrealloc", "xstrdup", "xstrndup", "xmemdupz", "xzalloc", "sh_xmalloc", "sh_xrealloc",
        // perl
        "Perl_safesysmalloc", "Perl_safesyscalloc", "Perl_safesysrealloc",
        // SQLite
        "sqlite3Malloc", "sqlite3MallocZero", "sqlite3DbMallocRaw", "sqlite3DbMallocZero", "sqlite3DbRealloc",
        "sqlite3Realloc", "sqlite3_malloc", "sqlite3_malloc64"};
    for (auto wrapper : names) {
        if (name == wrapper) return true;
    }
    return false;
}

// Entry points that allocate on the caller's behalf, by their qualified name.
bool is_allocator_entry(std::string_view name) {
    static constexpr std::array<std::string_view, 22> names = {
        "malloc", "calloc", "realloc", "reallocarray", "free", "posix_memalign", "aligned_alloc", "memalign",
        "valloc", "pvalloc", "__libc_malloc", "__libc_calloc", "__libc_realloc", "__libc_memalign", "strdup",
        "strndup", "__strdup", "__strndup", "mmap", "mmap64", "operator new", "operator new[]"};
    for (auto entry : names) {
        if (name == entry) return true;
    }
    return false;
}

// The object's file name without the version suffix: "libc.so.6" -> "libc", "ld-linux-x86-64.so.2" -> "ld-linux-x86-64".
std::string_view library_stem(std::string_view file) {
    const std::size_t so = file.find(".so");
    return so == std::string_view::npos ? file : file.substr(0, so);
}

bool is_runtime_library(std::string_view module) {
    const std::string_view stem = library_stem(short_file_name(module));
    for (std::string_view library : {"libc", "libstdc++", "libgcc_s", "libm", "libpthread", "libdl"}) {
        if (stem == library) return true;
    }
    return starts_with(stem, "ld-linux") || starts_with(stem, "libc-2.") || stem == "ld";
}

}  // namespace

bool is_plumbing_module(std::string_view module) {
    return is_tracker_module(module) || is_leakscope_library(module) || is_runtime_library(module);
}

bool is_allocation_plumbing(const ResolvedFrame& frame) {
    if (is_plumbing_module(frame.module)) return true;
    const std::string name = function_scope_name(frame.function);
    if (is_allocator_entry(name) || is_interpreter_allocator(name) || is_program_allocation_wrapper(name)) return true;
    // Statically linked or inlined library code: the containers, allocators, shared_ptr control blocks,
    // string construction and the ABI runtime all live in these namespaces.
    for (std::string_view scope : {"std::", "__gnu_cxx::", "__cxxabiv1::", "__cxa_", "__gnu_debug::"}) {
        if (starts_with(name, scope)) return true;
    }
    return false;
}

namespace {

/// A frame no symbol names (a static function of a stripped binary, only .dynsym left) that an outer
/// frame of the same module with a name reaches first: it is that named function's helper (pymalloc's
/// arena code under PyUnicode_New, say), so the named frame is the one a person can look up.
bool is_unnamed_helper(const std::vector<ResolvedFrame>& stack, std::size_t i) {
    if (stack[i].function != "??" || stack[i].module.empty()) return false;
    for (std::size_t j = i + 1; j < stack.size(); ++j) {
        if (stack[j].module != stack[i].module) return false;
        if (stack[j].function != "??") return true;
    }
    return false;
}

bool is_leakscope_python(const ResolvedFrame& frame) {
    return frame.file.find("/leakscope/_") != std::string::npos ||
           frame.file.find("/leakscope/pytest_plugin.py") != std::string::npos;
}

// Python code the program did not write: the standard library (lib/python3.N/, frozen modules) and
// installed packages (site-packages, dist-packages). A logging.handlers.BufferingHandler that nobody
// flushes holds the records its caller logged; the caller's line is what to change.
bool is_python_library(const ResolvedFrame& frame) {
    const std::string_view file = frame.file;
    if (starts_with(file, "<frozen ")) return true;
    if (file.find("/site-packages/") != std::string_view::npos || file.find("/dist-packages/") != std::string_view::npos) return true;
    constexpr std::string_view kStandardLibrary = "/lib/python3";
    const std::size_t lib = file.find(kStandardLibrary);
    if (lib == std::string_view::npos) return false;
    // "/lib/python3.11/json/decoder.py", not "/lib/python3-app/..." or a program beside it.
    const std::string_view rest = file.substr(lib + kStandardLibrary.size());
    const std::size_t version_end = rest.find('/');
    if (version_end == std::string_view::npos || version_end == 0 || rest[0] != '.') return false;
    for (char c : rest.substr(1, version_end - 1))
        if (c < '0' || c > '9') return false;
    return true;
}

}  // namespace

bool is_python_frame(const ResolvedFrame& frame) { return !frame.file.empty() && frame.module == frame.file; }

std::optional<std::size_t> user_code_index(const std::vector<ResolvedFrame>& stack) {
    // An allocation made on behalf of Python code is that code's: its innermost Python frame of the
    // program's own (past the standard library and installed packages it called), else its innermost
    // Python frame.
    std::optional<std::size_t> innermost_python;
    for (std::size_t i = 0; i < stack.size(); ++i) {
        if (!is_python_frame(stack[i]) || is_leakscope_python(stack[i])) continue;
        if (!is_python_library(stack[i])) return i;
        if (!innermost_python) innermost_python = i;
    }
    if (innermost_python) return innermost_python;
    for (std::size_t i = 0; i < stack.size(); ++i) {
        if (!is_allocation_plumbing(stack[i]) && !is_unnamed_helper(stack, i)) return i;
    }
    return std::nullopt;
}

std::size_t user_frame_index(const std::vector<ResolvedFrame>& stack) {
    if (const auto user = user_code_index(stack)) return *user;
    for (std::size_t i = 0; i < stack.size(); ++i) {
        if (!is_tracker(stack[i]) && !is_allocator_entry(function_scope_name(stack[i].function))) return i;
    }
    return 0;
}

}  // namespace leakscope::symbols
