// Leak tests inside C++ code: run the same work many times and ask whether memory grows per cycle.
//
//   auto r = leakscope::measure_cycles(1000, [&] { auto c = make_controller(); c.run(50); });
//   auto s = leakscope::measure_steps(10000, [&] { ctrl.step(); });
//   if (r.leak) std::cerr << leakscope::describe(r) << '\n';
//
// Live heap bytes are read after every cycle (every few cycles for long runs, see max_points): glibc's
// mallinfo2() normally, the tracker's exact counters when the program runs under `leakscope run`.
// The diagnosis engine then separates a one-time warm-up (caches filling, JIT, pools) from growth
// that continues in steady state, so a warm-up does not fail a test and a few bytes per cycle do.
//
// The series handed to the engine is indexed by cycle: its "time" is the cycle number, so every rate
// it reports is per cycle and the warm-up end is a cycle number.
//
// Both sources are process-wide: allocations other threads make during the measurement count too, so
// measure while the rest of the process is quiet. An exception from the body leaves measure_*.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "leakscope/export.h"
#include "leakscope/verdict.hpp"

namespace leakscope {

/// Where the live heap figure comes from.
enum class HeapSource {
    automatic,  ///< the tracker when it counts every allocation (`leakscope run`), else mallinfo2
    tracker,    ///< the tracker only (even sampled); without it the body is not run: insufficient_data
    mallinfo,   ///< glibc's mallinfo2(): in-use arena bytes plus mmapped chunks
};

/// "automatic", "tracker", "mallinfo".
inline std::string_view to_string(HeapSource source) {
    switch (source) {
        case HeapSource::tracker: return "tracker";
        case HeapSource::mallinfo: return "mallinfo";
        case HeapSource::automatic: break;
    }
    return "automatic";
}
inline std::ostream& operator<<(std::ostream& out, HeapSource source) { return out << to_string(source); }
inline std::string_view format_as(HeapSource source) { return to_string(source); }

struct MeasureOptions {
    /// Growth below this many bytes per cycle is not called a leak even when it is statistically
    /// certain. glibc rounds every block up to 32 bytes or more, so 1 byte catches any real leak.
    double min_bytes_per_cycle = 1.0;
    double confidence_level = 0.95;  ///< of the interval [ci_low, ci_high]
    /// At most this many points are measured (and diagnosed): longer runs read the heap every k-th
    /// cycle. Reading costs a few microseconds with mallinfo2, more with a fragmented heap.
    std::size_t max_points = 2000;
    /// Cycles after which the live heap is kept in `snapshots` (0 = before the first cycle).
    std::vector<std::size_t> snapshot_cycles = {0, 100, 500, 1000};
    std::size_t max_sites = 5;  ///< top growing allocation sites kept (tracker only)
    /// Under the tracker, count each cycle as one work unit so the `leakscope run` report also gives
    /// bytes per cycle. Turn off when the body counts its own events with leakscope_event().
    bool count_events = true;
    HeapSource source = HeapSource::automatic;
};

/// The live heap after a given number of cycles.
struct Snapshot {
    std::size_t cycle = 0;
    double live_bytes = 0;
};

/// An allocation site whose live bytes grew across the steady-state cycles (tracker only).
struct Site {
    std::string function;  ///< demangled name of the first frame outside the allocator; "??" unknown
    std::string module;    ///< file of the object that holds it
    std::uint64_t module_offset = 0;  ///< for `addr2line -e module 0x...`
    std::string file;      ///< source file, empty without debug information
    int line = 0;          ///< source line, 0 when unknown
    std::string location;  ///< "function (file.cpp:42)", or "function (module+0x1a2b)" without debug info
    double bytes_per_cycle = 0;  ///< steady-state growth
    double live_bytes = 0;       ///< at the end
    std::vector<std::uint64_t> frames;  ///< return addresses, innermost first
};

struct CycleResult {
    // Field names below are a contract (tests and CI scripts read them).
    bool leak = false;  ///< memory grows in steady state by at least min_bytes_per_cycle
    Pattern pattern = Pattern::insufficient_data;
    Severity severity = Severity::none;
    double confidence = 0;  ///< 0..1, of the pattern
    std::string summary;    ///< the engine's one or two sentences (rates in "per second" mean per cycle)
    double warmup_bytes = 0;    ///< one-time growth before steady state
    double warmup_cycles = 0;   ///< cycle at which steady state began
    double bytes_per_cycle = 0; ///< steady-state growth rate
    double ci_low = 0;          ///< interval of bytes_per_cycle at confidence_level
    double ci_high = 0;
    std::vector<Site> sites;    ///< top growing sites, largest first (empty without the tracker)

    std::string unit = "cycle";   ///< "cycle" or "step", for messages
    std::string source;           ///< "tracker" or "mallinfo2"
    std::size_t cycles = 0;       ///< cycles run
    double total_growth_bytes = 0;  ///< last reading minus the first
    double elapsed_s = 0;           ///< wall time of the whole measurement
    std::vector<Snapshot> snapshots;  ///< at MeasureOptions::snapshot_cycles (those reached)
    std::vector<double> series_cycle;  ///< the measured series: cycle numbers ...
    std::vector<double> series_bytes;  ///< ... and live heap bytes after them
};

/// One or two lines for a test failure or a log: rate with interval, warm-up, pattern, top site.
LEAKSCOPE_API std::string describe(const CycleResult& result);
LEAKSCOPE_API std::ostream& operator<<(std::ostream& out, const CycleResult& result);

namespace detail {
/// A non-owning reference to the body, so calling it allocates nothing during the measurement.
struct BodyRef {
    void* object;
    void (*call)(void* object);
};
LEAKSCOPE_API CycleResult measure(std::size_t cycles, BodyRef body, const MeasureOptions& options,
                                  const char* unit);
template <typename Body>
BodyRef body_ref(Body& body) {
    // const_cast only to fit the void*; the call below restores Body's own constness.
    return BodyRef{const_cast<void*>(static_cast<const void*>(&body)),
                   [](void* object) { (*static_cast<Body*>(object))(); }};
}
}  // namespace detail

/// Runs `body` `cycles` times (typically: create, use, destroy) and diagnoses the live heap per cycle.
template <typename Body>
CycleResult measure_cycles(std::size_t cycles, Body&& body, const MeasureOptions& options = {}) {
    static_assert(std::is_invocable_v<Body&>, "measure_cycles: the body must be callable with no arguments");
    return detail::measure(cycles, detail::body_ref(body), options, "cycle");
}

/// Runs `step` `steps` times on long-lived state and diagnoses the live heap per step.
template <typename Step>
CycleResult measure_steps(std::size_t steps, Step&& step, const MeasureOptions& options = {}) {
    static_assert(std::is_invocable_v<Step&>, "measure_steps: the step must be callable with no arguments");
    return detail::measure(steps, detail::body_ref(step), options, "step");
}

}  // namespace leakscope
