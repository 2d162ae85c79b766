// `leakscope compare --config A:VAR=1 --config B:VAR=2 [options] -- CMD [ARGS...]`: run CMD under
// several configurations, repeated and interleaved, and rank them by steady growth with a test of
// each against the baseline (the first configuration).
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <system_error>

#include "cli/cli_error.hpp"
#include "cli/command.hpp"
#include "cli/watch_options_cli.hpp"
#include "compare/command_support.hpp"
#include "compare/comparison.hpp"
#include "compare/comparison_report.hpp"
#include "compare/experiment_runner.hpp"
#include "launch/target_process.hpp"

namespace leakscope::cli {
namespace {

/// Like a shell after Ctrl-C: 128 + SIGINT.
constexpr int kExitInterrupted = 130;

struct CompareArguments {
    std::vector<std::string> config_specs;
    std::string configs_file;
    int repeats = 3;
    WatchOptionsText watch;
    std::string alpha_text = "0.05";
    std::string min_change_text = "5%";
    std::string json_path, markdown_path, html_path, junit_path;
    std::string recordings_dir;
    bool show_output = false;
    bool fail_if_worse = false;
    bool quiet = false;
};

/// Removes the temporary recordings directory when compare ends, unless told to keep it.
class TemporaryDirectory {
public:
    TemporaryDirectory() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base && *base ? base : "/tmp") + "/leakscope-compare.XXXXXX";
        if (!::mkdtemp(pattern.data())) throw CliError("cannot create a temporary directory for the recordings in " + pattern);
        path_ = pattern;
    }
    ~TemporaryDirectory() {
        if (keep_) return;
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
    const std::filesystem::path& path() const { return path_; }
    void keep() { keep_ = true; }

private:
    std::filesystem::path path_;
    bool keep_ = false;
};

compare::ComparisonOptions comparison_options(const std::string& alpha_text, const std::string& min_change_text) {
    compare::ComparisonOptions options;
    const auto alpha = compare::parse_fraction(alpha_text);
    if (!alpha || *alpha <= 0 || *alpha >= 0.5)
        throw CliError("--alpha: '" + alpha_text + "' is not a significance level between 0 and 0.5 (example: 0.05)", kExitUsage);
    options.alpha = *alpha;
    const auto min_change = compare::parse_fraction(min_change_text);
    if (!min_change) throw CliError("--min-change: '" + min_change_text + "' is not a fraction (examples: 5%, 0.1)", kExitUsage);
    options.min_relative_change = *min_change;
    return options;
}

std::vector<compare::Configuration> configurations(const CompareArguments& args) {
    try {
        std::vector<compare::Configuration> list;
        if (!args.configs_file.empty()) list = compare::read_configuration_file(args.configs_file);
        for (const auto& spec : args.config_specs) list.push_back(compare::parse_configuration_spec(spec));
        compare::check_configurations(list);
        return list;
    } catch (const compare::PlanError& e) {
        throw CliError(e.what(), kExitUsage);
    }
}

int compare_command(CLI::App& app, const CompareArguments& args) {
    compare::ExperimentSettings settings;
    settings.command = target_command(app, "leakscope compare --config NAME[:VAR=VALUE] ... -- CMD [ARGS...]");
    settings.configurations = configurations(args);
    if (args.repeats < 1 || args.repeats > 1000) throw CliError("--repeat must be between 1 and 1000", kExitUsage);
    settings.repeats = args.repeats;
    settings.watch = parse_watch_options(args.watch, "");
    settings.show_output = args.show_output;
    const auto options = comparison_options(args.alpha_text, args.min_change_text);

    std::unique_ptr<TemporaryDirectory> temporary;
    if (args.recordings_dir.empty()) {
        temporary = std::make_unique<TemporaryDirectory>();
        settings.recordings_dir = temporary->path();
    } else {
        std::error_code error;
        std::filesystem::create_directories(args.recordings_dir, error);
        if (error) throw CliError("--recordings: cannot create " + args.recordings_dir + ": " + error.message());
        settings.recordings_dir = args.recordings_dir;
    }

    std::vector<compare::ExperimentRun> runs;
    try {
        runs = compare::run_experiment(settings, {[](const std::string& text) {
                                           std::fputs(text.c_str(), stderr);
                                           std::fflush(stderr);
                                       }});
    } catch (const launch::LaunchError& e) {
        std::fputc('\n', stderr);
        throw CliError(e.what(), e.exit_code());
    } catch (const compare::ExperimentInterrupted& e) {
        if (temporary) temporary->keep();  // the message points at the recordings made so far
        throw CliError(e.what(), kExitInterrupted);
    }

    std::vector<const analysis::Analysis*> analyses;
    for (const auto& run : runs) analyses.push_back(&run.analysis);
    const std::string metric = compare::choose_metric(analyses);
    compare::ExperimentFacts facts;
    facts.command = settings.command;
    facts.configurations = settings.configurations;
    facts.repeats = settings.repeats;
    facts.duration_s = settings.watch.duration_s;
    facts.tracked = settings.watch.track;
    if (!temporary) facts.recordings_dir = args.recordings_dir;
    std::vector<std::string> names;
    for (const auto& configuration : settings.configurations) names.push_back(configuration.name);
    for (const auto& run : runs) {
        auto measurement = compare::measure_run(run.analysis, metric);
        measurement.configuration = run.plan.configuration;
        measurement.repeat = run.plan.repeat;
        if (!temporary) measurement.recording_path = run.recording_path;
        facts.runs.push_back(std::move(measurement));
    }
    const auto comparison = compare::compare_runs(names, facts.runs, metric, options);

    if (!args.quiet) {
        std::fputs("\n", stderr);
        std::fputs(compare::comparison_text(comparison, facts).c_str(), stdout);
        std::fflush(stdout);
    }
    compare::write_text_file(args.json_path, "JSON comparison", compare::comparison_json(comparison, facts).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    compare::write_text_file(args.markdown_path, "Markdown comparison", compare::comparison_markdown(comparison, facts));
    compare::write_text_file(args.html_path, "HTML comparison", compare::comparison_html(comparison, facts));
    if (!args.junit_path.empty()) {
        std::ostringstream junit;
        compare::write_comparison_junit(junit, comparison, facts);
        compare::write_text_file(args.junit_path, "JUnit comparison", junit.str());
    }
    return args.fail_if_worse && comparison.any_significantly_worse() ? kExitWorse : 0;
}

}  // namespace

Command add_compare_command(CLI::App& parent) {
    auto args = std::make_shared<CompareArguments>();
    auto* app = parent.add_subcommand("compare", "Run a command under several configurations and rank their memory growth");
    app->footer(
        "Each configuration is a name plus environment variables and/or extra arguments for the command:\n"
        "  --config NAME[:VAR=VALUE[,VAR=VALUE|,-ARG...]]   e.g. --config flush:LOG_FLUSH=1,--batch=64\n"
        "The first configuration is the baseline. Or give them in a JSON file (--configs FILE):\n"
        "  {\"configurations\": [{\"name\": \"before\"},\n"
        "                      {\"name\": \"flush\", \"env\": {\"LOG_FLUSH\": \"1\"}, \"args\": [\"--batch\", \"64\"]}]}\n"
        "(--configs entries come first, then --config ones.) Runs are interleaved (A B C A B C ...) so that drift\n"
        "of the machine hits every configuration alike; the target's output is discarded unless --show-output.\n"
        "\n"
        "The table ranks configurations by steady growth (after warm-up) and tests each against the baseline:\n"
        "Welch's t-test on the per-run steady rates when both have 2+ runs, else a z-test on the runs'\n"
        "confidence intervals (which the diagnosis corrects for autocorrelation). \"Significantly worse/better\"\n"
        "needs p < --alpha and a change of at least --min-change of the baseline's rate.\n"
        "\n"
        "Exit code: 0; with --fail-if-worse, 101 when some configuration is significantly worse than the\n"
        "baseline; 2 bad options; 125 leakscope failed; 126/127 command not executable/not found; 130\n"
        "interrupted (the recordings made so far are kept). More in docs/compare.md.\n"
        "\n"
        "Examples:\n"
        "  leakscope compare --config before --config flush:LOG_FLUSH=1 --repeat 3 --duration 10m -- ./service\n"
        "  leakscope compare --configs fixes.json --duration 1h --events-regex 'request done' --html cmp.html -- ./svc\n"
        "  leakscope compare --config base --config new:USE_POOL=1 --fail-if-worse --duration 60s -- ./soak_test");
    app->add_option("-c,--config", args->config_specs, "A configuration: NAME[:VAR=VALUE[,VAR=VALUE|,-ARG...]] (repeatable)")
        ->option_text("SPEC")->group("Configurations");
    app->add_option("--configs", args->configs_file, "Read the configurations from a JSON file (format below)")
        ->option_text("FILE")->group("Configurations");
    app->add_option("-r,--repeat", args->repeats, "Runs per configuration (default 3; 2+ enables Welch's t-test)")
        ->option_text("R")->group("Configurations");
    app->add_option("-d,--duration", args->watch.duration,
                    "Stop each run after this long (SIGTERM, then SIGKILL 5 s later), e.g. 30s, 1h; default: to completion")
        ->option_text("DURATION");
    app->add_option("-i,--interval", args->watch.interval, "Sampling interval, e.g. 100ms, 1s (default 100ms)")
        ->option_text("DURATION");
    app->add_option("--events-regex", args->watch.events_regex,
                    "Count the target's output lines matching this regex as work units, for rates per event")
        ->option_text("REGEX");
    app->add_flag("--no-track", args->watch.no_track, "Sample /proc only (RSS); do not track allocations");
    app->add_option("--sample-bytes", args->watch.sample_bytes, "Track a Poisson sample of allocations, one per SIZE bytes")
        ->option_text("SIZE");
    app->add_option("--alpha", args->alpha_text, "Significance level of each test against the baseline (default 0.05)")
        ->option_text("P")->group("Statistics");
    app->add_option("--min-change", args->min_change_text,
                    "Smallest change of the baseline's rate that counts as a difference (default 5%)")
        ->option_text("FRACTION")->group("Statistics");
    app->add_option("--json", args->json_path, "Write the comparison as JSON to FILE ('-' = stdout)")
        ->option_text("FILE")->group("Reports");
    app->add_option("--markdown", args->markdown_path, "Write the comparison as a Markdown table")
        ->option_text("FILE")->group("Reports");
    app->add_option("--junit", args->junit_path,
                    "Write JUnit XML: one test case per configuration, failed when it leaks or is significantly worse")
        ->option_text("FILE")->group("Reports");
    app->add_option("--html", args->html_path, "Write an HTML page with a chart of the rates and their intervals")
        ->option_text("FILE")->group("Reports");
    app->add_option("--recordings", args->recordings_dir,
                    "Keep every run's recording in DIR as NAME.RUN.lks (default: a temporary directory, removed)")
        ->option_text("DIR")->group("Reports");
    app->add_flag("-q,--quiet", args->quiet, "Do not print the table")->group("Reports");
    app->add_flag("--show-output", args->show_output, "Let the target's stdout and stderr through");
    app->add_flag("--fail-if-worse", args->fail_if_worse,
                  "Exit with code 101 when a configuration is significantly worse than the baseline (for CI)");
    app->prefix_command();
    return {app, [app, args] { return compare_command(*app, *args); }};
}

}  // namespace leakscope::cli
