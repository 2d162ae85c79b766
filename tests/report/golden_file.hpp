// Compares text with a golden file in tests/golden/report/. LEAKSCOPE_UPDATE_GOLDEN=1 rewrites the
// golden instead (then review the diff before committing it).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace leakscope::report::testing {

inline void expect_matches_golden(const std::string& actual, const std::string& file_name) {
    std::string path = std::string(LEAKSCOPE_REPORT_GOLDEN_DIR) + "/" + file_name;
    const char* update = std::getenv("LEAKSCOPE_UPDATE_GOLDEN");
    if (update && std::string(update) == "1") {
        std::ofstream(path, std::ios::binary) << actual;
        return;
    }
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << "missing golden " << path << " (run with LEAKSCOPE_UPDATE_GOLDEN=1 to create it)";
    std::stringstream expected;
    expected << in.rdbuf();
    if (expected.str() == actual) return;
    // Point at the first differing line: a whole-file diff of a report is unreadable in a test log.
    std::istringstream a(actual), e(expected.str());
    std::string line_a, line_e;
    int line = 1;
    while (true) {
        bool more_a = static_cast<bool>(std::getline(a, line_a));
        bool more_e = static_cast<bool>(std::getline(e, line_e));
        if (!more_a && !more_e) break;
        if (!more_a || !more_e || line_a != line_e) {
            ADD_FAILURE() << file_name << " differs at line " << line << "\n  expected: " << (more_e ? line_e : "<end>")
                          << "\n  actual:   " << (more_a ? line_a : "<end>")
                          << "\n(LEAKSCOPE_UPDATE_GOLDEN=1 rewrites the golden if the change is intended)";
            return;
        }
        ++line;
    }
    ADD_FAILURE() << file_name << " differs (line endings?)";
}

}  // namespace leakscope::report::testing
