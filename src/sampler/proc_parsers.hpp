// Parsers for the /proc and cgroup files the sampler reads. Pure functions on text: no I/O, no
// exceptions, no assumptions about field order; each one is fuzzed (tests/sampler/fuzz_*.cpp).
// Sizes are returned in bytes (the kernel prints kB = KiB, or pages for statm).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sampler/proc_error.hpp"

namespace leakscope::sampler {

/// /proc/PID/status. Kernel threads and zombies have no memory lines: those stay empty.
struct ProcStatus {
    std::string name;     ///< "Name:" (comm, at most 15 bytes, so it fits the small-string buffer)
    char state = '?';     ///< first letter of "State:" (R, S, D, Z, T, t, X, I, ...)
    int ppid = -1;
    std::uint32_t threads = 0;
    std::optional<std::uint64_t> vm_rss;     ///< absent when the process has no mm
    std::optional<std::uint64_t> rss_anon;   ///< Linux >= 4.5
    std::optional<std::uint64_t> rss_file;   ///< Linux >= 4.5
    std::optional<std::uint64_t> rss_shmem;  ///< Linux >= 4.5
    std::optional<std::uint64_t> vm_swap;
    std::optional<std::uint64_t> vm_data;  ///< private writable mappings, resident or not
};
Expected<ProcStatus> parse_status(std::string_view text);

/// /proc/PID/smaps_rollup (Linux >= 4.14): a page-table walk, so exact, and the only source of PSS.
struct SmapsRollup {
    std::uint64_t rss = 0;
    std::uint64_t pss = 0;
    std::optional<std::uint64_t> pss_anon;   ///< Linux >= 5.8
    std::optional<std::uint64_t> pss_file;   ///< Linux >= 5.8
    std::optional<std::uint64_t> pss_shmem;  ///< Linux >= 5.8
    std::optional<std::uint64_t> anonymous;
    std::optional<std::uint64_t> swap;
    std::optional<std::uint64_t> swap_pss;
};
Expected<SmapsRollup> parse_smaps_rollup(std::string_view text);

/// /proc/PID/statm, converted from pages with `page_size`.
struct Statm {
    std::uint64_t size = 0;
    std::uint64_t resident = 0;
    std::uint64_t shared = 0;  ///< resident file-backed + shmem pages
    std::uint64_t text = 0;
    std::uint64_t data = 0;
};
Expected<Statm> parse_statm(std::string_view text, std::uint64_t page_size);

/// /proc/PID/stat: only the fields the tree walk needs.
struct ProcStat {
    int pid = 0;
    std::string comm;  ///< may hold spaces and parentheses: delimited by the first '(' and the LAST ')'
    char state = '?';
    int ppid = -1;
    /// Field 22, clock ticks after boot: with the pid, it names one process for good (pids are reused).
    std::optional<std::uint64_t> start_time;
};
Expected<ProcStat> parse_stat(std::string_view text);

/// /proc/PID/task/TID/children: space-separated pids. Appends them to `out` and returns how many;
/// on an error `out` is left as it was.
Expected<std::size_t> parse_children(std::string_view text, std::vector<int>& out);

/// One line of /proc/PID/cgroup: "0::/path" (v2) or "4:memory:/path" (v1; controllers comma-separated,
/// or "name=systemd" for named hierarchies).
struct CgroupEntry {
    int hierarchy_id = 0;
    std::string controllers;  ///< empty for the v2 line
    std::string path;         ///< starts with '/'
    bool is_v2() const { return hierarchy_id == 0 && controllers.empty(); }
    bool has_controller(std::string_view name) const;
};
Expected<std::vector<CgroupEntry>> parse_cgroup(std::string_view text);

/// v1 memory.limit_in_bytes at or above this means "no limit": the kernel prints PAGE_COUNTER_MAX
/// pages in bytes, 9223372036854771712 with 4 KiB pages (less with bigger pages).
inline constexpr std::uint64_t kCgroupV1NoLimitThreshold = std::uint64_t{1} << 62;

/// cgroup v2 memory.max: "max" means no limit (nullopt).
Expected<std::optional<std::uint64_t>> parse_cgroup_v2_memory_max(std::string_view text);
/// cgroup v1 memory.limit_in_bytes: a huge value means no limit (nullopt).
Expected<std::optional<std::uint64_t>> parse_cgroup_v1_limit_in_bytes(std::string_view text);

/// /proc/meminfo.
struct MemInfo {
    std::uint64_t mem_total = 0;
    std::optional<std::uint64_t> mem_available;  ///< Linux >= 3.14
};
Expected<MemInfo> parse_meminfo(std::string_view text);

}  // namespace leakscope::sampler
