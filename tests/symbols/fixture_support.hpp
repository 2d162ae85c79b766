// Helpers the symbolizer tests share: line numbers by MARK comment, and the module map of this process.
#pragma once

#include <link.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/recording.hpp"

namespace symbols_test {

/// The 1-based line of `source` that carries "MARK:<mark>" (exactly once), so expectations follow edits.
inline int marked_line(const std::string& source, const std::string& mark) {
    std::ifstream in(source);
    if (!in) throw std::runtime_error("cannot read " + source);
    const std::string needle = "MARK:" + mark;
    std::string text;
    int found = 0;
    for (int number = 1; std::getline(in, text); ++number) {
        const auto at = text.find(needle);
        if (at == std::string::npos) continue;
        const auto after = at + needle.size();
        if (after < text.size() && (std::isalnum(static_cast<unsigned char>(text[after])) || text[after] == '_')) continue;
        if (found != 0) throw std::runtime_error(needle + " appears twice in " + source);
        found = number;
    }
    if (found == 0) throw std::runtime_error(needle + " not found in " + source);
    return found;
}

inline std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

/// This process's loaded objects whose path contains `path_part`, as the tracker reports modules.
inline std::vector<leakscope::Module> loaded_modules(const std::string& path_part) {
    struct Search {
        std::string part;
        std::vector<leakscope::Module> found;
    } search{path_part, {}};
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) {
            auto* s = static_cast<Search*>(data);
            const std::string path = info->dlpi_name != nullptr ? info->dlpi_name : "";
            if (path.empty() || path.find(s->part) == std::string::npos) return 0;
            leakscope::Module module;
            module.start = UINT64_MAX;
            for (int i = 0; i < info->dlpi_phnum; ++i) {
                const auto& header = info->dlpi_phdr[i];
                if (header.p_type != PT_LOAD) continue;
                module.start = std::min<std::uint64_t>(module.start, info->dlpi_addr + header.p_vaddr);
                module.end = std::max<std::uint64_t>(module.end, info->dlpi_addr + header.p_vaddr + header.p_memsz);
            }
            module.load_bias = info->dlpi_addr;
            module.path = path;
            s->found.push_back(module);
            return 0;
        },
        &search);
    return search.found;
}

}  // namespace symbols_test
