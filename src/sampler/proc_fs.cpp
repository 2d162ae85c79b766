#include "sampler/proc_fs.hpp"

#include <sys/syscall.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace leakscope::sampler {

namespace {

bool is_all_digits(const char* s) {
    if (*s == '\0') return false;
    for (; *s; ++s)
        if (*s < '0' || *s > '9') return false;
    return true;
}

bool parse_pid(const char* s, int& pid) {
    if (!is_all_digits(s)) return false;
    const auto end = s + std::strlen(s);
    const auto [ptr, ec] = std::from_chars(s, end, pid);
    return ec == std::errc() && ptr == end && pid > 0;
}

void append_int(std::string& out, int value) {
    char digits[16];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, static_cast<std::size_t>(end - digits));
}

template <typename T>
Expected<T> with_path(Expected<T> parsed, const std::string& path) {
    if (parsed.ok()) return parsed;
    ProcError error = parsed.error();
    error.message = path + ": " + error.message;
    return error;
}

}  // namespace

ProcFs::ProcFs(std::string proc_root, std::string cgroup_root)
    : proc_root_(std::move(proc_root)),
      cgroup_root_(std::move(cgroup_root)),
      page_size_(static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE))) {
    // status and smaps_rollup are 1-2 KiB; one page-sized buffer holds them without growing.
    text_.reserve(8192);
    path_.reserve(256);
}

std::string ProcFs::process_dir(int pid) const {
    std::string dir = proc_root_;
    dir += '/';
    append_int(dir, pid);
    return dir;
}

const std::string& ProcFs::pid_path(int pid, std::string_view leaf) {
    path_.assign(proc_root_);
    path_ += '/';
    append_int(path_, pid);
    if (!leaf.empty()) {
        path_ += '/';
        path_.append(leaf);
    }
    return path_;
}

Expected<std::string_view> ProcFs::read_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return error_from_errno(errno, path);
    // /proc files report size 0, so read until EOF, growing the buffer only if a file outgrows it.
    // The cap only guards against a wrong root pointing at something huge; /proc files are KiBs.
    constexpr std::size_t kMaxFileBytes = 16u << 20;
    text_.resize(std::max<std::size_t>(text_.capacity(), 4096));
    std::size_t used = 0;
    while (true) {
        if (used == text_.size()) {
            if (used >= kMaxFileBytes) {
                ::close(fd);
                text_.clear();
                return ProcError{ProcError::Kind::kMalformed, "cannot read " + path + ": larger than 16 MiB"};
            }
            text_.resize(text_.size() * 2);
        }
        const ssize_t n = ::read(fd, text_.data() + used, text_.size() - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int saved = errno;
            ::close(fd);
            text_.clear();
            return error_from_errno(saved, path);
        }
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
    }
    ::close(fd);
    text_.resize(used);
    return std::string_view(text_);
}

Expected<ProcStatus> ProcFs::read_status(int pid) {
    const auto& path = pid_path(pid, "status");
    auto text = read_file(path);
    if (!text) return text.error();
    return with_path(parse_status(*text), path);
}

Expected<SmapsRollup> ProcFs::read_smaps_rollup(int pid) {
    const auto& path = pid_path(pid, "smaps_rollup");
    auto text = read_file(path);
    if (!text) return text.error();
    return with_path(parse_smaps_rollup(*text), path);
}

Expected<Statm> ProcFs::read_statm(int pid) {
    const auto& path = pid_path(pid, "statm");
    auto text = read_file(path);
    if (!text) return text.error();
    return with_path(parse_statm(*text, page_size_), path);
}

Expected<ProcStat> ProcFs::read_stat(int pid) {
    const auto& path = pid_path(pid, "stat");
    auto text = read_file(path);
    if (!text) return text.error();
    return with_path(parse_stat(*text), path);
}

Expected<std::vector<CgroupEntry>> ProcFs::read_cgroup(int pid) {
    const auto& path = pid_path(pid, "cgroup");
    auto text = read_file(path);
    if (!text) return text.error();
    return with_path(parse_cgroup(*text), path);
}

Expected<MemInfo> ProcFs::read_meminfo() {
    path_.assign(proc_root_);
    path_ += "/meminfo";
    auto text = read_file(path_);
    if (!text) return text.error();
    return with_path(parse_meminfo(*text), path_);
}

Expected<std::size_t> ProcFs::read_children(int pid, std::vector<int>& out) {
    // List the threads first: the directory is closed before the children files are read.
    const auto listed = list_numeric_entries(pid_path(pid, "task"), tids_);
    if (!listed) return listed.error();
    std::size_t added = 0;
    for (const int tid : tids_) {
        pid_path(pid, "task/");
        append_int(path_, tid);
        const std::size_t thread_dir_length = path_.size();
        path_ += "/children";
        auto text = read_file(path_);
        if (!text) {
            if (text.error().kind != ProcError::Kind::kNotFound) return text.error();
            // The thread may have exited since the listing: then its directory is gone too. A thread
            // directory without a children file means the kernel does not provide them.
            path_.resize(thread_dir_length);
            struct stat info {};
            if (::stat(path_.c_str(), &info) == 0)
                return ProcError{ProcError::Kind::kUnsupported,
                                 "cannot read " + path_ + "/children: the kernel does not provide it"};
            continue;
        }
        auto parsed = parse_children(*text, out);
        if (!parsed) return with_path(std::move(parsed), path_);
        added += *parsed;
    }
    return added;
}

Expected<std::size_t> ProcFs::list_pids(std::vector<int>& out) { return list_numeric_entries(proc_root_, out); }

Expected<std::size_t> ProcFs::list_tasks(int pid, std::vector<int>& out) {
    return list_numeric_entries(pid_path(pid, "task"), out);
}

Expected<std::size_t> ProcFs::list_numeric_entries(const std::string& path, std::vector<int>& out) {
    out.clear();
    // getdents64 into a kept buffer rather than opendir, which mallocs a 32 KiB buffer on every call.
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return error_from_errno(errno, path);
    dirents_.resize(kDirentBufferBytes);
    while (true) {
        const long n = ::syscall(SYS_getdents64, fd, dirents_.data(), dirents_.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            const int saved = errno;
            ::close(fd);
            return error_from_errno(saved, path);
        }
        if (n == 0) break;
        for (long offset = 0; offset < n;) {
            // linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[].
            const char* record = dirents_.data() + offset;
            unsigned short record_length = 0;
            std::memcpy(&record_length, record + 16, sizeof record_length);
            if (record_length == 0) break;  // never from a kernel; stops a loop on a broken buffer
            int id = 0;
            if (parse_pid(record + 19, id)) out.push_back(id);
            offset += record_length;
        }
    }
    ::close(fd);
    return out.size();
}

Expected<std::string_view> ProcFs::read_cgroup_file(std::string_view relative) {
    path_.assign(cgroup_root_);
    if (!relative.empty() && relative.front() != '/') path_ += '/';
    path_.append(relative);
    return read_file(path_);
}

}  // namespace leakscope::sampler
