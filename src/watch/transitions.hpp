// The moments worth a log line and a hook: a process becomes a (decided) leak, recovers, or comes
// within --near-limit of its memory limit. Pure: the loop logs them and runs --on-leak.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "watch/metrics_exposition.hpp"

namespace leakscope::watch {

enum class TransitionKind { leak, recovered, near_limit };
const char* to_string(TransitionKind kind);

/// What is remembered of a process between cycles.
struct VerdictState {
    bool leak = false;        ///< a decided leak
    bool near_limit = false;
};

struct Transition {
    TransitionKind kind;
    ProcessMetrics facts;
    std::string summary;     ///< the verdict's sentence
    std::string state_file;  ///< the process's recording in --state-dir
};

/// Compares the latest facts with the state remembered, updates the state and returns what changed.
/// `near_limit_s`: a time to limit below this is "approaching its limit".
std::vector<TransitionKind> update_state(VerdictState& state, const ProcessMetrics& now, double near_limit_s);

/// One line for the log: "pid 4242 (cache-svc) is leaking: linear_growth, +31.0 MB/h [29.5, 32.4], ...".
std::string describe(const Transition& transition);

/// The environment a hook gets: LEAKSCOPE_EVENT, LEAKSCOPE_PID, LEAKSCOPE_COMM, LEAKSCOPE_PATTERN, ...
std::vector<std::string> hook_environment(const Transition& transition);

}  // namespace leakscope::watch
