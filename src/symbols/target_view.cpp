#include "symbols/target_view.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>

#include "symbols/regular_file.hpp"

namespace leakscope::symbols {

TargetModuleFiles::TargetModuleFiles(std::string proc_root, std::size_t max_files)
    : proc_root_(std::move(proc_root)), max_files_(max_files) {}

TargetModuleFiles::~TargetModuleFiles() {
    for (const auto& [file, fd] : files_) ::close(fd);
}

std::optional<std::vector<TargetModuleFiles::Mapping>> TargetModuleFiles::read_maps(std::int64_t pid) const {
    std::ifstream in(proc_root_ + "/" + std::to_string(pid) + "/maps");
    if (!in) return std::nullopt;
    std::vector<Mapping> maps;
    std::string line;
    while (std::getline(in, line)) {
        Mapping m;
        unsigned long long low = 0, high = 0, offset = 0, inode = 0;
        char perms[8];
        // "LOW-HIGH PERMS OFFSET MAJOR:MINOR INODE [PATH]": only file-backed mappings (inode != 0) count.
        if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %x:%x %llu", &low, &high, perms, &offset, &m.dev_major,
                        &m.dev_minor, &inode) != 7 || inode == 0)
            continue;
        m.low = low;
        m.high = high;
        m.inode = inode;
        if (const auto slash = line.find('/'); slash != std::string::npos) m.path = line.substr(slash);
        maps.push_back(m);
    }
    if (maps.empty()) return std::nullopt;  // a zombie's maps are empty: it has ended
    return maps;
}

bool TargetModuleFiles::names_the_mapping(std::int64_t pid, const Module& module, const Mapping& mapping) const {
    // A file replaced since it was mapped still names the mapping it was (map_files reaches the old one).
    if (mapping.path == module.path + " (deleted)") return true;
    struct stat st {};
    return ::stat((proc_root_ + "/" + std::to_string(pid) + "/root" + module.path).c_str(), &st) == 0 &&
           st.st_ino == mapping.inode && major(st.st_dev) == mapping.dev_major && minor(st.st_dev) == mapping.dev_minor;
}

int TargetModuleFiles::open_verified(std::int64_t pid, const Module& module, const Mapping& mapping) const {
    const std::string dir = proc_root_ + "/" + std::to_string(pid);
    char range[64];
    std::snprintf(range, sizeof range, "/map_files/%" PRIx64 "-%" PRIx64, mapping.low, mapping.high);
    // map_files names the very file mapped there, whatever the path says (root, or CAP_CHECKPOINT_RESTORE);
    // otherwise the path as the process sees it, which must be that same file.
    int fd = open_regular_file(dir + range);
    if (fd < 0) fd = open_regular_file(dir + "/root" + module.path);
    if (fd < 0) return -1;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_ino != mapping.inode || major(st.st_dev) != mapping.dev_major ||
        minor(st.st_dev) != mapping.dev_minor) {
        ::close(fd);
        return -1;
    }
    return fd;
}

int TargetModuleFiles::open_in(std::int64_t pid, const Module& module, const std::vector<Mapping>& maps) const {
    for (const auto& m : maps) {
        if (m.low <= module.start && module.start < m.high)
            return names_the_mapping(pid, module, m) ? open_verified(pid, module, m) : -1;
    }
    return -1;
}

void TargetModuleFiles::capture(std::int64_t pid, const Module& module) {
    const Key key{module.process, module.start};
    if (modules_.count(key) || module.path.empty() || module.path.front() != '/') return;
    int fd = cached_pid_ == pid ? open_in(pid, module, cached_maps_) : -1;
    if (fd < 0) {  // not in the maps read for an earlier module (loaded since, or another process): read anew
        auto maps = read_maps(pid);
        if (!maps) {
            modules_[key] = {State::gone, -1};
            return;
        }
        cached_pid_ = pid;
        cached_maps_ = std::move(*maps);
        fd = open_in(pid, module, cached_maps_);
    }
    if (fd < 0) {
        // Nothing of that file is mapped there, unless the process went in between.
        const bool gone = !read_maps(pid);
        modules_[key] = {gone ? State::gone : State::refused, -1};
        refused_ += !gone;
        return;
    }
    struct stat st {};
    ::fstat(fd, &st);
    const auto file = std::pair{st.st_dev, st.st_ino};
    if (const auto it = files_.find(file); it != files_.end()) {
        ::close(fd);
        fd = it->second;
    } else if (files_.size() >= max_files_) {
        ::close(fd);
        modules_[key] = {State::refused, -1};
        ++refused_;
        return;
    } else {
        files_[file] = fd;
    }
    modules_[key] = {State::verified, fd};
}

TargetModuleFiles::State TargetModuleFiles::state(const Module& module) const {
    const auto it = modules_.find({module.process, module.start});
    return it == modules_.end() ? State::unknown : it->second.first;
}

std::optional<std::string> TargetModuleFiles::view(const Module& module) const {
    const auto it = modules_.find({module.process, module.start});
    if (it == modules_.end() || it->second.first != State::verified) return std::nullopt;
    return "/proc/self/fd/" + std::to_string(it->second.second);
}

}  // namespace leakscope::symbols
