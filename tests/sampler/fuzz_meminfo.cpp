// Fuzz target: parse_meminfo must return a value or an error for any bytes, never crash or throw.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sampler/proc_parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto info = leakscope::sampler::parse_meminfo(text);
    if (info) {
        if (info->mem_total % 1024 != 0) std::abort();
    } else if (info.error().message.empty()) {
        std::abort();
    }
    return 0;
}
