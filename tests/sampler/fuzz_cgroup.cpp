// Fuzz target: parse_cgroup must return entries or an error for any bytes, never crash or throw.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sampler/proc_parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto entries = leakscope::sampler::parse_cgroup(text);
    if (entries) {
        for (const auto& entry : *entries) {
            if (entry.path.empty() || entry.path.front() != '/' || entry.hierarchy_id < 0) std::abort();
            (void)entry.has_controller("memory");
        }
    } else if (entries.error().message.empty()) {
        std::abort();
    }
    return 0;
}
