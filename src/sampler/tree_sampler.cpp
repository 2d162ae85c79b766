#include "sampler/tree_sampler.hpp"

#include <algorithm>

#include "sampler/smaps_categories.hpp"

namespace leakscope::sampler {
namespace {
// Even a pathologically slow smaps_rollup is read again within 1000 samples (100 s at 10 Hz).
constexpr std::int64_t kMaxSkippedSamples = 1000;
// A round of smaps reads is followed by at least 100 times its duration without one: at most 1%.
constexpr int kSmapsSpacingFactor = 100;
}  // namespace

TreeSampler::TreeSampler(int root_pid, ProcFs fs, TreeSamplerOptions options)
    : root_pid_(root_pid), fs_(std::move(fs)), options_(options) {}

bool TreeSampler::sample_process(int pid, bool read_pss, ProcessSample& out) {
    // status first: it is the liveness check, and it tells zombies and kernel threads (no VmRSS) apart
    // before smaps_rollup would fail on them with ESRCH.
    auto status = fs_.read_status(pid);
    if (!status) return false;
    out.pid = pid;
    out.ppid = status->ppid;
    out.comm = status->name;  // at most 15 bytes: stays in the small-string buffer
    out.state = status->state;
    out.threads = status->threads;
    out.has_memory = status->vm_rss.has_value() && out.state != 'Z' && out.state != 'X';
    if (!out.has_memory) {
        out.rss = out.pss = out.anon = out.file = out.swap = out.vm_data = 0;
        return true;
    }

    out.rss = *status->vm_rss;
    out.anon = out.file = kUnknownBytes;
    if (status->rss_anon && status->rss_file) {
        out.anon = *status->rss_anon;
        out.file = *status->rss_file + status->rss_shmem.value_or(0);
    } else if (auto statm = fs_.read_statm(pid)) {
        // Before Linux 4.5: statm's "shared" is the resident file-backed and shmem pages.
        out.file = statm->shared;
        out.anon = statm->resident >= statm->shared ? statm->resident - statm->shared : 0;
    }
    out.swap = status->vm_swap.value_or(kUnknownBytes);
    out.vm_data = status->vm_data.value_or(kUnknownBytes);

    out.pss = kUnknownBytes;
    if (read_pss) {
        // Fails when the file is missing (Linux < 4.14), ptrace access is refused (status stays
        // readable), or the process exited just now: pss stays unknown.
        const auto started = std::chrono::steady_clock::now();
        if (auto rollup = fs_.read_smaps_rollup(pid)) out.pss = rollup->pss;
        smaps_rollup_time_ += std::chrono::steady_clock::now() - started;
    }
    return true;
}

bool TreeSampler::root_replaced() {
    if (root_replaced_) return true;
    // The first start time seen names the root; a different one later means the root exited and its
    // pid now belongs to an unrelated process (attach runs for days; pids wrap).
    const auto stat = fs_.read_stat(root_pid_);
    if (!stat || !stat->start_time) return false;
    if (!root_start_time_) root_start_time_ = stat->start_time;
    root_replaced_ = *root_start_time_ != *stat->start_time;
    return root_replaced_;
}

SamplePoint TreeSampler::sample() {
    if (root_replaced()) {
        pids_.clear();
    } else {
        tree_.discover(fs_, root_pid_, pids_, options_.adopter_pid);
    }
    // Keep the ProcessSample objects (and their strings) from the last sample: resize, then overwrite.
    if (processes_.size() < pids_.size()) processes_.resize(pids_.size());
    std::size_t count = 0;
    root_alive_ = false;

    const bool read_pss = options_.read_smaps_rollup && samples_until_smaps_rollup_ == 0;
    if (samples_until_smaps_rollup_ > 0) --samples_until_smaps_rollup_;
    smaps_rollup_time_ = {};

    SamplePoint point;
    point.pss = point.anon = point.file = point.swap = point.vm_data = 0;
    for (const int pid : pids_) {
        ProcessSample& process = processes_[count];
        if (!sample_process(pid, read_pss, process)) continue;
        ++count;
        if (pid == root_pid_) root_alive_ = process.state != 'Z' && process.state != 'X';
        ++point.processes;
        point.threads += process.threads;
        point.rss += process.rss;
        const auto add = [](std::uint64_t& sum, std::uint64_t value) {
            if (!known(sum)) return;
            sum = known(value) ? sum + value : kUnknownBytes;
        };
        add(point.pss, process.pss);
        add(point.anon, process.anon);
        add(point.file, process.file);
        add(point.swap, process.swap);
        add(point.vm_data, process.vm_data);
    }
    processes_.resize(count);
    point.rss_min = point.rss_max = point.rss;
    if (options_.read_smaps_categories) read_smaps_round(point);
    if (options_.read_jvm_heap) read_jvm_heaps(point);

    if (read_pss) {
        // Skipping floor(took / budget) samples makes the rounds average at most the budget per sample.
        // Wall time, not CPU time: it also counts waiting for the target's mmap lock, which the target
        // feels too.
        const auto budget = options_.smaps_rollup_budget;
        if (budget.count() > 0 && smaps_rollup_time_ > budget)
            samples_until_smaps_rollup_ =
                static_cast<std::uint32_t>(std::min<std::int64_t>(smaps_rollup_time_ / budget, kMaxSkippedSamples));
    }
    return point;
}

void TreeSampler::read_smaps_round(SamplePoint& point) {
    const auto started = std::chrono::steady_clock::now();
    if (next_smaps_round_ && started < *next_smaps_round_) return;
    SmapsCategories sum;
    bool any = false;
    for (const ProcessSample& process : processes_) {
        if (!process.has_memory) continue;
        // Threads blocked in a system call tell their stack pointer: their stacks are found even
        // without a guard page. Reading it needs ptrace access; without it the guard rule still works.
        stack_pointers_.clear();
        if (fs_.list_tasks(process.pid, tids_)) {
            for (const int tid : tids_) {
                const std::string path = fs_.process_dir(process.pid) + "/task/" + std::to_string(tid) + "/syscall";
                if (auto text = fs_.read_file(path))
                    if (auto sp = parse_syscall_stack_pointer(*text)) stack_pointers_.push_back(*sp);
            }
        }
        std::sort(stack_pointers_.begin(), stack_pointers_.end());
        const auto text = fs_.read_file(fs_.process_dir(process.pid) + "/smaps");
        if (!text) continue;  // gone, or not ours to read
        const auto categories = classify_smaps(*text, stack_pointers_);
        if (!categories) continue;
        any = true;
        sum.brk_heap += categories->brk_heap;
        sum.stacks += categories->stacks;
        sum.anon_other += categories->anon_other;
        sum.file += categories->file;
        sum.other += categories->other;
        sum.stacks_mapped += categories->stacks_mapped;
    }
    const auto took = std::chrono::steady_clock::now() - started;
    next_smaps_round_ = started + std::max<std::chrono::steady_clock::duration>(options_.smaps_period, took * kSmapsSpacingFactor);
    if (!any) return;
    point.smaps_brk_heap = sum.brk_heap;
    point.smaps_stacks = sum.stacks;
    point.smaps_anon_other = sum.anon_other;
    point.smaps_file = sum.file;
    point.smaps_other = sum.other;
    point.smaps_stacks_mapped = sum.stacks_mapped;
}

void TreeSampler::read_jvm_heaps(SamplePoint& point) {
    alive_pids_.clear();
    for (const ProcessSample& process : processes_)
        if (process.has_memory) alive_pids_.push_back(process.pid);
    std::sort(alive_pids_.begin(), alive_pids_.end());
    jvm_.forget_except(alive_pids_);
    const auto now = JvmPerfDataReader::Clock::now();
    std::size_t read = 0;
    std::uint64_t used = 0, committed = 0, max = 0, old_gen = 0, eden = 0, metaspace = 0, young = 0, full = 0, concurrent = 0;
    bool metaspace_known = true;
    for (const ProcessSample& process : processes_) {
        if (!process.has_memory) continue;
        const auto heap = jvm_.read(fs_, process.pid, process.comm, now);
        if (!heap) continue;
        ++read;
        used += heap->heap_used;
        committed += heap->heap_committed;
        max += heap->heap_max;
        old_gen += heap->old_gen_used;
        eden += heap->eden_used;
        metaspace_known &= heap->metaspace_used.has_value();
        metaspace += heap->metaspace_used.value_or(0);
        young += heap->young_gcs;
        full += heap->full_gcs;
        concurrent += heap->concurrent_gcs;
    }
    point.runtime_unread_jvms = jvm_.jvms_without_counters();
    // A JVM whose counters could not be read this time leaves the tree's sum unknown, not short.
    if (read == 0 || read != jvm_.jvms()) return;
    point.runtime_heap_used = used;
    point.runtime_heap_committed = committed;
    point.runtime_heap_max = max;
    point.runtime_old_gen_used = old_gen;
    point.runtime_eden_used = eden;
    point.runtime_metaspace_used = metaspace_known ? metaspace : kUnknownBytes;
    point.runtime_young_gcs = young;
    point.runtime_full_gcs = full;
    point.runtime_concurrent_gcs = concurrent;
}

bool TreeSampler::root_alive() {
    if (root_replaced_) return false;
    if (!root_alive_) {
        const auto status = fs_.read_status(root_pid_);
        return status && status->state != 'Z' && status->state != 'X';
    }
    return *root_alive_;
}

}  // namespace leakscope::sampler
