// Fuzz target: parse_stat must return a value or an error for any bytes, never crash or throw.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sampler/proc_parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto stat = leakscope::sampler::parse_stat(text);
    if (stat) {
        if (stat->pid <= 0 || stat->ppid < 0 || stat->comm.size() > size) std::abort();
    } else if (stat.error().message.empty()) {
        std::abort();
    }
    return 0;
}
