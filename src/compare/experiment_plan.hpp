// What `leakscope compare` runs: named configurations (environment variables and extra arguments
// added to one command), each repeated, in an interleaved order so that drift of the machine (other
// load, thermal throttling, a filling page cache) falls on every configuration alike.
#pragma once

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace leakscope::compare {

/// A configuration or plan that cannot be used; the message is one line for the user.
class PlanError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

struct Configuration {
    std::string name;
    std::map<std::string, std::string> environment;  ///< set (or replaced) in the target's environment
    std::vector<std::string> extra_arguments;        ///< appended to the command
};

/// `NAME[:ITEM[,ITEM...]]` where each ITEM is `VAR=VALUE` (an environment variable) or starts with
/// '-' (an extra argument, e.g. `--cache-size=64`). A bare NAME runs the command unchanged.
/// Values cannot contain ',' here; the JSON file has no such limit.
Configuration parse_configuration_spec(const std::string& spec);

/// The JSON configuration file: either {"configurations": [...]} or a bare array of
/// {"name": "...", "env": {"VAR": "VALUE"}, "args": ["--flag"]} objects (env and args optional;
/// numbers and booleans in env are written as text). `source` names the file in messages.
std::vector<Configuration> parse_configuration_json(const std::string& text, const std::string& source);
std::vector<Configuration> read_configuration_file(const std::string& path);

/// At least two configurations, unique names made of letters, digits, '.', '_' and '-' (they name
/// the recordings), valid environment variable names. Throws PlanError.
void check_configurations(const std::vector<Configuration>& configurations);

/// One run of the experiment: which configuration, which repeat (1-based).
struct PlannedRun {
    std::size_t configuration = 0;
    int repeat = 1;
};

/// A B C A B C ...: every configuration once per round, `repeats` rounds.
std::vector<PlannedRun> interleaved_schedule(std::size_t configurations, int repeats);

/// The command a configuration runs: `command` followed by its extra arguments.
std::vector<std::string> command_for(const std::vector<std::string>& command, const Configuration& configuration);

}  // namespace leakscope::compare
