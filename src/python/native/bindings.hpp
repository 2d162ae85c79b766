// The pieces of leakscope._native, one function per C++ file.
#pragma once

#include <pybind11/pybind11.h>

namespace leakscope::python {

/// measure(), live_heap_bytes(), tracker_state(): the cycle tests' engine (measure_binding.cpp).
void bind_measure(pybind11::module_& module);
/// route_objects_to_malloc(): pymalloc's new objects through malloc while measuring (object_allocator.cpp).
void bind_object_allocator(pybind11::module_& module);
/// Monitor, Gauge, findings and status (monitor_binding.cpp).
void bind_monitor(pybind11::module_& module);

}  // namespace leakscope::python
