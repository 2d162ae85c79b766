// Fuzz target: parse_statm must return a value or an error for any bytes, never crash, throw or overflow.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sampler/proc_parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    constexpr std::uint64_t kPage = 4096;
    const auto statm = leakscope::sampler::parse_statm(text, kPage);
    if (statm) {
        // A wrapped multiplication would show as a size that is not a whole number of pages.
        if (statm->resident % kPage != 0 || statm->shared % kPage != 0 || statm->size % kPage != 0) std::abort();
    } else if (statm.error().message.empty()) {
        std::abort();
    }
    return 0;
}
