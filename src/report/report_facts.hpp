// The facts every human report states, computed once so the HTML, the Markdown and the terminal
// summary say the same thing in the same words.
#pragma once

#include <string>
#include <vector>

#include "analysis/analysis.hpp"
#include "model/recording.hpp"

namespace leakscope::report {

struct Fact {
    std::string label;
    std::string value;
};

/// "+102 MB/h" (a plus sign on growth so a shrinking rate cannot be misread).
std::string signed_rate(double bytes_per_unit, const char* unit, int significant = 3);

/// "+98.1 MB/h to +106 MB/h", or "+1.457 GB/h to +1.461 GB/h" where three digits would print one figure
/// twice: an interval's ends with the digits that tell them apart (diagnosis::interval_digits).
std::string signed_interval(double low, double high, const char* unit);

/// "+102 MB/h (95% interval +98.1 MB/h to +106 MB/h)"; per-second rates are scaled by `seconds_per_unit`.
std::string rate_with_interval(const diagnosis::Diagnosis& d, double seconds_per_unit, const char* unit);

/// "3 h 19 min", "not reached at the steady rate", or for an undecided verdict "not projected until the
/// verdict is decided"; for a warm-up still settling, where it settles.
std::string time_to_limit_text(const diagnosis::Diagnosis& v);

/// A warm-up still settling at the end of the run (no leak): there is no steady state yet, and the rate
/// the reports show is the pace of the run's last third, slowing. Labelled so, or "steady +429 MB/h"
/// beside "No leak" and "not reached at the steady rate" read as a contradiction.
bool still_settling(const diagnosis::Diagnosis& v);

/// "steady" or, while settling, "pace" (the rows' and tiles' name for the rate).
std::string rate_name(const diagnosis::Diagnosis& v);

/// The warm-up's line: "20.6 MB one-time, steady from 10.0 s", or "43.7 MB one-time, still settling
/// (toward a level of about 43.8 MB)".
/// `of` names the series when the warm-up is not the verdict's metric's ("of RSS").
std::string warmup_text(const diagnosis::Diagnosis& v, std::string_view of = {});

/// "of RSS" when the verdict's warm-up is RSS's beside the heap's verdict (ProcessDiagnosis::warmup_metric).
std::string warmup_series(const analysis::Analysis& analysis);

/// One line under the verdict word: "steady linear growth of the live heap, +102 MB/h".
std::string verdict_headline(const analysis::Analysis& analysis);

/// Verdict, rates, warm-up, projection and restart interval, in that order.
std::vector<Fact> verdict_facts(const Recording& recording, const analysis::Analysis& analysis);

/// Command, duration, samples, interval, tracker mode, events, exit, host, leakscope version.
std::vector<Fact> run_facts(const Recording& recording, const analysis::Analysis& analysis);

/// True when the run counted work units (an events regex or leakscope_event() calls).
bool events_known(const Recording& recording);

/// The target's argv as one shell-like line (arguments with spaces quoted).
std::string command_line(const Recording& recording);

/// "yes (q<0.001)", "yes (q=0.012)" or "no": a site's leak call with its false-discovery-adjusted p-value.
std::string site_leak_call(const analysis::SiteReport& site);

/// "file.cpp:42", "file.cpp", or the module's file name when the source is unknown, with the frame that
/// tells it from a namesake and, for the same code in several processes, which process.
std::string site_location(const analysis::SiteReport& site);

/// site_location without the process: what stays the same from run to run (SARIF's fingerprints).
std::string site_location_in_any_process(const analysis::SiteReport& site);

/// Where a site of the exit view is: as site_location, from its name (file:line, the module's file name
/// when the source is unknown, "?" when neither is), with the frame that tells it from a namesake.
std::string exit_site_location(const analysis::SiteName& name);

/// The same as the reports people read show them (terminal, Markdown, HTML): C++ names without
/// libstdc++'s spelled-out defaults (readable_names.hpp), "??" for a site whose function is unknown.
/// The formats tools read (JSON, SARIF, pprof, folded stacks) keep the exact names.
std::string readable_site_function(const analysis::SiteReport& site);
std::string readable_site_location(const analysis::SiteReport& site);
std::string readable_exit_location(const analysis::SiteName& name);

/// "still allocated at exit: 76.8 kB in 2 blocks from 2 sites" (attach --track: "when tracking ended
/// (blocks allocated since the attach)"; sampling mode: "(sampled estimates)").
std::string exit_view_heading(const analysis::ExitView& view, bool attached);

/// "Leak: steady linear growth of the live heap, +102 MB/h": the verdict in one line, for the formats
/// that carry one message per finding (JUnit, SARIF, GitHub annotations).
std::string verdict_line(const analysis::Analysis& analysis);

/// The sites the diagnosis calls leaks, by steady growth (the order of Analysis::sites).
std::vector<const analysis::SiteReport*> leaking_sites(const analysis::Analysis& analysis);

/// "AuditLog::write (audit.cpp:42) grows +102 MB/h (95% interval ...), 24.1 MB live at the end, leak
/// call yes (q<0.001)": one leaking site as a sentence.
std::string site_finding(const analysis::SiteReport& site);

/// `file` relative to `root` when it lies under it ("src/log.cpp"), otherwise unchanged: CI systems
/// place annotations by paths relative to the checkout. A relative `file` that starts with ./ or ../
/// (relative to where the compiler ran) loses those when the rest names a file under `root`.
std::string path_under_root(const std::string& file, const std::string& root);

/// Where the source tree is for CI annotations: $GITHUB_WORKSPACE when set, else the current directory.
std::string source_root();

}  // namespace leakscope::report
