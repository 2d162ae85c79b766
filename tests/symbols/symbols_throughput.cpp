// Addresses symbolized per second, first lookups (each address new to the cache) and repeated ones.
// Usage: symbols_throughput [module-substring] [addresses]   (default: libc.so.6, 20000)
// The module is taken from this process's own module map; addresses are spread over its code.
#include <link.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "symbols/symbolizer.hpp"

namespace {

struct Target {
    std::string part;
    leakscope::Module module;
    std::uint64_t code_start = 0, code_end = 0;
};

int find_module(dl_phdr_info* info, std::size_t, void* data) {
    auto* target = static_cast<Target*>(data);
    const std::string path = info->dlpi_name != nullptr ? info->dlpi_name : "";
    if (path.empty() || path.find(target->part) == std::string::npos || !target->module.path.empty()) return 0;
    target->module.path = path;
    target->module.load_bias = info->dlpi_addr;
    target->module.start = UINT64_MAX;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const auto& header = info->dlpi_phdr[i];
        if (header.p_type != PT_LOAD) continue;
        const std::uint64_t begin = info->dlpi_addr + header.p_vaddr, end = begin + header.p_memsz;
        target->module.start = std::min(target->module.start, begin);
        target->module.end = std::max(target->module.end, end);
        if (header.p_flags & PF_X) target->code_start = begin, target->code_end = end;
    }
    return 0;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    Target target;
    target.part = argc > 1 ? argv[1] : "libc.so.6";
    const long count = argc > 2 ? std::atol(argv[2]) : 20000;
    dl_iterate_phdr(find_module, &target);
    if (target.module.path.empty() || target.code_end <= target.code_start || count <= 0) {
        std::fprintf(stderr, "no loaded module matches '%s'\n", target.part.c_str());
        return 2;
    }
    std::mt19937_64 rng(42);
    std::vector<std::uint64_t> addresses(static_cast<std::size_t>(count));
    for (auto& address : addresses) address = target.code_start + rng() % (target.code_end - target.code_start);

    leakscope::symbols::Symbolizer symbolizer;
    symbolizer.add_modules({target.module});
    auto start = std::chrono::steady_clock::now();
    symbolizer.symbolize(0, addresses[0]);  // opens the module and reads its debug information
    const double open_s = seconds_since(start);

    start = std::chrono::steady_clock::now();
    std::size_t frames = 0, named = 0;
    for (auto address : addresses) {
        const auto resolved = symbolizer.symbolize(0, address);
        frames += resolved.size();
        named += resolved.back().line > 0;
    }
    const double first_s = seconds_since(start);
    start = std::chrono::steady_clock::now();
    for (int round = 0; round < 5; ++round) {
        for (auto address : addresses) frames += symbolizer.symbolize(0, address).size();
    }
    const double cached_s = seconds_since(start);
    std::printf("module %s: open+first lookup %.3f s; %ld addresses (%zu with a line)\n", target.module.path.c_str(),
                open_s, count, named);
    std::printf("uncached: %.0f addresses/s; cached: %.0f addresses/s; %llu cache hits\n", count / first_s,
                5.0 * count / cached_s, static_cast<unsigned long long>(symbolizer.stats().cache_hits));
    return frames > 0 ? 0 : 1;
}
