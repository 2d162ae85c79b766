// CPU cost of sampling: one sample() of one process, of a 20-process tree, and of a process with
// 1 GiB resident (smaps_rollup walks page tables, so its cost grows with the mapping), each with and
// without smaps_rollup. The "core_pct_at_10Hz" counter is the share of one core that sampling every
// 100 ms (leakscope's default --interval) costs: CPU seconds per sample x 10 x 100.
// CPU time is the thread's (CLOCK_THREAD_CPUTIME_ID), which includes the kernel time of the reads.
#include <benchmark/benchmark.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "sampler/proc_parsers.hpp"
#include "sampler/tree_sampler.hpp"

extern char** environ;

namespace {

using leakscope::sampler::TreeSampler;
using leakscope::sampler::TreeSamplerOptions;

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void run_samples(benchmark::State& state, TreeSampler& sampler) {
    const double cpu_start = thread_cpu_seconds();
    std::uint32_t processes = 0;
    for (auto _ : state) {
        const auto point = sampler.sample();
        processes = point.processes;
        benchmark::DoNotOptimize(point);
    }
    const double per_sample = (thread_cpu_seconds() - cpu_start) / static_cast<double>(state.iterations());
    state.counters["processes"] = processes;
    state.counters["cpu_us_per_sample"] = per_sample * 1e6;
    state.counters["core_pct_at_10Hz"] = per_sample * 10 * 100;
}

// The smaps categories (a round every few seconds) have their own benchmark below; here they are off
// so the figures stay those of the per-sample path.
TreeSamplerOptions with_smaps(bool read_smaps_rollup) {
    return TreeSamplerOptions{.read_smaps_rollup = read_smaps_rollup, .read_smaps_categories = false};
}

void BM_SampleOneProcess(benchmark::State& state) {
    TreeSampler sampler(::getpid(), leakscope::sampler::ProcFs{}, with_smaps(state.range(0) != 0));
    run_samples(state, sampler);
}
BENCHMARK(BM_SampleOneProcess)->ArgName("smaps_rollup")->Arg(1)->Arg(0);

// A shell with 19 sleeping children: 20 processes.
class Tree20 {
public:
    Tree20() {
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attr, 0);
        char sh[] = "/bin/sh", c[] = "-c", script[] = "for i in $(seq 19); do sleep 600 & done; wait";
        char* argv[] = {sh, c, script, nullptr};
        if (posix_spawn(&pid_, "/bin/sh", nullptr, &attr, argv, environ) != 0) std::abort();
        posix_spawnattr_destroy(&attr);
        TreeSampler probe(pid_);
        for (int i = 0; i < 500 && probe.sample().processes < 20; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ~Tree20() {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = 0;
};

void BM_SampleTwentyProcessTree(benchmark::State& state) {
    Tree20 tree;
    TreeSampler sampler(tree.pid(), leakscope::sampler::ProcFs{}, with_smaps(state.range(0) != 0));
    run_samples(state, sampler);
}
BENCHMARK(BM_SampleTwentyProcessTree)->ArgName("smaps_rollup")->Arg(1)->Arg(0);

// A child holding 1 GiB of touched anonymous memory, in 4 KiB pages (262144 page-table entries to walk,
// the worst case) or in transparent huge pages where available.
class OneGiBChild {
public:
    explicit OneGiBChild(bool huge_pages) {
        if (::pipe(ready_) != 0) std::abort();
        pid_ = ::fork();
        if (pid_ == 0) {
            constexpr std::size_t kSize = std::size_t{1} << 30;
            void* mapped = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            auto* block = mapped == MAP_FAILED ? nullptr : static_cast<char*>(mapped);
            if (block) {
                ::madvise(block, kSize, huge_pages ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
                std::memset(block, 1, kSize);
            }
            char byte = block ? 'y' : 'n';
            if (::write(ready_[1], &byte, 1) != 1) ::_exit(1);
            ::pause();
            ::_exit(0);
        }
        char byte = 0;
        ok_ = ::read(ready_[0], &byte, 1) == 1 && byte == 'y';
    }
    ~OneGiBChild() {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        ::close(ready_[0]);
        ::close(ready_[1]);
    }
    pid_t pid() const { return pid_; }
    bool ok() const { return ok_; }

private:
    int ready_[2] = {-1, -1};
    pid_t pid_ = 0;
    bool ok_ = false;
};

// How smaps_rollup scales with the 1 GiB child. Third argument: the smaps_rollup budget
// (TreeSamplerOptions) on or off, to show the raw cost too.
void BM_SampleOneGiBProcess(benchmark::State& state) {
    TreeSamplerOptions options = with_smaps(state.range(0) != 0);
    if (state.range(2) == 0) options.smaps_rollup_budget = {};
    OneGiBChild child(state.range(1) != 0);
    if (!child.ok()) state.SkipWithError("the child could not allocate 1 GiB");
    TreeSampler sampler(child.pid(), leakscope::sampler::ProcFs{}, options);
    run_samples(state, sampler);
}
BENCHMARK(BM_SampleOneGiBProcess)
    ->ArgNames({"smaps_rollup", "huge_pages", "budget"})
    ->Args({1, 0, 1})
    ->Args({1, 0, 0})
    ->Args({0, 0, 1})
    ->Args({1, 1, 1})
    ->Args({1, 1, 0});

// One round of the smaps categories (read /proc/PID/smaps and classify every mapping) of the 1 GiB
// child, forced on every sample; the sampler does one every 5 s at most, and at least 100 x its time apart.
void BM_SmapsCategoriesOneGiBProcess(benchmark::State& state) {
    OneGiBChild child(state.range(0) != 0);
    if (!child.ok()) state.SkipWithError("the child could not allocate 1 GiB");
    TreeSamplerOptions options = with_smaps(false);
    options.read_smaps_categories = true;
    TreeSampler sampler(child.pid(), leakscope::sampler::ProcFs{}, options);
    const double cpu_start = thread_cpu_seconds();
    const auto wall_start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        sampler.request_smaps_round();
        benchmark::DoNotOptimize(sampler.sample());
    }
    const double n = static_cast<double>(state.iterations());
    state.counters["cpu_ms_per_round"] = (thread_cpu_seconds() - cpu_start) / n * 1e3;
    state.counters["wall_ms_per_round"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count() / n * 1e3;
}
BENCHMARK(BM_SmapsCategoriesOneGiBProcess)->ArgName("huge_pages")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

std::string captured(const char* relative) {
    std::ifstream in(std::string(SAMPLER_TEST_DATA_DIR) + "/captured/" + relative);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void BM_ParseStatus(benchmark::State& state) {
    const std::string text = captured("normal/status");
    for (auto _ : state) benchmark::DoNotOptimize(leakscope::sampler::parse_status(text));
}
BENCHMARK(BM_ParseStatus);

void BM_ParseSmapsRollup(benchmark::State& state) {
    const std::string text = captured("normal/smaps_rollup");
    for (auto _ : state) benchmark::DoNotOptimize(leakscope::sampler::parse_smaps_rollup(text));
}
BENCHMARK(BM_ParseSmapsRollup);

}  // namespace

BENCHMARK_MAIN();
