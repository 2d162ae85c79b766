// The check mode of the frame walk: both unwinders on every captured stack, differences reported. Raw
// write(2) on fd 2, no stdio, no allocation: this runs inside allocation hooks.
#include <unistd.h>

#include <atomic>
#include <cstdint>

#include "frame_walk.hpp"
#include "libunwind_loader.hpp"
#include "os.hpp"

namespace leakscope::tracker {

bool g_check_frame_walk LEAKSCOPE_STARTUP_DATA = false;

namespace {

constinit std::atomic<std::uint64_t> g_compared{0};
constinit std::atomic<std::uint64_t> g_differed{0};
constinit std::atomic<std::uint64_t> g_repeats{0};

struct Line {
    char text[256];
    std::size_t length = 0;
    void add(const char* s) {
        while (*s && length < sizeof(text) - 1) text[length++] = *s++;
    }
    void add(std::uint64_t value, unsigned base = 10) {
        char digits[24];
        int n = 0;
        do digits[n++] = "0123456789abcdef"[value % base], value /= base;
        while (value && n < 24);
        if (base == 16) add("0x");
        while (n > 0 && length < sizeof(text) - 1) text[length++] = digits[--n];
    }
    void write_out() {
        text[length++] = '\n';
        [[maybe_unused]] ssize_t ignored = write(2, text, length);
    }
};

}  // namespace

__attribute__((noinline)) int walk_frames_checked(void** out, int max, FrameMemo* memo) {
    constexpr int kCapacity = 128;
    if (max > kCapacity) max = kCapacity;
    const int n = walk_frames(out, max, memo);
    // A repeat is checked like any walk (its frames are written too); the capture then checks it made
    // the same stack of them.
    if (memo && memo->repeated_tag) g_repeats.fetch_add(1, std::memory_order_relaxed);
    // Loaded in the constructor in this mode: only stacks taken before it (other libraries' constructors)
    // have nothing to be compared with.
    const BacktraceFunction backtrace = libunwind_backtrace();
    if (!backtrace) return n;
    void* expected[kCapacity];
    const int m = backtrace(expected, max);
    g_compared.fetch_add(1, std::memory_order_relaxed);
    // The first address of each is its own call's return address in this function; the rest must agree.
    int first_difference = n == m ? -1 : (n < m ? n : m);
    for (int i = 1; i < n && i < m; ++i) {
        if (out[i] != expected[i]) {
            first_difference = i;
            break;
        }
    }
    if (first_difference >= 0) {
        g_differed.fetch_add(1, std::memory_order_relaxed);
        Line line;
        line.add("leakscope-tracker: unwind check: frame walk gave ");
        line.add(static_cast<std::uint64_t>(n));
        line.add(" frames, libunwind ");
        line.add(static_cast<std::uint64_t>(m));
        line.add("; first difference at ");
        line.add(static_cast<std::uint64_t>(first_difference));
        line.add(": ");
        line.add(first_difference < n ? reinterpret_cast<std::uint64_t>(out[first_difference]) : 0, 16);
        line.add(" vs ");
        line.add(first_difference < m ? reinterpret_cast<std::uint64_t>(expected[first_difference]) : 0, 16);
        line.write_out();
    }
    return n;
}

void check_repeated_stack(std::uint32_t repeated, std::uint32_t captured) {
    if (repeated == captured) return;
    g_differed.fetch_add(1, std::memory_order_relaxed);
    Line line;
    line.add("leakscope-tracker: unwind check: a repeated walk would have given stack ");
    line.add(repeated);
    line.add(", its frames are stack ");
    line.add(captured);
    line.write_out();
}

void check_stack_hash(std::uint32_t from_memo, std::uint32_t from_frames) {
    if (from_memo == from_frames) return;
    g_differed.fetch_add(1, std::memory_order_relaxed);
    Line line;
    line.add("leakscope-tracker: unwind check: the walk's memo hashed a stack ");
    line.add(from_memo, 16);
    line.add(", its frames hash ");
    line.add(from_frames, 16);
    line.write_out();
}

void report_frame_walk_check() {
    if (!g_check_frame_walk) return;
    Line line;
    line.add("leakscope-tracker: unwind check: ");
    line.add(g_compared.load());
    line.add(" stacks compared, ");
    line.add(g_differed.load());
    line.add(" differed, ");
    line.add(frame_walk_fallbacks());
    line.add(" handed to libunwind, ");
    line.add(g_repeats.load());
    line.add(" repeats");
    line.write_out();
}

}  // namespace leakscope::tracker
