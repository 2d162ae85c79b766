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

}  // namespace
}  // namespace leakscope::analysis
