// The operating system as the sampler sees it: a /proc root and a cgroup root. Tests point both at
// captured files (tests/data/proc/); production uses the defaults.
//
// Reads go through open/read into buffers the ProcFs keeps between calls, so the per-sample path does
// not allocate once warmed up. That makes a ProcFs stateful: use one per thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sampler/proc_error.hpp"
#include "sampler/proc_parsers.hpp"

namespace leakscope::sampler {

class ProcFs {
public:
    explicit ProcFs(std::string proc_root = "/proc", std::string cgroup_root = "/sys/fs/cgroup");

    const std::string& proc_root() const { return proc_root_; }
    const std::string& cgroup_root() const { return cgroup_root_; }
    std::uint64_t page_size() const { return page_size_; }

    /// "<proc root>/<pid>", e.g. "/proc/123": how messages name a process directory.
    std::string process_dir(int pid) const;

    Expected<ProcStatus> read_status(int pid);
    Expected<SmapsRollup> read_smaps_rollup(int pid);
    Expected<Statm> read_statm(int pid);
    Expected<ProcStat> read_stat(int pid);
    Expected<std::vector<CgroupEntry>> read_cgroup(int pid);
    Expected<MemInfo> read_meminfo();

    /// Appends the children of every thread of `pid` (/proc/PID/task/*/children: a child belongs to
    /// the thread that forked it, so the main thread's file alone misses some). Returns how many.
    /// kNotFound: the process is gone. kUnsupported: the kernel has no children files
    /// (CONFIG_PROC_CHILDREN off); the caller then scans every /proc/PID/stat instead.
    Expected<std::size_t> read_children(int pid, std::vector<int>& out);

    /// The thread ids of `pid` (/proc/PID/task) into `out` (cleared first).
    Expected<std::size_t> list_tasks(int pid, std::vector<int>& out);

    /// Every numeric entry of the /proc root, i.e. every visible process, into `out` (cleared first).
    Expected<std::size_t> list_pids(std::vector<int>& out);

    /// Reads "<cgroup root>/<relative>" whole. The view stays valid until the next read.
    Expected<std::string_view> read_cgroup_file(std::string_view relative);

    /// Reads any file whole with open/read. The view stays valid until the next read.
    Expected<std::string_view> read_file(const std::string& path);

private:
    // Lists the numeric names in directory `path` into `out` (cleared first).
    Expected<std::size_t> list_numeric_entries(const std::string& path, std::vector<int>& out);
    // Builds "<proc root>/<pid>/<leaf>" in the reused path buffer.
    const std::string& pid_path(int pid, std::string_view leaf);

    std::string proc_root_;
    std::string cgroup_root_;
    std::uint64_t page_size_;
    std::string path_;  // reused path buffer
    std::string text_;  // reused file contents buffer
    std::vector<int> tids_;
    static constexpr std::size_t kDirentBufferBytes = 32768;
    std::vector<char> dirents_;  // reused getdents64 buffer
};

}  // namespace leakscope::sampler
