#include "python_frames.hpp"

#include <atomic>
#include <cstring>

#include <dlfcn.h>
#include <link.h>

#include "os.hpp"
#include "spin_lock.hpp"

#if defined(LEAKSCOPE_TRACKER_PYTHON)
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#endif

namespace leakscope::tracker::python {

#if defined(LEAKSCOPE_TRACKER_PYTHON) && PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
#define LEAKSCOPE_PYTHON_FRAMES 1
#endif

#if defined(LEAKSCOPE_PYTHON_FRAMES)
namespace {

// CPython 3.11's _PyInterpreterFrame (Include/internal/pycore_frame.h), which is not installed as a
// public header: the fields up to `owner`, in order.
struct InterpreterFrame {
    PyObject* f_func;
    PyObject* f_globals;
    PyObject* f_builtins;
    PyObject* f_locals;
    PyCodeObject* f_code;
    PyObject* frame_obj;
    InterpreterFrame* previous;
    _Py_CODEUNIT* prev_instr;
    int stacktop;
    bool is_entry;
    char owner;
};
constexpr char kOwnedByGenerator = 1;

using GetThreadState = PyThreadState* (*)();
using Addr2Line = int (*)(PyCodeObject*, int);

struct Interpreter {
    GetThreadState this_thread = nullptr;  ///< PyGILState_GetThisThreadState
    Addr2Line addr2line = nullptr;         ///< PyCode_Addr2Line
    std::uintptr_t eval_start = 0, eval_end = 0;  ///< _PyEval_EvalFrameDefault
};
constinit Interpreter g_interpreter;
constinit std::atomic<bool> g_active{false};

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

// Written under `lock` (a thread need not hold the GIL: numpy lets it go around large callocs); a filled
// slot never changes, so look-ups read without the lock. The transport thread reads entries below
// `published`, which is stored after the entry is complete.
struct Tables {
    SpinLock lock;
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

/// Copies a str object's text as UTF-8 into the arena; no Python call (the str is read in place).
std::uint16_t copy_text(PyObject* text, std::size_t limit) {
    if (text == nullptr || !PyUnicode_Check(text) || !PyUnicode_IS_READY(text)) return 0;
    const int kind = PyUnicode_KIND(text);
    const void* data = PyUnicode_DATA(text);
    const Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    char* out = g_tables.names + g_tables.names_used;
    std::size_t n = 0;
    for (Py_ssize_t i = 0; i < length; ++i) {
        const Py_UCS4 c = PyUnicode_READ(kind, data, i);
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
    e.function_length = copy_text(code->co_qualname, kMaxName);
    g_tables.names_used += e.function_length;
    e.file_length = copy_text(code->co_filename, 4 * kMaxName);
    g_tables.names_used += e.file_length;
    // The code object must outlive its id: another one at the same address would take its names. Atomic
    // because this thread may not hold the GIL; a concurrent plain increment can still lose it, which
    // at worst lets the code object go and leaves a stale name, never a dangling read (ids keep copies).
    __atomic_fetch_add(&reinterpret_cast<PyObject*>(code)->ob_refcnt, 1, __ATOMIC_RELAXED);
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
    SpinLockHolder hold(g_tables.lock);
    Slot* slot = find(g_tables.by_offset, code_key, offset);  // again: another thread may have filled it
    if (slot) {
        if (const std::uint32_t known = slot->id_plus_one.load(std::memory_order_acquire)) return known - 1;
    }
    const int line = g_interpreter.addr2line(code, static_cast<int>(offset * sizeof(_Py_CODEUNIT)));
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
    if (mine == nullptr || mine->cframe == nullptr) return 0;
    if (!g_tables.mapped.load(std::memory_order_acquire)) {
        SpinLockHolder hold(g_tables.lock);
        if (!map_tables()) return 0;
    }
    auto* frame = reinterpret_cast<InterpreterFrame*>(mine->cframe->current_frame);
    std::size_t n = 0;
    for (; frame != nullptr && n < capacity; frame = frame->previous) {
        PyCodeObject* code = frame->f_code;
        if (code == nullptr) break;
        _Py_CODEUNIT* first = _PyCode_CODE(code);
        // A frame still being set up (before its first traceable instruction) is not shown, as CPython does.
        if (frame->owner != kOwnedByGenerator && frame->prev_instr < first + code->_co_firsttraceable) continue;
        const std::uint32_t id = frame_id(code, static_cast<std::uint64_t>(frame->prev_instr - first));
        if (id == UINT32_MAX) continue;
        out[n++] = PyFrame{kTag | id};
    }
    return n;
}

}  // namespace

void initialize() {
    const auto* version = static_cast<const unsigned long*>(dlsym(RTLD_DEFAULT, "Py_Version"));
    if (version == nullptr || (*version >> 16) != (PY_VERSION_HEX >> 16)) return;
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

bool active() { return g_active.load(std::memory_order_relaxed); }

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
void lock_for_fork() { g_tables.lock.lock(); }
void unlock_after_fork() { g_tables.lock.unlock(); }

bool frame_at(std::uint64_t address, FrameInfo& out) {
    if ((address & kTag) != kTag) return false;
    const std::uint64_t id = address & ~kTag;
    if (id >= published_count()) return false;
    out = frame(static_cast<std::uint32_t>(id));
    return true;
}

#else  // not built against a CPython 3.11: Python frames are off

void initialize() {}
bool active() { return false; }
bool reaches_eval_loop(const std::uint64_t*, std::size_t) { return false; }
std::size_t splice(std::uint64_t*, std::size_t count, std::size_t) { return count; }
std::uint32_t published_count() { return 0; }
FrameInfo frame(std::uint32_t) { return {}; }
bool frame_at(std::uint64_t, FrameInfo&) { return false; }
void lock_for_fork() {}
void unlock_after_fork() {}

#endif

}  // namespace leakscope::tracker::python
