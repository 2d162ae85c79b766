// Real programs under the tracker in its unwind check mode (LEAKSCOPE_TRACKER_CHECK_UNWIND=1): every stack
// the tracker captures is also taken from libunwind's unw_backtrace, and the two must never differ. The
// tracker writes each difference to the program's stderr at once and the totals when it unloads. A walk
// answered as a repeat of the thread's last stack is checked too: its frames against libunwind's, and the
// stack id it stands for against the one its frames are interned as.
#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>
#include <string>

#include "tracker_harness.hpp"

namespace leakscope::tracker_test {
namespace {

struct CheckTotals {
    long compared = 0;
    long differed = 0;
    long handed_to_libunwind = 0;
    long repeats = 0;  ///< walks answered as a repeat of the thread's last stack (each checked as well)
    int reports = 0;  ///< one per process that unloaded the tracker
};

CheckTotals totals_of(const std::string& err) {
    CheckTotals totals;
    static const std::regex line(R"(unwind check: (\d+) stacks compared, (\d+) differed, (\d+) handed to libunwind, (\d+) repeats)");
    for (auto it = std::sregex_iterator(err.begin(), err.end(), line); it != std::sregex_iterator(); ++it) {
        totals.compared += std::stol((*it)[1]);
        totals.differed += std::stol((*it)[2]);
        totals.handed_to_libunwind += std::stol((*it)[3]);
        totals.repeats += std::stol((*it)[4]);
        ++totals.reports;
    }
    return totals;
}

RunResult run_checked(const std::vector<std::string>& argv) {
    RunOptions options;
    options.extra_environment.emplace_back("LEAKSCOPE_TRACKER_CHECK_UNWIND", "1");
    options.timeout_s = 60;
    return run_program(argv, options);
}

CheckTotals expect_same_stacks(const RunResult& run, long min_compared) {
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.err.find("frame walk gave"), std::string::npos) << run.err.substr(0, 2000);
    const CheckTotals totals = totals_of(run.err);
    EXPECT_GE(totals.reports, 1) << "no check report: " << run.err.substr(0, 2000);
    EXPECT_EQ(totals.differed, 0);
    EXPECT_GE(totals.compared, min_compared);
    // The walk, not libunwind, must take nearly all of them (else the cache would be pointless).
    EXPECT_LE(totals.handed_to_libunwind * 100, totals.compared) << totals.handed_to_libunwind << " of " << totals.compared;
    return totals;
}

bool installed(const char* path) { return access(path, X_OK) == 0; }

TEST(TrackerUnwindCheck, ThreadedCxxChurn) {
    const CheckTotals totals = expect_same_stacks(run_checked({target_path("tracker_churn"), "4", "20000", "64"}), 80000);
    // Its threads alternate between sites, so only some stacks repeat the one before (3% here): enough
    // to check repeats on real threads.
    EXPECT_GE(totals.repeats * 100, totals.compared) << totals.repeats << " repeats of " << totals.compared;
}

TEST(TrackerUnwindCheck, HookScenarios) {
    // Every allocation function, new/delete forms, realloc chains, mmap: the hooks' own frames differ.
    expect_same_stacks(run_checked({target_path("tracker_alloc_patterns"), "hooks"}), 100);
    expect_same_stacks(run_checked({target_path("tracker_alloc_patterns"), "threads"}), 100);
}

TEST(TrackerUnwindCheck, Bash) {
    if (!installed("/bin/bash")) GTEST_SKIP() << "no /bin/bash";
    expect_same_stacks(run_checked({"/bin/bash", "-c", "x=; for ((i = 0; i < 3000; i++)); do x=\"${x}ab$i\"; "
                                                      "if (( ${#x} > 300 )); then x=; fi; done; echo ${#x}"}),
                       10000);
}

TEST(TrackerUnwindCheck, Python) {
    if (!installed("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
    expect_same_stacks(run_checked({"/usr/bin/python3", "-c",
                                    "import json; d = [{'k': i, 'v': str(i) * 5} for i in range(2000)]; "
                                    "[json.loads(json.dumps(d)) for _ in range(3)]"}),
                       1000);
}

TEST(TrackerUnwindCheck, Perl) {
    if (!installed("/usr/bin/perl")) GTEST_SKIP() << "no /usr/bin/perl";
    expect_same_stacks(run_checked({"/usr/bin/perl", "-e", "my %h; $h{$_} = 'x' x ($_ % 50) for 1 .. 20000; print scalar(keys %h), qq(\\n)"}),
                       10000);
}

}  // namespace
}  // namespace leakscope::tracker_test
