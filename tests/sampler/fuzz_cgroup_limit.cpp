// Fuzz target: both cgroup limit parsers (v2 memory.max, v1 memory.limit_in_bytes) for any bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sampler/proc_parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto v2 = leakscope::sampler::parse_cgroup_v2_memory_max(text);
    if (!v2 && v2.error().message.empty()) std::abort();
    const auto v1 = leakscope::sampler::parse_cgroup_v1_limit_in_bytes(text);
    if (v1 && v1->has_value() && **v1 >= leakscope::sampler::kCgroupV1NoLimitThreshold) std::abort();
    if (!v1 && v1.error().message.empty()) std::abort();
    return 0;
}
