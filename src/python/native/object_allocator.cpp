// Python's small-object allocator (pymalloc) carves objects out of 1 MiB arenas it maps itself, so
// neither glibc's mallinfo2 nor `leakscope run`'s tracker sees a 100-byte object being made, only an
// arena now and then. While a cycle test measures, new objects therefore go to malloc instead: the
// object and raw-memory domains get an allocator whose malloc/calloc are libc's, and whose free and
// realloc stay pymalloc's — pymalloc hands any pointer it did not carve to free()/realloc() itself, so
// blocks made by either allocator can be released whichever is installed when they die.
// Only done over pymalloc itself (not over the debug hooks, whose free expects their own header).
#include <Python.h>

#include <pybind11/pybind11.h>

#include <cstdlib>

#include "python/native/bindings.hpp"

namespace py = pybind11;

namespace leakscope::python {

namespace {

struct Routed {
    bool active = false;
    PyMemAllocatorEx original_mem{};
    PyMemAllocatorEx original_obj{};
};
Routed g_routed;

// The Python allocators must return a distinct non-NULL pointer for 0 bytes; malloc(0) may not.
void* routed_malloc(void*, std::size_t size) { return std::malloc(size ? size : 1); }
void* routed_calloc(void*, std::size_t count, std::size_t size) {
    return count && size ? std::calloc(count, size) : std::calloc(1, 1);
}
void* routed_realloc(void* ctx, void* pointer, std::size_t size) {
    if (pointer == nullptr) return routed_malloc(ctx, size);
    auto* original = static_cast<PyMemAllocatorEx*>(ctx);
    return original->realloc(original->ctx, pointer, size);
}
void routed_free(void* ctx, void* pointer) {
    auto* original = static_cast<PyMemAllocatorEx*>(ctx);
    original->free(original->ctx, pointer);
}

/// Routes new objects to malloc (true) or back to the allocator that was there (false). Returns
/// whether routing is now on. Called with the GIL held, as PyMem_SetAllocator requires.
bool route_objects_to_malloc(bool on) {
    if (on == g_routed.active) return g_routed.active;
    if (on) {
        PyMem_GetAllocator(PYMEM_DOMAIN_MEM, &g_routed.original_mem);
        PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &g_routed.original_obj);
        PyMemAllocatorEx mem{&g_routed.original_mem, routed_malloc, routed_calloc, routed_realloc, routed_free};
        PyMemAllocatorEx obj{&g_routed.original_obj, routed_malloc, routed_calloc, routed_realloc, routed_free};
        PyMem_SetAllocator(PYMEM_DOMAIN_MEM, &mem);
        PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &obj);
    } else {
        PyMem_SetAllocator(PYMEM_DOMAIN_MEM, &g_routed.original_mem);
        PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &g_routed.original_obj);
    }
    g_routed.active = on;
    return on;
}

}  // namespace

void bind_object_allocator(py::module_& module) {
    module.def("route_objects_to_malloc", &route_objects_to_malloc, py::arg("on"),
               "While on, new Python objects come from malloc (seen by mallinfo2 and the tracker) instead of "
               "pymalloc's arenas. Only call it when the current allocator is pymalloc itself.");
}

}  // namespace leakscope::python
