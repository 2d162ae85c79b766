#include "python_frames.hpp"

#include <atomic>
#include <cstddef>
#include <cstring>

#include <dlfcn.h>
#include <link.h>

#include "fork_state.hpp"
#include "os.hpp"
#include "python_layout.hpp"
#include "spin_lock.hpp"

#if defined(LEAKSCOPE_TRACKER_PYTHON)
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#endif

namespace leakscope::tracker::python {

constinit std::atomic<bool> g_active{false};

#if defined(LEAKSCOPE_TRACKER_PYTHON) && PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
#define LEAKSCOPE_PYTHON_FRAMES 1
#endif

#if defined(LEAKSCOPE_PYTHON_FRAMES)
namespace {

// CPython 3.11's _PyInterpreterFrame (Include/internal/pycore_frame.h) up to `owner`, to check the
// 3.11 table of python_layout.hpp against the headers this is built with; frames are read by offsets.
struct InterpreterFrame311 {
    PyObject* f_func;
    PyObject* f_globals;
    PyObject* f_builtins;
    PyObject* f_locals;
    PyCodeObject* f_code;
    PyObject* frame_obj;
    InterpreterFrame311* previous;
    _Py_CODEUNIT* prev_instr;
    int stacktop;
    bool is_entry;
    char owner;
};
static_assert(offsetof(PyThreadState, cframe) == kCPython311.tstate_cframe);
static_assert(offsetof(_PyCFrame, current_frame) == kCPython311.cframe_current_frame);
static_assert(offsetof(InterpreterFrame311, f_code) == kCPython311.frame_code);
static_assert(offsetof(InterpreterFrame311, previous) == kCPython311.frame_previous);
static_assert(offsetof(InterpreterFrame311, prev_instr) == kCPython311.frame_prev_instr);
static_assert(offsetof(InterpreterFrame311, owner) == kCPython311.frame_owner);
static_assert(offsetof(PyCodeObject, co_qualname) == kCPython311.code_qualname);
static_assert(offsetof(PyCodeObject, co_filename) == kCPython311.code_filename);
static_assert(offsetof(PyCodeObject, _co_firsttraceable) == kCPython311.code_firsttraceable);
static_assert(offsetof(PyCodeObject, co_code_adaptive) == kCPython311.code_instructions);
static_assert(offsetof(PyASCIIObject, length) == kCPython311.str_length);
static_assert(offsetof(PyASCIIObject, state) == kCPython311.str_state);
static_assert(sizeof(PyASCIIObject) == kCPython311.ascii_data && sizeof(PyCompactUnicodeObject) == kCPython311.compact_data);
static_assert(sizeof(_Py_CODEUNIT) == 2);

/// A field of an interpreter structure, at `offset` bytes into it.
template <typename T>
T read_at(const void* base, std::size_t offset) {
    T value;
    std::memcpy(&value, static_cast<const char*>(base) + offset, sizeof value);
    return value;
}

using GetThreadState = PyThreadState* (*)();
using Addr2Line = int (*)(PyCodeObject*, int);

struct Interpreter {
    GetThreadState this_thread = nullptr;  ///< PyGILState_GetThisThreadState
    Addr2Line addr2line = nullptr;         ///< PyCode_Addr2Line
    std::uintptr_t eval_start = 0, eval_end = 0;  ///< _PyEval_EvalFrameDefault
};
constinit Interpreter g_interpreter;
constinit const Layout* g_layout = nullptr;  ///< the running interpreter's (set before g_active)

constexpr std::size_t kMaxDepth = 48;
constexpr std::uint32_t kCapacity = 1u << 16;        ///< frames (code, line) interned at most
constexpr std::size_t kSlots = 1u << 17;             ///< hash slots for each of the two tables (3 MiB each)
constexpr std::size_t kNameBytes = 8u << 20;         ///< function and file names

struct Entry {
    std::uint32_t line;
    std::uint32_t name_offset;  ///< function, then file, in the name arena
    std::uint16_t function_length;
    std::uint16_t file_length;
};
struct Slot {
    std::uint64_t key_code;
    std::uint64_t key_second;  ///< instruction offset (by-offset table) or line (by-line table)
    std::atomic<std::uint32_t> id_plus_one;  ///< stored last (release): the keys are complete when it is set
};

// Written under g_fork_state.python_tables (fork_state.hpp; a thread need not hold the GIL: numpy lets it
// go around large callocs); a filled slot never changes, so look-ups read without the lock. The transport
// thread reads entries below `published`, which is stored after the entry is complete.
struct Tables {
    Slot* by_offset = nullptr;  ///< (code, instruction offset) -> frame id: the per-allocation look-up
    Slot* by_line = nullptr;    ///< (code, line) -> frame id: one id per line
    Entry* entries = nullptr;
    char* names = nullptr;
    std::size_t names_used = 0;
    std::atomic<std::uint32_t> published{0};
    std::atomic<bool> mapped{false};
    bool failed = false;
};
constinit Tables g_tables;

bool map_tables() {
    if (g_tables.entries) return true;
    if (g_tables.failed) return false;
    g_tables.by_offset = static_cast<Slot*>(os::map_pages(kSlots * sizeof(Slot)));
    g_tables.by_line = static_cast<Slot*>(os::map_pages(kSlots * sizeof(Slot)));
    g_tables.names = static_cast<char*>(os::map_pages(kNameBytes));
    auto* entries = static_cast<Entry*>(os::map_pages(kCapacity * sizeof(Entry)));
    if (!g_tables.by_offset || !g_tables.by_line || !g_tables.names || !entries) {
        g_tables.failed = true;
        return false;
    }
    g_tables.entries = entries;
    g_tables.mapped.store(true, std::memory_order_release);
    return true;
}

std::size_t slot_of(std::uint64_t a, std::uint64_t b) {
    std::uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
    return static_cast<std::size_t>(h >> 40) & (kSlots - 1);
}

/// The slot holding (a, b), or the empty one where it goes; nullptr when the probe runs too long.
Slot* find(Slot* table, std::uint64_t a, std::uint64_t b) {
    std::size_t i = slot_of(a, b);
    for (int probe = 0; probe < 64; ++probe, i = (i + 1) & (kSlots - 1)) {
        Slot& s = table[i];
        if (s.id_plus_one.load(std::memory_order_acquire) == 0 || (s.key_code == a && s.key_second == b)) return &s;
    }
    return nullptr;
}

/// Copies a str object's text as UTF-8 into the arena; no Python call (the str is read in place). Names
/// of code objects are compact strings; any other kind is left out.
std::uint16_t copy_text(PyObject* text, std::size_t limit) {
    if (text == nullptr || !PyUnicode_Check(text)) return 0;
    const auto state = read_at<std::uint32_t>(text, g_layout->str_state);
    const unsigned kind = (state >> 2) & 7, compact = (state >> 5) & 1, ascii = (state >> 6) & 1;
    if (!compact || (kind != 1 && kind != 2 && kind != 4)) return 0;
    const char* data = reinterpret_cast<const char*>(text) + (ascii ? g_layout->ascii_data : g_layout->compact_data);
    const auto length = read_at<Py_ssize_t>(text, g_layout->str_length);
    char* out = g_tables.names + g_tables.names_used;
    std::size_t n = 0;
    for (Py_ssize_t i = 0; i < length; ++i) {
        const Py_UCS4 c = kind == 1 ? read_at<std::uint8_t>(data, i)
                          : kind == 2 ? read_at<std::uint16_t>(data, 2 * i) : read_at<std::uint32_t>(data, 4 * i);
        char utf8[4];
        std::size_t bytes = 0;
        if (c < 0x80) {
            utf8[bytes++] = static_cast<char>(c);
        } else if (c < 0x800) {
            utf8[bytes++] = static_cast<char>(0xc0 | (c >> 6));
            utf8[bytes++] = static_cast<char>(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            utf8[bytes++] = static_cast<char>(0xe0 | (c >> 12));
            utf8[bytes++] = static_cast<char>(0x80 | ((c >> 6) & 0x3f));
            utf8[bytes++] = static_cast<char>(0x80 | (c & 0x3f));
        } else {
            utf8[bytes++] = static_cast<char>(0xf0 | (c >> 18));
            utf8[bytes++] = static_cast<char>(0x80 | ((c >> 12) & 0x3f));
            utf8[bytes++] = static_cast<char>(0x80 | ((c >> 6) & 0x3f));
            utf8[bytes++] = static_cast<char>(0x80 | (c & 0x3f));
        }
        if (n + bytes > limit) break;
        std::memcpy(out + n, utf8, bytes);
        n += bytes;
    }
    return static_cast<std::uint16_t>(n);
}

/// The id of (code, line), interned with its names on first sight. UINT32_MAX when the tables are full.
std::uint32_t intern_line(PyCodeObject* code, int line) {
    const auto code_key = reinterpret_cast<std::uint64_t>(code);
    Slot* slot = find(g_tables.by_line, code_key, static_cast<std::uint64_t>(line));
    if (slot == nullptr) return UINT32_MAX;
    if (const std::uint32_t known = slot->id_plus_one.load(std::memory_order_acquire)) return known - 1;
    const std::uint32_t id = g_tables.published.load(std::memory_order_relaxed);
    constexpr std::size_t kMaxName = 1024;
    if (id >= kCapacity || g_tables.names_used + 5 * kMaxName > kNameBytes) return UINT32_MAX;
    Entry& e = g_tables.entries[id];
    e.line = static_cast<std::uint32_t>(line > 0 ? line : 0);
    e.name_offset = static_cast<std::uint32_t>(g_tables.names_used);
    e.function_length = copy_text(read_at<PyObject*>(code, g_layout->code_qualname), kMaxName);
    g_tables.names_used += e.function_length;
    e.file_length = copy_text(read_at<PyObject*>(code, g_layout->code_filename), 4 * kMaxName);
    g_tables.names_used += e.file_length;
    // The code object must outlive its id: another one at the same address would take its names. Atomic
    // because this thread may not hold the GIL; a concurrent plain increment can still lose it, which
    // at worst lets the code object go and leaves a stale name, never a dangling read (ids keep copies).
    // 3.12's immortal objects (a deep-frozen module's code) keep their count as it is.
    Py_ssize_t* refcount = &reinterpret_cast<PyObject*>(code)->ob_refcnt;
    if (!(g_layout->immortal_refcounts && static_cast<std::int32_t>(__atomic_load_n(refcount, __ATOMIC_RELAXED)) < 0))
        __atomic_fetch_add(refcount, 1, __ATOMIC_RELAXED);
    slot->key_code = code_key;
    slot->key_second = static_cast<std::uint64_t>(line);
    slot->id_plus_one.store(id + 1, std::memory_order_release);
    g_tables.published.store(id + 1, std::memory_order_release);
    return id;
}

/// The frame id of the instruction `offset` (in code units) of `code`.
std::uint32_t frame_id(PyCodeObject* code, std::uint64_t offset) {
    const auto code_key = reinterpret_cast<std::uint64_t>(code);
    if (Slot* slot = find(g_tables.by_offset, code_key, offset)) {
        if (const std::uint32_t known = slot->id_plus_one.load(std::memory_order_acquire)) return known - 1;
    }
    SpinLockHolder hold(g_fork_state.python_tables.lock);
    Slot* slot = find(g_tables.by_offset, code_key, offset);  // again: another thread may have filled it
    if (slot) {
        if (const std::uint32_t known = slot->id_plus_one.load(std::memory_order_acquire)) return known - 1;
    }
    const int line = g_interpreter.addr2line(code, static_cast<int>(offset * 2));  // bytes: 2 per code unit
    const std::uint32_t id = intern_line(code, line);
    if (slot && id != UINT32_MAX) {
        slot->key_code = code_key;
        slot->key_second = offset;
        slot->id_plus_one.store(id + 1, std::memory_order_release);
    }
    return id;
}

struct PyFrame {
    std::uint64_t address;
};

/// This thread's Python frames, innermost first. The GIL is not needed: only this thread changes its own
/// frame chain, and it is inside malloc; the frames keep their code objects alive meanwhile.
std::size_t read_frames(PyFrame* out, std::size_t capacity) {
    PyThreadState* mine = g_interpreter.this_thread();
    if (mine == nullptr) return 0;
    const Layout& layout = *g_layout;
    const auto* cframe = read_at<const char*>(mine, layout.tstate_cframe);
    if (cframe == nullptr) return 0;
    if (!g_tables.mapped.load(std::memory_order_acquire)) {
        SpinLockHolder hold(g_fork_state.python_tables.lock);
        if (!map_tables()) return 0;
    }
    std::size_t n = 0;
    for (auto* frame = read_at<const char*>(cframe, layout.cframe_current_frame); frame != nullptr && n < capacity;
         frame = read_at<const char*>(frame, layout.frame_previous)) {
        const char owner = read_at<char>(frame, layout.frame_owner);
        if (owner == layout.owned_by_c_stack) continue;  // 3.12's entry shim, not Python code
        auto* code = read_at<PyCodeObject*>(frame, layout.frame_code);
        if (code == nullptr) break;
        const auto* first = reinterpret_cast<const std::uint16_t*>(reinterpret_cast<const char*>(code) + layout.code_instructions);
        const auto* instruction = read_at<const std::uint16_t*>(frame, layout.frame_prev_instr);
        // A frame still being set up (before its first traceable instruction) is not shown, as CPython does.
        if (owner != layout.owned_by_generator && instruction < first + read_at<int>(code, layout.code_firsttraceable))
            continue;
        const std::uint32_t id = frame_id(code, static_cast<std::uint64_t>(instruction - first));
        if (id == UINT32_MAX) continue;
        out[n++] = PyFrame{kTag | id};
    }
    return n;
}

}  // namespace

void initialize() {
    const auto* version = static_cast<const unsigned long*>(dlsym(RTLD_DEFAULT, "Py_Version"));
    if (version == nullptr) return;
    g_layout = layout_for(static_cast<unsigned>(*version >> 24), static_cast<unsigned>((*version >> 16) & 0xff));
    if (g_layout == nullptr) return;  // a version whose frames we cannot read: native frames only
    g_interpreter.this_thread = reinterpret_cast<GetThreadState>(dlsym(RTLD_DEFAULT, "PyGILState_GetThisThreadState"));
    g_interpreter.addr2line = reinterpret_cast<Addr2Line>(dlsym(RTLD_DEFAULT, "PyCode_Addr2Line"));
    void* eval = dlsym(RTLD_DEFAULT, "_PyEval_EvalFrameDefault");
    if (!g_interpreter.this_thread || !g_interpreter.addr2line || !eval) return;
    Dl_info info{};
    ElfW(Sym)* symbol = nullptr;
    if (dladdr1(eval, &info, reinterpret_cast<void**>(&symbol), RTLD_DL_SYMENT) != 0 && symbol != nullptr) {
        g_interpreter.eval_start = reinterpret_cast<std::uintptr_t>(eval);
        g_interpreter.eval_end = g_interpreter.eval_start + symbol->st_size;
    }
    g_active.store(true, std::memory_order_release);
}

bool reaches_eval_loop(const std::uint64_t* frames, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i)
        if (frames[i] >= g_interpreter.eval_start && frames[i] < g_interpreter.eval_end) return true;
    return false;
}

std::size_t splice(std::uint64_t* frames, std::size_t count, std::size_t capacity) {
    PyFrame python[kMaxDepth];
    const std::size_t python_count = read_frames(python, kMaxDepth);
    if (python_count == 0) return count;
    // The native frames inside the innermost eval loop (the C code that allocated: a ufunc, a C
    // extension, the interpreter's object constructors), then every Python frame. The native frames
    // beyond that eval loop are the interpreter calling itself, so they are not unwound (that is most of
    // the cost of a deep Python stack); a C extension that calls back into Python shows its innermost
    // native part only.
    std::size_t out = 0;
    while (out < count && !(frames[out] >= g_interpreter.eval_start && frames[out] < g_interpreter.eval_end)) ++out;
    for (std::size_t i = 0; i < python_count && out < capacity; ++i) frames[out++] = python[i].address;
    return out;
}

std::uint32_t published_count() { return g_tables.published.load(std::memory_order_acquire); }

FrameInfo frame(std::uint32_t id) {
    const Entry& e = g_tables.entries[id];
    FrameInfo info;
    info.address = kTag | id;
    info.line = e.line;
    info.function = g_tables.names + e.name_offset;
    info.function_length = e.function_length;
    info.file = info.function + e.function_length;
    info.file_length = e.file_length;
    return info;
}

// Interning runs on threads without the GIL too (numpy's large callocs, ctypes), so another thread's
// fork can come while the lock is held; the child would then spin on it at its first new frame.
void lock_for_fork() { g_fork_state.python_tables.lock.lock(); }
void unlock_after_fork() { g_fork_state.python_tables.lock.unlock(); }

bool frame_at(std::uint64_t address, FrameInfo& out) {
    if ((address & kTag) != kTag) return false;
    const std::uint64_t id = address & ~kTag;
    if (id >= published_count()) return false;
    out = frame(static_cast<std::uint32_t>(id));
    return true;
}

#else  // not built against a CPython 3.11: Python frames are off

void initialize() {}
bool reaches_eval_loop(const std::uint64_t*, std::size_t) { return false; }
std::size_t splice(std::uint64_t*, std::size_t count, std::size_t) { return count; }
std::uint32_t published_count() { return 0; }
FrameInfo frame(std::uint32_t) { return {}; }
bool frame_at(std::uint64_t, FrameInfo&) { return false; }
void lock_for_fork() {}
void unlock_after_fork() {}

#endif

}  // namespace leakscope::tracker::python
