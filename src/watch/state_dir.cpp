#include "watch/state_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace leakscope::watch {
namespace fs = std::filesystem;

fs::path state_file(const fs::path& dir, const Candidate& process) {
    std::string comm = process.comm.empty() ? "process" : process.comm;
    for (char& c : comm) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!plain) c = '_';
    }
    return dir / (comm + "." + std::to_string(process.pid) + "." + std::to_string(process.start_time) + ".lks");
}

std::optional<StateFileKey> parse_state_file_name(const std::string& filename) {
    constexpr std::string_view kSuffix = ".lks";
    if (filename.size() <= kSuffix.size() || filename.compare(filename.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
        return std::nullopt;
    const std::string stem = filename.substr(0, filename.size() - kSuffix.size());
    const auto dot_start = stem.rfind('.');
    if (dot_start == std::string::npos || dot_start == 0) return std::nullopt;
    const auto dot_pid = stem.rfind('.', dot_start - 1);
    if (dot_pid == std::string::npos) return std::nullopt;
    StateFileKey key;
    const char* pid_begin = stem.data() + dot_pid + 1;
    const char* pid_end = stem.data() + dot_start;
    const char* start_begin = stem.data() + dot_start + 1;
    const char* start_end = stem.data() + stem.size();
    auto [p1, e1] = std::from_chars(pid_begin, pid_end, key.pid);
    auto [p2, e2] = std::from_chars(start_begin, start_end, key.start_time);
    if (e1 != std::errc{} || p1 != pid_end || e2 != std::errc{} || p2 != start_end || key.pid <= 0) return std::nullopt;
    return key;
}

void prune_state_dir(const fs::path& dir, const std::set<std::string>& live, std::size_t keep) {
    std::error_code ec;
    std::vector<std::pair<fs::file_time_type, fs::path>> gone;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (!parse_state_file_name(name) || live.count(entry.path().string())) continue;
        gone.emplace_back(entry.last_write_time(ec), entry.path());
    }
    if (gone.size() <= keep) return;
    std::sort(gone.begin(), gone.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = keep; i < gone.size(); ++i) fs::remove(gone[i].second, ec);
}

std::uint64_t directory_bytes(const fs::path& dir) {
    std::error_code ec;
    std::uint64_t total = 0;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (entry.is_regular_file(ec)) total += entry.file_size(ec);
    }
    return total;
}

void ensure_state_dir(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw std::runtime_error("--state-dir: cannot create " + dir.string() + ": " + ec.message());
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        throw std::runtime_error("--state-dir: cannot write to " + dir.string() + ": " + std::strerror(errno));
}

fs::path default_state_dir() {
    if (const char* systemd = std::getenv("STATE_DIRECTORY"); systemd && *systemd) {
        const std::string first(systemd, std::strcspn(systemd, ":"));  // several are ':'-separated
        return first;
    }
    if (::geteuid() == 0) return "/var/lib/leakscope";
    if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) return fs::path(xdg) / "leakscope";
    if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".local/state/leakscope";
    return ".leakscope-state";
}

}  // namespace leakscope::watch
