// Fuzz target: any bytes as an hsperfdata file. The parser and the heap figures must return a value or
// one error sentence, never crash, hang or read outside the input; every name it returns lies inside it.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "runtime/jvm_heap.hpp"
#include "runtime/perfdata_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::vector<leakscope::runtime::PerfCounter> counters;
    const auto result = leakscope::runtime::parse_perfdata({data, size}, counters);
    if (!result.ok()) {
        if (result.message.empty() || !counters.empty()) std::abort();
        return 0;
    }
    const auto* begin = reinterpret_cast<const char*>(data);
    for (const auto& c : counters) {
        if (c.name.empty() || c.name.data() < begin || c.name.data() + c.name.size() > begin + size) std::abort();
        if (c.text && (c.text->data() < begin || c.text->data() + c.text->size() > begin + size)) std::abort();
    }
    const auto heap = leakscope::runtime::jvm_heap_from_counters(counters);
    if (!heap.heap && heap.error.empty()) std::abort();
    if (heap.heap && heap.heap->old_gen_used > heap.heap->heap_used) std::abort();
    return 0;
}
