// Small helpers the compare and diff subcommands share: writing an output file with a clear error,
// and reading the fraction options (--min-change 5% or 0.05).
#pragma once

#include <optional>
#include <string>

namespace leakscope::compare {

/// Writes `text` to `path` ("-" = stdout). Throws std::runtime_error naming the file and the reason.
void write_text_file(const std::string& path, const std::string& what, const std::string& text);

/// "5%" -> 0.05, "0.05" -> 0.05; nullopt for anything else or a negative value.
std::optional<double> parse_fraction(const std::string& text);

}  // namespace leakscope::compare
