// Each subcommand lives in its own file and registers itself on the application: it adds its options
// to a CLI11 sub-app and returns the action main() runs when that subcommand was chosen.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace leakscope::cli {

using CommandAction = std::function<int()>;

struct Command {
    CLI::App* app = nullptr;
    CommandAction action;
};

/// The words after "--" on leakscope's command line (the target's command for run and compare).
const std::vector<std::string>& command_after_separator();
void set_command_after_separator(std::vector<std::string> words);

/// The target's command of run/compare: the words after "--", or, without "--", what CLI11 left
/// after the first word that is not one of our options. Throws CliError (exit 2) for an unknown
/// option of ours, or words before "--" that are not options.
std::vector<std::string> target_command(const CLI::App& app, const std::string& usage);

Command add_run_command(CLI::App& parent);
Command add_attach_command(CLI::App& parent);
Command add_analyze_command(CLI::App& parent);
Command add_report_command(CLI::App& parent);
Command add_compare_command(CLI::App& parent);
Command add_diff_command(CLI::App& parent);
Command add_watch_command(CLI::App& parent);

}  // namespace leakscope::cli
