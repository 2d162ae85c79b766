// Samples the memory of a whole process tree (a root and all its descendants) from /proc. Called every
// --interval (100 ms by default) by `leakscope run` and `leakscope attach`, so one sample of one
// process costs a few open/read calls and, once warmed up, no allocation unless a read fails
// (see bench/sampler/ and tests/sampler/sample_allocation_test.cpp) or a smaps round is due (every
// few seconds; below).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/sample_point.hpp"
#include "sampler/cgroup_limit.hpp"
#include "sampler/jvm_perfdata_reader.hpp"
#include "sampler/proc_fs.hpp"
#include "sampler/process_tree.hpp"

namespace leakscope::sampler {

/// One process of the last sample. Sizes in bytes; kUnknownBytes where not measured.
struct ProcessSample {
    int pid = 0;
    int ppid = 0;
    std::string comm;
    char state = '?';
    std::uint32_t threads = 0;
    std::uint64_t rss = 0;
    std::uint64_t pss = kUnknownBytes;
    std::uint64_t anon = kUnknownBytes;
    std::uint64_t file = kUnknownBytes;
    std::uint64_t swap = kUnknownBytes;
    std::uint64_t vm_data = kUnknownBytes;
    bool has_memory = false;  ///< false for zombies and kernel threads: they count as zero
};

struct TreeSamplerOptions {
    /// Read smaps_rollup, the only source of PSS. Its cost grows with the process's page tables (it
    /// walks them, under the target's mmap lock): ~15 us for a small process, 2.6 to 12 ms of CPU for
    /// 1 GiB resident in 4 KiB pages, ~35 us for the same in huge pages (bench/sampler/).
    bool read_smaps_rollup = true;
    /// When one round of smaps_rollup reads took longer than this, the next rounds are spaced out so
    /// that they average to at most this per sample; the samples in between have pss unknown.
    /// 500 us per sample is 0.5% of one core at the default 10 Hz.
    std::chrono::nanoseconds smaps_rollup_budget = std::chrono::microseconds(500);
    /// Read /proc/PID/smaps for where RSS lives (SamplePoint::smaps_*): at the first sample, then at
    /// most every smaps_period, and further apart when a round is slow, so that the rounds take at
    /// most 1% of the time (smaps walks every mapping's page tables under the target's mmap lock:
    /// 26 ms of CPU, ~120 ms wall on the loaded build machine, for 1 GiB resident in 4 KiB pages;
    /// 0.3 ms in huge pages: bench/sampler BM_SmapsCategoriesOneGiBProcess).
    /// The samples in between have the smaps fields unknown.
    bool read_smaps_categories = true;
    std::chrono::milliseconds smaps_period = std::chrono::seconds(5);
    /// Read the heap figures of the tree's JVMs from their performance counters (SamplePoint::runtime_*)
    /// every sample: one pread of ~32 KiB per JVM, and now and then a look for new JVMs
    /// (jvm_perfdata_reader.hpp).
    bool read_jvm_heap = true;
    /// > 0: the children of this process (other than the root) and their descendants belong to the
    /// tree too. `run` passes its own pid, being the target's subreaper (see ProcessTree::discover).
    int adopter_pid = 0;
};

class TreeSampler {
public:
    explicit TreeSampler(int root_pid, ProcFs fs = ProcFs{}, TreeSamplerOptions options = {});

    /// Sums the memory of the root and all its descendants. Fills processes, threads,
    /// rss = rss_min = rss_max, pss, anon, file, swap, the runtime_* fields when the tree has JVMs, and
    /// now and then the smaps_* fields; leaves t_s (the caller's clock), the tracker
    /// fields (unknown) and events (0) alone. Never fails: a process that exits during the sample is
    /// skipped, zombies and kernel threads count zero; a gone root gives processes == 0, and so does
    /// a root whose pid was reused by another process (told apart by its start time).
    ///
    /// Sources, per process: status for rss = VmRSS, anon = RssAnon, file = RssFile + RssShmem (so
    /// anon + file == rss) and swap = VmSwap, on every sample, so the series never switches source;
    /// statm instead on kernels older than 4.5 whose status lacks the Rss* split. smaps_rollup for
    /// pss, within the budget above. pss is unknown for the tree if any process lacked it, and on the
    /// samples where an expensive smaps_rollup round was skipped.
    SamplePoint sample();

    /// The next sample reads smaps whether a round is due or not (e.g. the last sample of a watch).
    void request_smaps_round() { next_smaps_round_.reset(); }

    /// The JVM counter reader, for its errors (JvmPerfDataReader::last_error).
    const JvmPerfDataReader& jvm_reader() const { return jvm_; }

    /// The processes of the last sample, root first.
    const std::vector<ProcessSample>& last_processes() const { return processes_; }

    /// Whether the root was alive (not gone, not a zombie) at the last sample; probes now if none yet.
    bool root_alive();

    /// The tightest cgroup memory limit of the root (read now, not cached: a container can be resized).
    Expected<std::optional<CgroupMemoryLimit>> memory_limit() { return find_cgroup_memory_limit(fs_, root_pid_); }

    int root_pid() const { return root_pid_; }
    ProcFs& fs() { return fs_; }
    /// True when the kernel lacks children files and every sample scans all of /proc.
    bool scans_all_processes() const { return tree_.scans_all_processes(); }

private:
    // True once the root pid belongs to a different process than at the first sample.
    bool root_replaced();
    // Reads one process into `out`; false when it is gone or unreadable (then it is skipped).
    bool sample_process(int pid, bool read_pss, ProcessSample& out);
    // Adds the smaps categories of every process of the sample to `point` when a round is due.
    void read_smaps_round(SamplePoint& point);
    // Adds the heap figures of the sample's JVMs to `point` (unknown unless every JVM's were read).
    void read_jvm_heaps(SamplePoint& point);

    int root_pid_;
    ProcFs fs_;
    TreeSamplerOptions options_;
    ProcessTree tree_;
    std::vector<int> pids_;
    std::vector<ProcessSample> processes_;
    std::optional<bool> root_alive_;
    std::optional<std::uint64_t> root_start_time_;
    bool root_replaced_ = false;
    std::uint32_t samples_until_smaps_rollup_ = 0;  // 0: this sample reads it
    std::chrono::steady_clock::duration smaps_rollup_time_{};  // spent reading it in this sample
    std::optional<std::chrono::steady_clock::time_point> next_smaps_round_;  // unset: the first sample reads
    std::vector<int> tids_;
    std::vector<std::uint64_t> stack_pointers_;
    JvmPerfDataReader jvm_;
    std::vector<int> alive_pids_;
};

}  // namespace leakscope::sampler
