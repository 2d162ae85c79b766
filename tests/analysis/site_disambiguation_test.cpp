// Rows that share a name get the frame that tells them apart; unique rows get none.
#include <gtest/gtest.h>

#include "analysis/site_disambiguation.hpp"

namespace leakscope::analysis {
namespace {

TEST(SiteDisambiguation, TwoCallersOfTheSameLineAreToldApartByTheirCaller) {
    const std::vector<std::string> a = {"malloc", "AuditLog::write (log.cpp:26)", "handle_login (auth.cpp:10)", "main"};
    const std::vector<std::string> b = {"malloc", "AuditLog::write (log.cpp:26)", "handle_logout (auth.cpp:40)", "main"};
    const std::vector<std::string> c = {"malloc", "Cache::put (cache.cpp:5)", "main"};
    const auto via = distinguishing_frames({"write log.cpp:26", "write log.cpp:26", "put cache.cpp:5"}, {&a, &b, &c});
    EXPECT_EQ(via[0], "handle_login (auth.cpp:10)");
    EXPECT_EQ(via[1], "handle_logout (auth.cpp:40)");
    EXPECT_EQ(via[2], "");
}

TEST(SiteDisambiguation, AThirdRowGoesDeepEnoughToDifferFromBoth) {
    const std::vector<std::string> a = {"f", "g", "x", "main"};
    const std::vector<std::string> b = {"f", "g", "y", "main"};
    const std::vector<std::string> c = {"f", "h", "x", "main"};
    const auto via = distinguishing_frames({"f", "f", "f"}, {&a, &b, &c});
    EXPECT_EQ(via[0], "x");  // differs from c at "g", from b only at "x"
    EXPECT_EQ(via[1], "y");
    EXPECT_EQ(via[2], "h");
}

TEST(SiteDisambiguation, IdenticalStacksHaveNothingToShow) {
    const std::vector<std::string> a = {"f", "main"};
    const auto via = distinguishing_frames({"f", "f"}, {&a, &a});
    EXPECT_EQ(via[0], "");
    EXPECT_EQ(via[1], "");
}

/// A site of `process` allocating at work.py:4 through `caller`.
SiteReport worker_site(std::uint32_t process, const std::string& caller = "handle (pool.py:9)") {
    SiteReport site;
    site.process = process;
    site.function = "work";
    site.file = "work.py";
    site.line = 4;
    site.frames = {"work (work.py:4)", caller, "main"};
    return site;
}

TEST(SiteDisambiguation, TheSameCodeInSeveralProcessesSaysWhichProcess) {
    // A recycled worker pool: each worker's stacks are the same, and its rows were identical lines.
    Recording recording;
    recording.processes = {"4240:python3", "4242:python3", "4243:python3"};
    std::vector<SiteReport> sites = {worker_site(1), worker_site(2), worker_site(0, "other (pool.py:20)")};
    tell_sites_apart(recording, sites);
    EXPECT_EQ(sites[0].in_process, "pid 4242 (python3)");
    EXPECT_EQ(sites[1].in_process, "pid 4243 (python3)");
    // The third is told apart by its caller already: its row reads differently, no process needed.
    EXPECT_EQ(sites[2].via, "other (pool.py:20)");
    EXPECT_EQ(sites[2].in_process, "");
}

TEST(SiteDisambiguation, OneProcessNeedsNoProcessNamed) {
    Recording recording;
    recording.processes = {"4240:service"};
    std::vector<SiteReport> sites = {worker_site(0), worker_site(0, "other (pool.py:20)")};
    tell_sites_apart(recording, sites);
    EXPECT_EQ(sites[0].in_process, "");
    EXPECT_EQ(sites[1].in_process, "");
    EXPECT_EQ(sites[0].via, "handle (pool.py:9)");
}

}  // namespace
}  // namespace leakscope::analysis
