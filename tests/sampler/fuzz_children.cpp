// Fuzz target: parse_children appends all of a list or none of it, for any bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "sampler/proc_parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<int> pids{7};
    const auto added = leakscope::sampler::parse_children(text, pids);
    if (added) {
        if (pids.size() != 1 + *added) std::abort();
        for (const int pid : pids)
            if (pid <= 0) std::abort();
    } else if (pids.size() != 1 || added.error().message.empty()) {
        std::abort();
    }
    return 0;
}
