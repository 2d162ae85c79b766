#include <utility>

#include "cli/cli_error.hpp"
#include "cli/command.hpp"

namespace leakscope::cli {
namespace {

std::vector<std::string>& separated_words() {
    static std::vector<std::string> words;
    return words;
}

}  // namespace

const std::vector<std::string>& command_after_separator() { return separated_words(); }

void set_command_after_separator(std::vector<std::string> words) { separated_words() = std::move(words); }

std::vector<std::string> target_command(const CLI::App& app, const std::string& usage) {
    // With prefix_command(), CLI11 stops at the first word that is not one of our options and leaves
    // it and the rest in remaining(); an unknown option lands there too.
    std::vector<std::string> remaining = app.remaining();
    const std::string where = "leakscope " + app.get_name();
    if (!remaining.empty() && remaining.front().size() > 1 && remaining.front()[0] == '-')
        throw CliError("unknown option " + remaining.front() + " (see '" + where + " --help')", kExitUsage);
    if (!remaining.empty() && !command_after_separator().empty())
        throw CliError("unexpected '" + remaining.front() + "' before -- (see '" + where + " --help')", kExitUsage);
    std::vector<std::string> command = remaining.empty() ? command_after_separator() : remaining;
    if (command.empty()) throw CliError("no command given (usage: " + usage + ")", kExitUsage);
    return command;
}

}  // namespace leakscope::cli
