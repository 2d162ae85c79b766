// Fuzz target: parse_status must return a value or an error for any bytes, never crash or throw.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sampler/proc_parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto status = leakscope::sampler::parse_status(text);
    if (status) {
        // Every field comes from the input: the name cannot be longer than it, sizes are whole KiB.
        if (status->name.size() > size || status->ppid < 0) std::abort();
        if (status->vm_rss && *status->vm_rss % 1024 != 0) std::abort();
    } else if (status.error().message.empty()) {
        std::abort();
    }
    return 0;
}
