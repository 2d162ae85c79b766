// Recordings and analyses built in code, one per pattern the reports must show well. The analyses are
// written by hand (the diagnosis engine is tested on its own); they match the data they come with, so
// the drawn fit lies on the drawn series and the screenshots can be judged by eye.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analysis.hpp"
#include "model/recording.hpp"
#include "report/report_facts.hpp"

namespace leakscope::report::testing {

struct Example {
    std::string name;  ///< file-name friendly: "linear_leak"
    Recording recording;
    analysis::Analysis analysis;
};

/// 10 min of a controller test: 24 MB of one-time JIT warm-up in the first 100 s, then flat. PSS
/// known, tracker off, steps counted as events.
Example warmup_example();
/// 2 h of a service whose JSON-lines logger leaks ~100 MB/h: tracker on, 5 sites with stacks, events,
/// an 8 GB cgroup limit; the first hour is stored as merged 10 s buckets, as in a long recording.
Example linear_leak_example();
/// 30 min of a history list that fills to a cap and is truncated every 2 min.
Example sawtooth_example();
/// 1 h in which RSS grows while the live heap stays flat: freed memory the allocator keeps.
Example fragmentation_example();
/// An attached process sampled for 2.5 s without smaps_rollup (no PSS), and leakscope killed before
/// the end record: too little to judge.
Example untracked_example();

std::vector<Example> all_examples();

/// The value of the row labelled `label` in a table of facts, or "(none)" when there is no such row.
std::string fact_value(const std::vector<Fact>& facts, std::string_view label);

/// A day at 1 s (86,400 samples) and 40 sites on an 8,640-point grid: for size and speed, not goldens.
Example day_long_example();

/// Names a parameterized test's example by its name, not by a hex dump of its bytes.
inline void PrintTo(const Example& example, std::ostream* out) { *out << example.name; }

/// The HTML and Markdown reports of `example`, as text.
std::string html_text(const Example& example);
std::string markdown_text(const Example& example);

/// What print_terminal_summary writes for `example`, as text.
std::string terminal_text(const Example& example, bool color, std::string_view recording_path = "/tmp/run.lsrec");

}  // namespace leakscope::report::testing
