// The exit codes a verdict sets for CI: --fail-on-leak (100) and, for strict pipelines,
// --fail-on-undecided (102: the run was too short to tell a slow leak from a warm-up still settling).
// One definition for run, attach and analyze.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>

#include "analysis/analysis.hpp"

namespace leakscope::cli {

struct VerdictGate {
    bool fail_on_leak = false;
    bool fail_on_undecided = false;
};

void add_verdict_gate(CLI::App& app, VerdictGate& gate);

/// The exit code the verdict calls for, or nullopt when it calls for none.
std::optional<int> verdict_exit_code(const VerdictGate& gate, const analysis::Analysis& analysis);

}  // namespace leakscope::cli
