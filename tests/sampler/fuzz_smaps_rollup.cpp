// Fuzz target: parse_smaps_rollup must return a value or an error for any bytes, never crash or throw.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sampler/proc_parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto rollup = leakscope::sampler::parse_smaps_rollup(text);
    if (rollup) {
        if (rollup->rss % 1024 != 0 || rollup->pss % 1024 != 0) std::abort();
    } else if (rollup.error().message.empty()) {
        std::abort();
    }
    return 0;
}
