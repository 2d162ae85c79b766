// Real programs under the tracker: same output and exit code as without it, and the tracker really
// tracked them (a stream with allocations). A program is skipped only when its binary is absent.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "tracker_harness.hpp"

namespace leakscope::tracker_test {
namespace {

bool on_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        std::size_t end = dirs.find(':', start);
        if (end == std::string::npos) end = dirs.size();
        if (access((dirs.substr(start, end - start) + "/" + name).c_str(), X_OK) == 0) return true;
        start = end + 1;
    }
    return false;
}

class TrackerRealPrograms : public ::testing::Test {
protected:
    void SetUp() override {
        directory_ = std::filesystem::temp_directory_path() / ("leakscope-real-" + std::to_string(getpid()) + "-" +
                                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(directory_);
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    std::string write(const std::string& name, const std::string& text) {
        auto path = directory_ / name;
        std::ofstream(path) << text;
        return path.string();
    }

    /// Runs argv plainly and tracked; both must agree on stdout and exit code, and the tracker must
    /// have seen allocations. Returns the tracked run.
    RunResult expect_unchanged(const std::vector<std::string>& argv, RunOptions options = {}, std::uint64_t min_allocations = 100) {
        if (options.working_directory.empty()) options.working_directory = directory_.string();
        RunOptions plain_options = options;
        plain_options.track = false;
        RunResult plain = run_program(argv, plain_options);
        RunResult tracked = run_program(argv, options);
        EXPECT_FALSE(tracked.timed_out);
        EXPECT_EQ(tracked.exit_code, plain.exit_code) << tracked.err;
        EXPECT_EQ(tracked.term_signal, 0);
        EXPECT_EQ(tracked.out, plain.out);
        EXPECT_FALSE(tracked.out.empty());
        EXPECT_GE(tracked.sink.processes.size(), 1u) << "the tracker never connected";
        std::uint64_t allocations = 0;
        for (const auto& p : tracked.sink.processes) {
            if (p.totals) allocations += p.totals->allocations;
            EXPECT_TRUE(p.ended);
        }
        EXPECT_GE(allocations, min_allocations);
        EXPECT_TRUE(tracked.sink.errors.empty()) << tracked.sink.errors.front();
        EXPECT_TRUE(tracked.warnings.empty()) << tracked.warnings.front();
        return tracked;
    }

    std::filesystem::path directory_;
};

#define REQUIRE_PROGRAM(name) \
    if (!on_path(name)) GTEST_SKIP() << name << " is not installed"

TEST_F(TrackerRealPrograms, Python) {
    REQUIRE_PROGRAM("python3");
    std::string script = write("work.py",
                               "import json, collections\n"
                               "d = {i: str(i) * 3 for i in range(20000)}\n"
                               "c = collections.Counter(len(v) for v in d.values())\n"
                               "print(json.dumps(sorted(c.items())))\n"
                               "print(sum(len(v) for v in d.values()))\n");
    expect_unchanged({"python3", script});
}

TEST_F(TrackerRealPrograms, Perl) {
    REQUIRE_PROGRAM("perl");
    expect_unchanged({"perl", "-e", "my %h; $h{$_} = $_ x 3 for 1..20000; print scalar(keys %h), ' ', length(join '', values %h), \"\\n\";"});
}

TEST_F(TrackerRealPrograms, SqliteScript) {
    REQUIRE_PROGRAM("sqlite3");
    std::string sql = write("queries.sql",
                            "create table t(id integer primary key, name text, v real);\n"
                            "with recursive n(i) as (select 1 union all select i + 1 from n where i < 20000)\n"
                            "insert into t select i, 'name' || i, i * 0.5 from n;\n"
                            "create index t_name on t(name);\n"
                            "select count(*), sum(v), max(name) from t;\n"
                            "select name from t where id % 5000 = 0 order by name;\n"
                            "delete from t where id % 2 = 0;\n"
                            "select count(*) from t;\n");
    RunOptions options;
    options.stdin_path = sql;
    expect_unchanged({"sqlite3", ":memory:"}, options);
}

TEST_F(TrackerRealPrograms, GitOnATestRepository) {
    REQUIRE_PROGRAM("git");
    std::string repo = (directory_ / "repo").string();
    std::string setup = "git init -q " + repo + " && cd " + repo +
                        " && git config user.email t@example.com && git config user.name T"
                        " && for i in 1 2 3 4 5; do seq 1 $((i * 500)) > f$i.txt; git add f$i.txt;"
                        " GIT_AUTHOR_DATE='2024-01-0'$i'T00:00:00' GIT_COMMITTER_DATE='2024-01-0'$i'T00:00:00' git commit -q -m c$i; done";
    ASSERT_EQ(std::system(setup.c_str()), 0);
    RunOptions options;
    options.working_directory = repo;
    expect_unchanged({"git", "log", "--stat", "--format=%H %s"}, options);
    expect_unchanged({"git", "diff", "HEAD~3", "HEAD", "--stat"}, options);
}

TEST_F(TrackerRealPrograms, GccCompilesASmallFile) {
    REQUIRE_PROGRAM("gcc");
    std::string source = write("small.c",
                               "#include <stdio.h>\n"
                               "static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\n"
                               "int main(void) { printf(\"%d\\n\", fib(20)); return 0; }\n");
    std::string exe = (directory_ / "small").string();
    RunOptions options;
    RunResult tracked = run_program({"gcc", "-O2", "-o", exe, source}, options);
    ASSERT_EQ(tracked.exit_code, 0) << tracked.err;
    EXPECT_GE(tracked.sink.processes.size(), 3u) << "gcc, cc1, as, collect2/ld: each exec'd program reports";
    // The compiled program works, under the tracker too (it allocates only stdout's buffer).
    RunResult run = expect_unchanged({exe}, {}, 1);
    EXPECT_EQ(run.out, "6765\n");
}

TEST_F(TrackerRealPrograms, SortOfALargeFile) {
    REQUIRE_PROGRAM("sort");
    std::mt19937 random(42);
    std::string lines;
    for (int i = 0; i < 200000; ++i) lines += std::to_string(random()) + " line\n";
    std::string file = write("big.txt", lines);
    RunResult tracked = expect_unchanged({"sort", "--parallel=2", "-S", "4M", file});
    EXPECT_EQ(tracked.out.size(), lines.size());
}

TEST_F(TrackerRealPrograms, BashPipeline) {
    REQUIRE_PROGRAM("bash");
    RunResult tracked = expect_unchanged(
        {"bash", "-c", "seq 1 50000 | awk '{s += $1} END {print s}' | tr 0-9 a-j; for i in 1 2 3; do echo $((i * i)); done | sort -r"});
    EXPECT_GE(tracked.sink.processes.size(), 3u) << "bash and the programs of the pipeline";
}

}  // namespace
}  // namespace leakscope::tracker_test
