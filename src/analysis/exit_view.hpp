// What the tracked processes still held when they ended, by call site: the LeakSanitizer view, shown
// next to the growth view. It answers "what did this program never free?" — the question leak tests
// and short programs ask — while the growth view answers "what keeps growing while it runs?".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/sampled_interval.hpp"
#include "model/recording.hpp"

namespace leakscope::analysis {

/// A call site's name: its innermost user frame and the whole stack, symbolized.
struct SiteName {
    std::uint32_t process = 0;
    std::string function = "??";
    std::optional<std::string> file;
    std::optional<int> line;
    std::optional<std::string> module;
    std::vector<std::string> frames;  ///< "function (file:line)", innermost first
    std::string via;                  ///< the frame telling it from a site of the same name, or 
};

/// "function file:line", the name a report row shows.
std::string row_label(const std::string& function, const std::optional<std::string>& file, const std::optional<int>& line);

/// Names the stack from the recording's symbols (or its module map when there are none).
SiteName name_stack(const Recording& recording, StackId stack);

struct ExitSiteReport {
    StackId stack;
    SiteName name;
    std::int64_t live_bytes = 0;   ///< still allocated when the process ended
    std::int64_t live_count = 0;
    std::uint64_t total_allocations = 0;
    std::uint64_t total_bytes = 0;
    std::optional<SampledInterval> sampled;  ///< sampling mode: the interval of live_bytes
};

struct ExitView {
    std::vector<ExitSiteReport> sites;  ///< most bytes first, at most Options::max_sites
    std::size_t site_count = 0;         ///< sites that held memory at exit, shown or not
    std::int64_t live_bytes = 0;        ///< over every site
    std::int64_t live_count = 0;
    std::size_t sites_not_shown = 0;    ///< site_count - sites.size()
    std::int64_t bytes_not_shown = 0;
    std::size_t processes = 0;          ///< tracked processes that ended during the run
    std::size_t processes_without_goodbye = 0;  ///< died without a final report: their last state
    bool sampled = false;               ///< values are the sampler's estimates
};

/// The exit view of every process that ended; empty when none ended (attach, a run stopped by --duration).
ExitView exit_view(const Recording& recording, std::size_t max_sites);

}  // namespace leakscope::analysis
