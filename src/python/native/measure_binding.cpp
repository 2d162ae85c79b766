// The cycle tests for Python: leakscope::detail::measure (the C++ API's loop and engine) with a Python
// callable as the body. The package's measure_cycles/measure_steps (../leakscope/_measure.py) wrap the
// user's function with the garbage-collector bookkeeping and call measure() below.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <stdexcept>
#include <string>

#include "api/byte_text.hpp"
#include "api/cycle_engine.hpp"
#include "api/heap_probe.hpp"
#include "api/site_growth.hpp"
#include "api/tracker_link.hpp"
#include "diagnosis/diagnosis.hpp"
#include "leakscope/cycles.hpp"
#include "python/native/bindings.hpp"
#include "python/native/decided.hpp"

namespace py = pybind11;

namespace leakscope::python {

namespace {

HeapSource source_named(const std::string& name) {
    if (name == "automatic") return HeapSource::automatic;
    if (name == "tracker") return HeapSource::tracker;
    if (name == "mallinfo") return HeapSource::mallinfo;
    throw py::value_error("source must be 'automatic', 'tracker' or 'mallinfo', not '" + name + "'");
}

/// The engine's diagnosis of the measured series, as detail::measure asked for it, for the fields
/// CycleResult does not carry (yet): `decided`.
diagnosis::Diagnosis engine_view(const CycleResult& result, const MeasureOptions& options) {
    return diagnosis::diagnose(detail::cycle_series(result), detail::cycle_engine_options(options));
}

py::dict site_dict(const Site& site, const std::vector<std::string>& stack) {
    py::dict out;
    out["function"] = site.function;
    out["file"] = site.file;
    out["line"] = site.line;
    out["stack"] = stack;
    out["module"] = site.module;
    out["module_offset"] = site.module_offset;
    out["location"] = site.location;
    out["bytes_per_cycle"] = site.bytes_per_cycle;
    out["live_bytes"] = site.live_bytes;
    out["frames"] = site.frames;
    return out;
}

py::dict result_dict(const CycleResult& r, bool decided) {
    py::dict out;
    out["leak"] = r.leak;
    out["pattern"] = std::string(to_string(r.pattern));
    out["severity"] = std::string(to_string(r.severity));
    out["confidence"] = r.confidence;
    out["decided"] = decided;
    out["summary"] = r.summary;
    out["warmup_bytes"] = r.warmup_bytes;
    out["warmup_cycles"] = r.warmup_cycles;
    out["bytes_per_cycle"] = r.bytes_per_cycle;
    out["ci_low"] = r.ci_low;
    out["ci_high"] = r.ci_high;
    py::list sites;
    const auto stacks = detail::describe_stacks(r.sites);
    for (std::size_t i = 0; i < r.sites.size(); ++i) sites.append(site_dict(r.sites[i], stacks[i]));
    out["sites"] = sites;
    out["unit"] = r.unit;
    out["source"] = r.source;
    out["cycles"] = r.cycles;
    out["total_growth_bytes"] = r.total_growth_bytes;
    out["elapsed_s"] = r.elapsed_s;
    py::list snapshots;
    for (const Snapshot& s : r.snapshots) snapshots.append(py::make_tuple(s.cycle, s.live_bytes));
    out["snapshots"] = snapshots;
    out["series_cycle"] = r.series_cycle;
    out["series_bytes"] = r.series_bytes;
    return out;
}

py::dict measure(py::function body, std::size_t cycles, const std::string& unit, double min_bytes_per_cycle,
                 double confidence_level, std::size_t max_points, std::size_t max_sites, bool count_events,
                 const std::string& source) {
    if (unit != "cycle" && unit != "step") throw py::value_error("unit must be 'cycle' or 'step'");
    MeasureOptions options;
    options.min_bytes_per_cycle = min_bytes_per_cycle;
    options.confidence_level = confidence_level;
    options.max_points = max_points;
    options.max_sites = max_sites;
    options.count_events = count_events;
    options.source = source_named(source);
    // The body keeps the GIL (it is Python); a Python exception leaves measure() as error_already_set
    // and pybind11 raises it again on the Python side.
    auto call = [&body] { body(); };
    const CycleResult result = detail::measure(cycles, detail::body_ref(call), options, unit.c_str());
    return result_dict(result, decided_of(result, engine_view(result, options)));
}

py::object live_heap_bytes(const std::string& source) {
    const auto probe = detail::HeapProbe::open(source_named(source));
    if (!probe) return py::none();
    const auto live = probe->live_bytes();
    if (!live) return py::none();
    return py::make_tuple(*live, probe->name());
}

py::dict tracker_state() {
    py::dict out;
    const detail::TrackerLink& link = detail::tracker_link();
    out["present"] = link.present();
    out["sampling"] = false;
    if (link.present()) {
        leakscope_tracker_stats stats{};
        stats.struct_size = sizeof stats;
        if (link.query(&stats) == 0) {
            out["sampling"] = stats.sampling != 0;
            out["live_heap_bytes"] = stats.live_heap_bytes;
            out["events"] = stats.events;
        } else {
            out["present"] = false;  // loaded but not active (no leakscope listening)
        }
    }
    return out;
}

}  // namespace

void bind_measure(py::module_& module) {
    module.def("measure", &measure, py::arg("body"), py::arg("cycles"), py::arg("unit") = "cycle",
               py::arg("min_bytes_per_cycle") = 1.0, py::arg("confidence_level") = 0.95,
               py::arg("max_points") = 2000, py::arg("max_sites") = 5, py::arg("count_events") = true,
               py::arg("source") = "automatic",
               "Runs body() `cycles` times, reading the live heap after each, and diagnoses the series.");
    module.def("live_heap_bytes", &live_heap_bytes, py::arg("source") = "automatic",
               "(bytes, source name) of the live heap now, or None when the source is unavailable.");
    module.def("live_bytes", [] {
        static const auto probe = detail::HeapProbe::open(HeapSource::automatic);
        const auto live = probe ? probe->live_bytes() : std::nullopt;
        return live ? *live : -1.0;
    }, "The live heap now as measure() reads it (automatic source); -1 when unavailable.");
    module.def("byte_text", &detail::byte_text, py::arg("bytes"), "\"1.50 KiB\": bytes as the C++ API prints them.");
    module.def("tracker_state", &tracker_state, "Whether `leakscope run`'s tracker is loaded, and sampling.");
    module.def("add_events", [](std::uint64_t n) {
        if (const auto add = detail::tracker_link().add_events) add(n);
    }, py::arg("n") = 1, "Counts n work units for `leakscope run`'s per-event rates (no-op without it).");
}

}  // namespace leakscope::python
