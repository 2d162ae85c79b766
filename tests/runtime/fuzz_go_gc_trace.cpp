// Fuzz target: any bytes as a line of a Go program's stderr. The gctrace parser returns a collection or
// nothing, never crashes or reads outside the line; a line it takes is one the relay would have held back
// from its start (so a program's line is never half passed on, half taken).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "runtime/go_gc_trace.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    const auto gc = leakscope::runtime::parse_go_gc_trace_line(line);
    if (!gc) return 0;
    for (std::size_t end = 0; end <= line.size(); ++end)
        if (!leakscope::runtime::may_begin_go_gc_trace_line(line.substr(0, end))) std::abort();
    if (gc->live_heap % leakscope::runtime::kGoTraceResolutionBytes != 0) std::abort();
    return 0;
}
