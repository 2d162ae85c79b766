// `leakscope diff A B`: what changed between two recordings, per allocation call site. Sites are
// matched by their symbolized stack (the function names, innermost user frame outwards), not by
// address, so two builds of the same program — or two runs under ASLR — compare.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/analysis.hpp"
#include "compare/comparison.hpp"
#include "model/recording.hpp"

namespace leakscope::compare {

/// The matching key of a stack: the function names from the innermost user frame outwards (the
/// allocator and tracker frames below it are skipped), joined by " < ". Unknown frames count as
/// "??@<module file name>", never as an address.
std::string site_match_key(const Recording& recording, const Stack& stack);

/// One site's growth in one recording (stacks with the same key are added together).
struct SiteGrowth {
    std::string key;
    std::string function;                 ///< the user frame, as the reports name it
    std::optional<std::string> location;  ///< "file.cpp:42"
    double rate_bytes_per_s = 0;
    double rate_ci_low_bytes_per_s = 0, rate_ci_high_bytes_per_s = 0;
    double live_bytes = 0;                ///< at the end
    bool growing = false;                 ///< a leak, or a growth pattern with its rate interval above 64 B/s
};

/// Every analyzed site of the recording, keyed (the analysis must keep all sites: see diff_analysis_options).
std::vector<SiteGrowth> site_growth(const Recording& recording, const analysis::Analysis& analysis);

/// Analysis options for diff: every site kept, not only the report's top 50.
analysis::Options diff_analysis_options(analysis::Options options);

enum class SiteStatus { appeared, disappeared, faster, slower, unchanged, not_growing };
const char* to_string(SiteStatus status);

struct SiteChange {
    std::string key;
    std::string function;
    std::optional<std::string> location;
    std::optional<SiteGrowth> before, after;  ///< absent when the site is not in that recording
    SiteStatus status = SiteStatus::not_growing;
    std::optional<TestResult> test;           ///< when the site grows on both sides
    double rate_before() const { return before ? before->rate_bytes_per_s : 0.0; }
    double rate_after() const { return after ? after->rate_bytes_per_s : 0.0; }
    double live_before() const { return before ? before->live_bytes : 0.0; }
    double live_after() const { return after ? after->live_bytes : 0.0; }
};

/// Pairs the sites of two recordings and classifies each change; growth changes first (largest
/// first), then the rest by the change in live bytes.
std::vector<SiteChange> diff_sites(const std::vector<SiteGrowth>& before, const std::vector<SiteGrowth>& after,
                                   const ComparisonOptions& options);

/// "RagLogger::write_jsonl: 307 kB/s -> 0; nothing new grows".
std::string diff_summary(const std::vector<SiteChange>& sites);

struct RecordingDiff {
    std::string before_path, after_path;
    ComparisonOptions options;
    std::string metric;               ///< "live_heap" when both recordings tracked allocations, else "rss"
    RunMeasurement before, after;     ///< the process as a whole
    BaselineComparison process;       ///< after against before
    std::vector<SiteChange> sites;
    /// Set when only one recording has allocation sites (the other was made by attach or --no-track):
    /// its sites would all look "appeared" or "disappeared", so they are not compared, and this says why.
    std::string sites_note;
    std::string summary;
    bool significantly_worse() const { return process.direction == Direction::worse; }
};

RecordingDiff diff_recordings(const Recording& before, const analysis::Analysis& before_analysis,
                              const Recording& after, const analysis::Analysis& after_analysis,
                              const ComparisonOptions& options);

std::string diff_text(const RecordingDiff& diff, std::size_t max_sites = 20);
nlohmann::json diff_json(const RecordingDiff& diff);

}  // namespace leakscope::compare
