// Where each CPython version keeps what the tracker reads in place (python_frames.cpp): the thread's
// current frame, each frame's code object, caller and instruction, and a code object's names. These are
// internal structures that move between minor versions (3.12 put f_code first and dropped the strings'
// wstr; 3.13 dropped cframe), so each known version is a table of offsets; an unknown one gets none and
// its sites keep native frames (leakscope says so).
#pragma once

#include <cstddef>
#include <cstdint>

namespace leakscope::tracker::python {

struct Layout {
    unsigned minor = 0;                    ///< CPython 3.<minor>
    std::size_t tstate_cframe = 0;         ///< PyThreadState.cframe
    std::size_t cframe_current_frame = 0;  ///< _PyCFrame.current_frame
    std::size_t frame_code = 0;            ///< _PyInterpreterFrame.f_code
    std::size_t frame_previous = 0;        ///< _PyInterpreterFrame.previous
    std::size_t frame_prev_instr = 0;      ///< _PyInterpreterFrame.prev_instr (a _Py_CODEUNIT*, 2 bytes each)
    std::size_t frame_owner = 0;           ///< _PyInterpreterFrame.owner (a char)
    char owned_by_generator = 1;           ///< FRAME_OWNED_BY_GENERATOR
    int owned_by_c_stack = -1;             ///< FRAME_OWNED_BY_CSTACK (3.12's entry shims), -1 when none
    std::size_t code_qualname = 0;         ///< PyCodeObject.co_qualname
    std::size_t code_filename = 0;         ///< PyCodeObject.co_filename
    std::size_t code_firsttraceable = 0;   ///< PyCodeObject._co_firsttraceable (an int)
    std::size_t code_instructions = 0;     ///< PyCodeObject.co_code_adaptive
    std::size_t str_length = 16;           ///< PyASCIIObject.length
    std::size_t str_state = 32;            ///< PyASCIIObject.state (kind in bits 2-4, compact 5, ascii 6)
    std::size_t ascii_data = 0;            ///< sizeof(PyASCIIObject): a compact ASCII string's characters
    std::size_t compact_data = 0;          ///< sizeof(PyCompactUnicodeObject): other compact strings'
    bool immortal_refcounts = false;       ///< 3.12: a refcount whose low 32 bits are negative is not counted
};

// The figures are offsetof()/sizeof() from each version's own headers (Include/internal/pycore_frame.h,
// cpython/code.h, cpython/unicodeobject.h) on x86-64; aarch64 lays these structs out the same (LP64).
// 3.11 is also checked against the headers the tracker is built with (python_frames.cpp).
inline constexpr Layout kCPython311{
    .minor = 11,
    .tstate_cframe = 56,
    .cframe_current_frame = 8,  // after `int use_tracing`
    .frame_code = 32,
    .frame_previous = 48,
    .frame_prev_instr = 56,
    .frame_owner = 69,
    .owned_by_generator = 1,
    .owned_by_c_stack = -1,
    .code_qualname = 128,
    .code_filename = 112,
    .code_firsttraceable = 168,
    .code_instructions = 184,
    .str_length = 16,
    .str_state = 32,
    .ascii_data = 48,  // with the wstr pointer
    .compact_data = 72,
    .immortal_refcounts = false,
};

// CPython 3.12 (checked on 3.12.1).
inline constexpr Layout kCPython312{
    .minor = 12,
    .tstate_cframe = 56,
    .cframe_current_frame = 0,
    .frame_code = 0,
    .frame_previous = 8,
    .frame_prev_instr = 56,
    .frame_owner = 70,
    .owned_by_generator = 1,
    .owned_by_c_stack = 3,
    .code_qualname = 128,
    .code_filename = 112,
    .code_firsttraceable = 176,
    .code_instructions = 192,
    .str_length = 16,
    .str_state = 32,
    .ascii_data = 40,
    .compact_data = 56,
    .immortal_refcounts = true,
};

/// The layout of CPython 3.<minor> on this architecture (64-bit Linux), or nullptr when not known.
const Layout* layout_for(unsigned major, unsigned minor);

}  // namespace leakscope::tracker::python
