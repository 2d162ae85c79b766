// The one way a subcommand reports a failure: a one-line message and an exit code. main() prints
// "leakscope: <message>" and exits; nothing else prints errors.
#pragma once

#include <stdexcept>
#include <string>

#include "cli/exit_codes.hpp"

namespace leakscope::cli {

class CliError : public std::runtime_error {
public:
    explicit CliError(const std::string& message, int exit_code = kExitFailure)
        : std::runtime_error(message), exit_code_(exit_code) {}
    int exit_code() const { return exit_code_; }

private:
    int exit_code_;
};

}  // namespace leakscope::cli
