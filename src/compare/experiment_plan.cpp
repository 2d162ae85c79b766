#include "compare/experiment_plan.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

namespace leakscope::compare {
namespace {

bool is_environment_name(const std::string& name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
    for (char c : name) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    }
    return true;
}

bool is_configuration_name(const std::string& name) {
    if (name.empty() || name.size() > 64 || name[0] == '.' || name[0] == '-') return false;
    for (char c : name) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
    }
    return true;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, separator)) parts.push_back(part);
    if (!text.empty() && text.back() == separator) parts.emplace_back();
    return parts;
}

/// JSON scalars as environment text: strings as they are, numbers and booleans as JSON spells them.
std::string environment_value(const nlohmann::json& value, const std::string& where) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number() || value.is_boolean()) return value.dump();
    throw PlanError(where + ": environment values must be strings, numbers or booleans");
}

Configuration configuration_from_json(const nlohmann::json& item, const std::string& where) {
    if (!item.is_object()) throw PlanError(where + ": each configuration must be an object with a \"name\"");
    Configuration configuration;
    const auto name = item.find("name");
    if (name == item.end() || !name->is_string()) throw PlanError(where + ": \"name\" (a string) is required");
    configuration.name = name->get<std::string>();
    for (const auto& [key, value] : item.items()) {
        if (key == "name") continue;
        if (key == "env") {
            if (!value.is_object()) throw PlanError(where + ": \"env\" must be an object of VAR: VALUE");
            for (const auto& [var, text] : value.items()) {
                configuration.environment[var] = environment_value(text, where + " env " + var);
            }
        } else if (key == "args") {
            if (!value.is_array()) throw PlanError(where + ": \"args\" must be an array of strings");
            for (const auto& argument : value) {
                if (!argument.is_string()) throw PlanError(where + ": \"args\" must be an array of strings");
                configuration.extra_arguments.push_back(argument.get<std::string>());
            }
        } else {
            throw PlanError(where + ": unknown key \"" + key + "\" (expected name, env, args)");
        }
    }
    return configuration;
}

}  // namespace

Configuration parse_configuration_spec(const std::string& spec) {
    Configuration configuration;
    const auto colon = spec.find(':');
    configuration.name = spec.substr(0, colon);
    if (colon == std::string::npos) return configuration;
    const std::string items = spec.substr(colon + 1);
    if (items.empty()) return configuration;
    for (const auto& item : split(items, ',')) {
        if (item.empty()) throw PlanError("--config " + spec + ": empty item (two commas, or a trailing comma)");
        if (item[0] == '-') {
            configuration.extra_arguments.push_back(item);
            continue;
        }
        const auto equals = item.find('=');
        if (equals == std::string::npos)
            throw PlanError("--config " + spec + ": '" + item +
                            "' is neither VAR=VALUE nor an argument starting with '-' (format: NAME:VAR=VALUE[,VAR=VALUE...])");
        const std::string var = item.substr(0, equals);
        if (!is_environment_name(var))
            throw PlanError("--config " + spec + ": '" + var + "' is not an environment variable name");
        if (configuration.environment.count(var))
            throw PlanError("--config " + spec + ": " + var + " is set twice");
        configuration.environment[var] = item.substr(equals + 1);
    }
    return configuration;
}

std::vector<Configuration> parse_configuration_json(const std::string& text, const std::string& source) {
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw PlanError(source + ": not valid JSON (" + std::string(e.what()) + ")");
    }
    const nlohmann::json* list = &document;
    if (document.is_object()) {
        const auto it = document.find("configurations");
        if (it == document.end()) throw PlanError(source + ": expected {\"configurations\": [...]} or an array");
        list = &*it;
    }
    if (!list->is_array()) throw PlanError(source + ": \"configurations\" must be an array");
    std::vector<Configuration> configurations;
    for (std::size_t i = 0; i < list->size(); ++i) {
        configurations.push_back(configuration_from_json((*list)[i], source + ": configuration " + std::to_string(i + 1)));
    }
    return configurations;
}

std::vector<Configuration> read_configuration_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw PlanError("cannot read the configuration file " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return parse_configuration_json(text.str(), path);
}

void check_configurations(const std::vector<Configuration>& configurations) {
    if (configurations.size() < 2)
        throw PlanError("compare needs at least two configurations (--config NAME:VAR=VALUE, or --configs FILE); the first is the baseline");
    std::set<std::string> names;
    for (const auto& configuration : configurations) {
        if (!is_configuration_name(configuration.name))
            throw PlanError("configuration name '" + configuration.name +
                            "' must be 1-64 letters, digits, '.', '_' or '-' (it names the recordings)");
        if (!names.insert(configuration.name).second)
            throw PlanError("configuration name '" + configuration.name + "' is used twice");
        for (const auto& [var, value] : configuration.environment) {
            if (!is_environment_name(var))
                throw PlanError("configuration " + configuration.name + ": '" + var + "' is not an environment variable name");
        }
    }
}

std::vector<PlannedRun> interleaved_schedule(std::size_t configurations, int repeats) {
    std::vector<PlannedRun> schedule;
    for (int repeat = 1; repeat <= repeats; ++repeat) {
        for (std::size_t c = 0; c < configurations; ++c) schedule.push_back({c, repeat});
    }
    return schedule;
}

std::vector<std::string> command_for(const std::vector<std::string>& command, const Configuration& configuration) {
    std::vector<std::string> full = command;
    full.insert(full.end(), configuration.extra_arguments.begin(), configuration.extra_arguments.end());
    return full;
}

}  // namespace leakscope::compare
