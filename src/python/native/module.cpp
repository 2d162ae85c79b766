// leakscope._native: the C++ side of the Python package. The pure-Python package (../leakscope/) holds
// the user-facing API; this module only hands it the engine's measurement and the monitor.
#include <pybind11/pybind11.h>

#include "python/native/bindings.hpp"

PYBIND11_MODULE(_native, module) {
    module.doc() = "leakscope's engine for the Python package (use the `leakscope` package, not this module)";
    leakscope::python::bind_measure(module);
    leakscope::python::bind_object_allocator(module);
    leakscope::python::bind_monitor(module);
}
