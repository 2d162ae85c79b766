#include "cli/verdict_gate.hpp"

#include "cli/exit_codes.hpp"

namespace leakscope::cli {

void add_verdict_gate(CLI::App& app, VerdictGate& gate) {
    app.add_flag("--fail-on-leak", gate.fail_on_leak, "Exit with code 100 when the verdict is a leak (for CI)");
    app.add_flag("--fail-on-undecided", gate.fail_on_undecided,
                 "Exit with code 102 when the run cannot decide yet (growth too small or too short to tell a slow "
                 "leak from a warm-up still settling; the summary says how much longer to watch)");
}

std::optional<int> verdict_exit_code(const VerdictGate& gate, const analysis::Analysis& analysis) {
    const auto& verdict = analysis.process.verdict;
    if (gate.fail_on_leak && verdict.leak) return kExitLeakFound;
    if (gate.fail_on_undecided && !verdict.decided) return kExitUndecided;
    return std::nullopt;
}

}  // namespace leakscope::cli
