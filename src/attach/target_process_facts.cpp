#include "attach/target_process_facts.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "protocol.hpp"
#include "util/proc_text.hpp"
namespace leakscope::attach {
namespace {

std::string proc_path(pid_t pid, const std::string& rest) { return "/proc/" + std::to_string(pid) + "/" + rest; }

bool base_name_starts(const std::string& path, const char* prefix) {
    const auto slash = path.find_last_of('/');
    return path.compare(slash == std::string::npos ? 0 : slash + 1, std::strlen(prefix), prefix) == 0;
}

void read_maps(pid_t pid, ProcessFacts& facts) {
    std::ifstream maps(proc_path(pid, "maps"));
    if (!maps) throw std::runtime_error("cannot read /proc/" + std::to_string(pid) + "/maps: " + std::strerror(errno));
    std::string line;
    while (std::getline(maps, line)) {
        std::istringstream fields(line);
        std::string range, perms, offset, device, inode, path;
        fields >> range >> perms >> offset >> device >> inode;
        std::getline(fields >> std::ws, path);
        if (path.empty() || path[0] != '/') continue;
        const bool at_start = std::stoull(offset, nullptr, 16) == 0;
        const std::uint64_t start = std::stoull(range.substr(0, range.find('-')), nullptr, 16);
        const std::uint64_t end = std::stoull(range.substr(range.find('-') + 1), nullptr, 16);
        const auto note = [&](std::optional<MappedModule>& module) {
            if (!module && at_start) module = MappedModule{path, start, end};
            if (module && module->path == path && end > module->end) module->end = end;
        };
        if (base_name_starts(path, "libc.so")) note(facts.libc);
        if (base_name_starts(path, "ld-linux") || base_name_starts(path, "ld64.so")) note(facts.loader);
        if (base_name_starts(path, tracker::wire::kLibraryFile)) facts.tracker_loaded = true;
    }
}

}  // namespace

ProcessFacts read_process_facts(pid_t pid) {
    ProcessFacts facts;
    facts.pid = pid;
    std::ifstream status(proc_path(pid, "status"));
    if (!status) throw std::runtime_error("no process " + std::to_string(pid));
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("Uid:", 0) == 0) facts.uid = static_cast<uid_t>(std::stoul(line.substr(4)));
    }
    read_maps(pid, facts);
    const std::string environment = util::read_proc_text(proc_path(pid, "environ"));
    facts.tracker_preloaded = environment.find("LEAKSCOPE_TRACKER_SOCKET=") != std::string::npos;
    struct stat ours{}, theirs{};
    if (::stat("/proc/self/ns/mnt", &ours) == 0 && ::stat(proc_path(pid, "ns/mnt").c_str(), &theirs) == 0)
        facts.same_mount_namespace = ours.st_ino == theirs.st_ino && ours.st_dev == theirs.st_dev;
    if (DIR* tasks = ::opendir(proc_path(pid, "task").c_str())) {
        while (const dirent* entry = ::readdir(tasks)) {
            if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
            // A thread that has exited (a main thread that called pthread_exit) never stops for ptrace.
            const std::string text = util::read_proc_text(proc_path(pid, "task/" + std::string(entry->d_name) + "/stat"));
            const auto close = text.rfind(')');
            const char state = close != std::string::npos && close + 2 < text.size() ? text[close + 2] : '?';
            if (state != 'Z' && state != 'X') facts.threads.push_back(std::atoi(entry->d_name));
        }
        ::closedir(tasks);
    }
    std::sort(facts.threads.begin(), facts.threads.end());
    std::stable_partition(facts.threads.begin(), facts.threads.end(), [pid](pid_t tid) { return tid == pid; });
    for (pid_t p = pid, depth = 0; p > 1 && depth < 4096; ++depth) {
        const std::string text = util::read_proc_text(proc_path(p, "stat"));
        const auto close = text.rfind(')');
        if (close == std::string::npos || close + 4 > text.size()) break;
        p = static_cast<pid_t>(std::atol(text.c_str() + close + 4));  // ") S PPID"
        if (p == ::getpid()) facts.our_descendant = true;
    }
    return facts;
}

std::optional<long> blocked_system_call(pid_t pid, pid_t tid) {
    std::ifstream in(proc_path(pid, "task/" + std::to_string(tid) + "/syscall"));
    long number = -1;
    if (!(in >> number) || number < 0) return std::nullopt;  // "running", or -1 (user code, stopped)
    return number;
}

}  // namespace leakscope::attach
