#include "sampler/cgroup_limit.hpp"

#include <string_view>
#include <vector>

namespace leakscope::sampler {
namespace {

// A cgroup path comes from the kernel, but under a test root it comes from a file: never let ".."
// walk out of the cgroup root.
bool has_parent_reference(std::string_view path) {
    while (!path.empty()) {
        const auto slash = path.find('/');
        if (path.substr(0, slash) == "..") return true;
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return false;
}

struct LimitFileKind {
    std::string_view leaf;
    Expected<std::optional<std::uint64_t>> (*parse)(std::string_view);
};
constexpr LimitFileKind kV2{"memory.max", parse_cgroup_v2_memory_max};
constexpr LimitFileKind kV1{"memory.limit_in_bytes", parse_cgroup_v1_limit_in_bytes};

// Visits `path` and each of its ancestors up to the hierarchy root, under mount directory `mount`,
// keeping the smallest limit in `best`.
std::optional<ProcError> tighten(ProcFs& fs, const std::string& mount, std::string_view path,
                                 const LimitFileKind& kind, std::optional<CgroupMemoryLimit>& best) {
    while (true) {
        while (!path.empty() && path.back() == '/') path.remove_suffix(1);
        std::string relative = mount;
        relative.append(path);
        relative += '/';
        relative.append(kind.leaf);
        auto text = fs.read_cgroup_file(relative);
        // Missing files are normal: the root cgroup has no memory.max, a hybrid system has no v2
        // memory controller, a container may not see its ancestors.
        if (text) {
            auto limit = kind.parse(*text);
            if (!limit) return ProcError{limit.error().kind, fs.cgroup_root() + relative + ": " + limit.error().message};
            if (limit->has_value() && (!best || **limit < best->bytes))
                best = CgroupMemoryLimit{**limit, fs.cgroup_root() + relative};
        }
        if (path.empty()) return std::nullopt;
        path = path.substr(0, path.rfind('/'));
    }
}

}  // namespace

Expected<std::optional<CgroupMemoryLimit>> find_cgroup_memory_limit(ProcFs& fs, int pid) {
    auto entries = fs.read_cgroup(pid);
    if (!entries) return entries.error();
    std::optional<CgroupMemoryLimit> best;
    for (const auto& entry : *entries) {
        if (has_parent_reference(entry.path)) continue;
        std::vector<std::string> mounts;
        const LimitFileKind* kind = nullptr;
        if (entry.is_v2()) {
            kind = &kV2;
            mounts = {"", "/unified"};
        } else if (entry.has_controller("memory")) {
            kind = &kV1;
            mounts = {"/memory"};
            // Co-mounted controllers live in a directory named after the whole list ("cpu,memory").
            if (entry.controllers != "memory" && !has_parent_reference(entry.controllers) &&
                entry.controllers.find('/') == std::string::npos)
                mounts.push_back("/" + entry.controllers);
        } else {
            continue;
        }
        for (const auto& mount : mounts)
            if (auto error = tighten(fs, mount, entry.path, *kind, best)) return *std::move(error);
    }
    return best;
}

}  // namespace leakscope::sampler
