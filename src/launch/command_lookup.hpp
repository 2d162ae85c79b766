// Resolving the target command before we fork, so "command not found" and "not executable" are one
// clear line from leakscope rather than a failure inside the child.
#pragma once

#include <string>
#include <variant>

namespace leakscope::launch {

struct LookupError {
    int exit_code;        ///< 127 not found, 126 not executable (the shell's conventions)
    std::string message;  ///< one line, e.g. "command not found: foo"
};

/// execvp's search: a name with a '/' is taken as a path, otherwise each $PATH entry is tried.
std::variant<std::string, LookupError> resolve_command(const std::string& name);

}  // namespace leakscope::launch
