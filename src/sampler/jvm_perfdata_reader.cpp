#include "sampler/jvm_perfdata_reader.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace leakscope::sampler {
namespace {

constexpr auto kFirstBackoff = std::chrono::seconds(1);
constexpr auto kMaxBackoff = std::chrono::seconds(30);
constexpr std::string_view kDirPrefix = "hsperfdata_";

/// Whether `maps` (the text of /proc/PID/maps) has a mapping of exactly `path`.
bool maps_file(std::string_view maps, std::string_view path) {
    while (!maps.empty()) {
        const std::size_t eol = std::min(maps.find('\n'), maps.size());
        const std::string_view line = maps.substr(0, eol);
        maps.remove_prefix(std::min(eol + 1, maps.size()));
        if (line.size() > path.size() && line.ends_with(path) && line[line.size() - path.size() - 1] == ' ') return true;
    }
    return false;
}

/// Opens `name` in directory `dir_fd` without following a symbolic link: the directory is the watched
/// process's, which may point a link anywhere in leakscope's own file system (leakscope often runs as
/// root). O_NONBLOCK: a FIFO planted there must not block the sampler.
int open_no_follow(int dir_fd, const char* name, int flags) {
    return openat(dir_fd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
}

}  // namespace

bool maps_libjvm(std::string_view maps) {
    constexpr std::string_view kLibjvm = "/libjvm.so";
    while (!maps.empty()) {
        const std::size_t eol = std::min(maps.find('\n'), maps.size());
        if (maps.substr(0, eol).ends_with(kLibjvm)) return true;
        maps.remove_prefix(std::min(eol + 1, maps.size()));
    }
    return false;
}

std::optional<int> parse_innermost_nspid(std::string_view text) {
    const std::size_t at = text.find("\nNSpid:");
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view line = text.substr(at + 7);
    line = line.substr(0, std::min(line.find('\n'), line.size()));
    std::optional<int> last;
    while (!line.empty()) {
        const std::size_t begin = line.find_first_not_of(" \t");
        if (begin == std::string_view::npos) break;
        line.remove_prefix(begin);
        int pid = 0;
        const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
        if (ec != std::errc() || pid <= 0) return std::nullopt;
        last = pid;
        line.remove_prefix(static_cast<std::size_t>(ptr - line.data()));
    }
    return last;
}

JvmPerfDataReader::OwnedFd& JvmPerfDataReader::OwnedFd::operator=(OwnedFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
}

JvmPerfDataReader::OwnedFd::~OwnedFd() { reset(); }

void JvmPerfDataReader::OwnedFd::reset(int fd) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
}

JvmPerfDataReader::Process& JvmPerfDataReader::process(int pid) {
    const auto it = std::lower_bound(processes_.begin(), processes_.end(), pid, [](const Process& p, int v) { return p.pid < v; });
    if (it != processes_.end() && it->pid == pid) return *it;
    Process fresh;
    fresh.pid = pid;
    return *processes_.insert(it, std::move(fresh));
}

void JvmPerfDataReader::forget_except(std::span<const int> alive) {
    std::erase_if(processes_, [&](const Process& p) { return !std::binary_search(alive.begin(), alive.end(), p.pid); });
}

std::string JvmPerfDataReader::last_error(int pid) const {
    for (const auto& p : processes_)
        if (p.pid == pid) return p.error;
    return {};
}

std::size_t JvmPerfDataReader::jvms() const {
    return static_cast<std::size_t>(std::count_if(processes_.begin(), processes_.end(), [](const Process& p) { return p.fd.open(); }));
}

std::size_t JvmPerfDataReader::jvms_without_counters() const {
    return static_cast<std::size_t>(std::count_if(processes_.begin(), processes_.end(), [](const Process& p) { return p.without_counters; }));
}

void JvmPerfDataReader::probe(ProcFs& fs, Process& p, Clock::time_point now) {
    const std::string dir = fs.process_dir(p.pid);
    const auto maps = fs.read_file(dir + "/maps");
    if (!maps) return;  // gone, or not ours to read
    open_counter_file(fs, p, dir, *maps);
    if (p.fd.open() || !maps_libjvm(*maps)) {
        p.libjvm_seen.reset();
        p.without_counters = false;
        return;
    }
    if (!p.libjvm_seen) p.libjvm_seen = now;
    p.without_counters = now - *p.libjvm_seen >= kUnreadJvmGrace;
}

