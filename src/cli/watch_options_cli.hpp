// The sampling options `run` and `attach` share (--interval, --duration, -o, ...), parsed and checked
// in one place so both give the same errors.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "session/watch_options.hpp"

namespace leakscope::cli {

struct WatchOptionsText {
    std::string interval = "100ms";
    std::string duration;
    std::string output;
    std::string events_regex;
    bool no_track = false;
    std::string sample_bytes;
    bool no_status = false;
    bool no_gc_trace = false;
    bool gc_trace = false;
};

void add_watch_options(CLI::App& command, WatchOptionsText& text, bool with_tracking);

/// Checks and converts; throws CliError (exit 2) with one clear line for bad values.
session::WatchOptions parse_watch_options(const WatchOptionsText& text, const std::string& limit_text);

}  // namespace leakscope::cli
