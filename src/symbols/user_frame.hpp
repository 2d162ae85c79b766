// Site naming: which frame of an allocation stack is "the user's code", the line a person should look
// at. The tracker, the allocator, the C++ runtime and the standard containers are skipped; the
// stack itself is kept whole for the report.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "model/recording.hpp"

namespace leakscope::symbols {

/// True for frames that only pass an allocation on: the tracker and leakscope's own libraries, malloc/new
/// and friends, the Python interpreter's and numpy's allocation helpers (PyObject_Malloc, PyMem_*,
/// _PyObject_ArenaMmap, PyDataMem_*), std:: and __gnu_cxx:: internals, and everything in libc,
/// libstdc++, libgcc and the dynamic loader.
bool is_allocation_plumbing(const ResolvedFrame& frame);

/// True for the objects all of whose frames are plumbing, whatever the function: the tracker, leakscope's
/// own libraries, libc, libstdc++, libgcc, libm and the dynamic loader (by the object's path).
bool is_plumbing_module(std::string_view module);

/// A Python frame of a CPython target (the tracker's pseudo frames): its module is its .py file.
bool is_python_frame(const ResolvedFrame& frame);

/// Index of the innermost frame that is the user's code: the innermost Python frame when there is one
/// (leakscope's own package excluded); unnamed frames (stripped statics) are passed
/// over when a named frame of the same module follows them. When every frame is plumbing (an allocation
/// made by libc itself), the innermost frame that is neither the tracker nor an allocator entry point
/// (e.g. fopen rather than malloc); 0 for an empty stack or when nothing else qualifies.
std::size_t user_frame_index(const std::vector<ResolvedFrame>& stack);

/// The same innermost Python frame or frame of the user's code, nullopt when the stack has none (every
/// frame is plumbing, and user_frame_index falls back on a frame of the allocator's or libc's own).
/// Which frame it is depends only on the frames outside is_plumbing_module objects and on their order.
std::optional<std::size_t> user_code_index(const std::vector<ResolvedFrame>& stack);

}  // namespace leakscope::symbols
