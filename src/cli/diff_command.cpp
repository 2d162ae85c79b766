// `leakscope diff BEFORE.lks AFTER.lks`: the change in growth between two recordings, for the process
// and per call site (matched by symbolized stack, so two builds of the same program compare).
#include <cstdio>
#include <memory>

#include "cli/cli_error.hpp"
#include "cli/command.hpp"
#include "cli/load_recording.hpp"
#include "compare/command_support.hpp"
#include "compare/recording_diff.hpp"

namespace leakscope::cli {
namespace {

struct DiffArguments {
    std::string before_path, after_path;
    std::string json_path;
    std::string alpha_text = "0.05";
    std::string min_change_text = "5%";
    std::vector<std::string> debug_dirs;
    std::size_t max_sites = 20;
    bool fail_if_worse = false;
};

int diff_command(const DiffArguments& args) {
    compare::ComparisonOptions options;
    const auto alpha = compare::parse_fraction(args.alpha_text);
    if (!alpha || *alpha <= 0 || *alpha >= 0.5)
        throw CliError("--alpha: '" + args.alpha_text + "' is not a significance level between 0 and 0.5", kExitUsage);
    options.alpha = *alpha;
    const auto min_change = compare::parse_fraction(args.min_change_text);
    if (!min_change) throw CliError("--min-change: '" + args.min_change_text + "' is not a fraction (examples: 5%, 0.1)", kExitUsage);
    options.min_relative_change = *min_change;

    const Recording before = load_recording(args.before_path);
    const Recording after = load_recording(args.after_path);
    analysis::Options analysis_options;
    analysis_options.debug_dirs = args.debug_dirs;
    analysis_options = compare::diff_analysis_options(analysis_options);
    const auto before_analysis = analysis::analyze(before, analysis_options);
    const auto after_analysis = analysis::analyze(after, analysis_options);

    auto diff = compare::diff_recordings(before, before_analysis, after, after_analysis, options);
    diff.before_path = args.before_path;
    diff.after_path = args.after_path;
    std::fputs(compare::diff_text(diff, args.max_sites).c_str(), stdout);
    std::fflush(stdout);
    compare::write_text_file(args.json_path, "JSON diff", compare::diff_json(diff).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    return args.fail_if_worse && diff.significantly_worse() ? kExitWorse : 0;
}

}  // namespace

Command add_diff_command(CLI::App& parent) {
    auto args = std::make_shared<DiffArguments>();
    auto* app = parent.add_subcommand("diff", "Compare two recordings: growth per call site, what appeared and disappeared");
    app->footer(
        "Call sites are matched by their symbolized stack (function names from the allocating user frame\n"
        "outwards), so recordings of two builds of the same program compare. The process rates are tested\n"
        "with a z-test on the two runs' confidence intervals; for repeated runs use `leakscope compare`.\n"
        "\n"
        "Exit code: 0; with --fail-if-worse, 101 when AFTER grows significantly faster than BEFORE;\n"
        "2 bad options; 125 a recording cannot be read.\n"
        "\n"
        "Example:\n"
        "  leakscope diff before.lks after.lks --json diff.json --fail-if-worse");
    app->add_option("before", args->before_path, "The baseline recording")->required()->option_text("BEFORE");
    app->add_option("after", args->after_path, "The new recording")->required()->option_text("AFTER");
    app->add_option("--json", args->json_path, "Write the diff as JSON to FILE ('-' = stdout)")->option_text("FILE");
    app->add_option("--alpha", args->alpha_text, "Significance level (default 0.05)")->option_text("P");
    app->add_option("--min-change", args->min_change_text,
                    "Smallest change of the baseline's rate that counts as a difference (default 5%)")
        ->option_text("FRACTION");
    app->add_option("--max-sites", args->max_sites, "Sites shown in the text table (default 20)")->option_text("N");
    app->add_option("--debug-dir", args->debug_dirs, "Where to look for separate debug files by build-id (repeatable)")
        ->option_text("DIR");
    app->add_flag("--fail-if-worse", args->fail_if_worse,
                  "Exit with code 101 when the new recording grows significantly faster than the baseline (for CI)");
    return {app, [args] { return diff_command(*args); }};
}

}  // namespace leakscope::cli
