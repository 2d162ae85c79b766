// JUnit XML (the format Jenkins, GitLab, Azure Pipelines and GitHub test reporters read): one test case
// per run (run/analyze/attach) or per compared configuration (compare), failed when it leaks, skipped
// when the run is too short to tell, the rate and its interval as properties.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "analysis/analysis.hpp"
#include "model/recording.hpp"

namespace leakscope::report {

struct JunitCase {
    std::string classname;  ///< "leakscope.run", "leakscope.compare"
    std::string name;       ///< what was watched: the command, or the configuration's name
    double time_s = 0;
    std::vector<std::pair<std::string, std::string>> properties;
    std::optional<std::string> failure_type;  ///< set: the case failed (the pattern's identifier)
    std::string message;                      ///< one line: the failure's or the skip's message
    std::string details;                      ///< the failure's body, or system-out of a passing case
    bool skipped = false;
};

/// The test case a diagnosed recording gives: failed on a leak, skipped on insufficient data.
JunitCase junit_case(const Recording& recording, const analysis::Analysis& analysis);

/// A <testsuites> document with one <testsuite name="leakscope"> holding `cases`.
void write_junit_cases(std::ostream& out, const std::string& suite, const std::vector<JunitCase>& cases,
                       double start_unix_s = 0, const std::string& hostname = {});

/// write_junit_cases with the one case of this recording.
void write_junit(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis);

}  // namespace leakscope::report
