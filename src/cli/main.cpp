// leakscope's entry point: parses the command line, runs one subcommand, and turns every failure into
// one line on stderr and a documented exit code (src/cli/exit_codes.hpp).
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/cli_error.hpp"
#include "cli/command.hpp"
#include "util/terminal_text.hpp"
#include "util/version.hpp"

namespace {

constexpr const char* kDescription =
    "leakscope: is this memory growth a leak, how fast, where, and when will it hurt?\n"
    "\n"
    "  leakscope run [options] -- CMD [ARGS...]   watch a program's memory (and its allocations)\n"
    "  leakscope attach PID [options]             watch a running process\n"
    "  leakscope analyze RECORDING [options]      diagnose a recording again\n"
    "  leakscope report RECORDING -o report.html  write the HTML report of a recording\n"
    "  leakscope compare -c A -c B:X=1 -- CMD    rank configurations by memory growth\n"
    "  leakscope diff BEFORE.lks AFTER.lks        growth per call site: what appeared, what disappeared\n"
    "  leakscope watch --name REGEX [options]     watch processes forever, serve Prometheus metrics\n"
    "\n"
    "Example: leakscope run --json report.json -- ./my-service --port 8080";

}  // namespace

int main(int argc, char** argv) {
    using namespace leakscope::cli;
    CLI::App app{kDescription, "leakscope"};
    app.set_version_flag("--version", std::string("leakscope ") + leakscope::kVersion);
    app.require_subcommand(1);
    app.get_formatter()->column_width(34);

    // Everything after the first "--" is the target's command line, untouched: CLI11 never sees it,
    // so an option of the target can never be taken for one of ours.
    int own_argc = argc;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--") {
            own_argc = i;
            set_command_after_separator(std::vector<std::string>(argv + i + 1, argv + argc));
            break;
        }
    }

    std::vector<Command> commands = {add_run_command(app), add_attach_command(app), add_analyze_command(app),
                                     add_report_command(app), add_compare_command(app), add_diff_command(app),
                                     add_watch_command(app)};
    try {
        app.parse(own_argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::fputs(app.help().c_str(), stdout);
        return 0;
    } catch (const CLI::CallForVersion& e) {
        std::printf("leakscope %s\n", leakscope::kVersion);
        return 0;
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help on a subcommand
        std::string where = "leakscope";
        for (const auto* sub : app.get_subcommands()) where += " " + sub->get_name();
        if (where == "leakscope" && own_argc > 1 && argv[1][0] != '-') {
            std::fprintf(stderr, "leakscope: unknown command '%s' (see 'leakscope --help')\n", argv[1]);
            return kExitUsage;
        }
        std::fprintf(stderr, "%s: %s (see '%s --help')\n", where.c_str(), e.what(), where.c_str());
        return kExitUsage;
    }

    for (const auto& command : commands) {
        if (!command.app->parsed()) continue;
        try {
            return command.action();
        } catch (const CliError& e) {
            std::fprintf(stderr, "leakscope: %s\n", leakscope::util::terminal_text(e.what()).c_str());  // may quote a path or a name
            return e.exit_code();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "leakscope: %s\n", leakscope::util::terminal_text(e.what()).c_str());
            return kExitFailure;
        }
    }
    return kExitUsage;
}