void JvmPerfDataReader::open_counter_file(ProcFs& fs, Process& p, const std::string& dir, std::string_view maps) {
    const auto status = fs.read_file(dir + "/status");
    if (!status) return;
    const int nspid = parse_innermost_nspid(*status).value_or(p.pid);
    char nspid_text[16];
    *std::to_chars(nspid_text, nspid_text + sizeof nspid_text - 1, nspid).ptr = '\0';

    // HotSpot puts the file in /tmp itself (not java.io.tmpdir), as the JVM sees /tmp.
    const int tmp_fd = open((dir + "/root/tmp").c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (tmp_fd < 0) return;  // gone, or its root is not ours to see
    DIR* listing = fdopendir(dup(tmp_fd));
    while (listing != nullptr) {
        const dirent* entry = readdir(listing);
        if (entry == nullptr) break;
        const std::string_view name = entry->d_name;
        if (!name.starts_with(kDirPrefix) || name.size() == kDirPrefix.size()) continue;
        const int user_fd = open_no_follow(tmp_fd, entry->d_name, O_RDONLY | O_DIRECTORY);
        if (user_fd < 0) continue;
        const int fd = open_no_follow(user_fd, nspid_text, O_RDONLY);
        close(user_fd);
        if (fd < 0) continue;
        struct stat st {};
        const bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
        const auto size = static_cast<std::size_t>(st.st_size);
        if (!regular || size < runtime::kPerfPrologueBytes || size > kMaxPerfDataBytes) {
            close(fd);
            continue;
        }
        // A JVM killed without cleaning up leaves its file behind; a later process with the same pid is
        // no JVM. The live JVM maps its file: the mapping names it as the JVM sees it.
        const std::string path = "/tmp/" + std::string(name) + "/" + nspid_text;
        if (!maps_file(maps, path)) {
            close(fd);
            continue;
        }
        p.fd.reset(fd);
        p.file_bytes = size;
        break;
    }
    if (listing != nullptr) closedir(listing);
    close(tmp_fd);
}

std::optional<runtime::JvmHeap> JvmPerfDataReader::read(ProcFs& fs, int pid, const std::string& comm, Clock::time_point now) {
    Process& p = process(pid);
    if (p.comm != comm) {
        // A new process, or this one exec'd another program: look again now.
        p.fd.reset();
        p.comm = comm;
        p.backoff = {};
        p.next_probe = now;
        p.error.clear();
        p.libjvm_seen.reset();
        p.unusable_since.reset();
        p.without_counters = false;
    }
    if (!p.fd.open()) {
        if (now < p.next_probe) return std::nullopt;
        probe(fs, p, now);
        if (!p.fd.open()) {
            p.backoff = std::clamp<Clock::duration>(p.backoff * 2, kFirstBackoff, kMaxBackoff);
            p.next_probe = now + p.backoff;
            return std::nullopt;
        }
    }
    auto heap = read_counter_file(p);
    // Found but unusable for a while (an error each time, or a pause that never ends) is as unread as
    // no file at all: the sum is unknown meanwhile, and the verdict must not take RSS's calm for the heap's.
    if (heap) {
        p.unusable_since.reset();
    } else if (!p.unusable_since) {
        p.unusable_since = now;
    }
    const auto grace = p.error.empty() ? kUnsettledJvmGrace : kUnreadJvmGrace;
    p.without_counters = p.unusable_since && now - *p.unusable_since >= grace;
    return heap;
}

std::optional<runtime::JvmHeap> JvmPerfDataReader::read_counter_file(Process& p) {
    if (buffer_.size() < p.file_bytes) buffer_.resize(p.file_bytes);
    const ssize_t n = pread(p.fd.get(), buffer_.data(), p.file_bytes, 0);
    if (n < 0) {
        p.error = std::string("hsperfdata: read failed: ") + std::strerror(errno);
        return std::nullopt;
    }
    const auto parsed = runtime::parse_perfdata(std::span(buffer_).first(static_cast<std::size_t>(n)), counters_);
    if (!parsed.ok()) {
        p.error = parsed.message;
        return std::nullopt;
    }
    auto heap = runtime::jvm_heap_from_counters(counters_);
    if (!heap.heap) {
        p.error = heap.error;
        return std::nullopt;
    }
    p.error.clear();
    // HotSpot counts a collection when its pause begins and updates the sizes when it ends: figures read
    // in between would pair the new count with the old sizes. Not an error; the next sample has them.
    if (heap.heap->in_collection) return std::nullopt;
    return heap.heap;
}

}  // namespace leakscope::sampler
