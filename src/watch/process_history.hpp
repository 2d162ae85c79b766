// The bounded history of one watched process, kept as a leakscope recording in --state-dir (so
// `leakscope analyze` and `leakscope report` read it too). A restart of `watch` resumes from it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "analysis/analysis.hpp"
#include "model/recording.hpp"
#include "model/sample_point.hpp"
#include "recording/recording_limits.hpp"
#include "recording/recording_writer.hpp"

namespace leakscope::watch {

/// The bounds of one process's history: at a sample a minute, the last ~17 hours at full resolution
/// and everything older in 1,024 merged buckets (min/mean/max kept), whatever the uptime. The file is
/// rewritten from that model when it passes 1 MiB. README "watch" states what this bounds.
recording::RecordingLimits history_limits();

class ProcessHistory {
public:
    /// Opens `file`, resuming the history already in it (or in `file`.old, left by a resume that was
    /// interrupted); `info` describes the process now. What could not be resumed is said in `notes`.
    /// Throws recording::RecordingError when the file cannot be written.
    static ProcessHistory open(const std::filesystem::path& file, const RunInfo& info, std::vector<std::string>& notes,
                               const recording::RecordingLimits& limits = history_limits());

    /// Adds one sample taken at `now_unix_s` (its t_s is set here: seconds since the history began).
    void add(SamplePoint sample, double now_unix_s);
    /// Writes what is buffered (throws recording::RecordingError on failure, e.g. disk full).
    void flush() { writer_.flush(); }
    /// The process is gone: records the end and closes the file (kept for a post-mortem).
    void finish(double now_unix_s);

    analysis::Analysis diagnose(const analysis::Options& options) const;
    const Recording& model() const { return writer_.model(); }
    const std::string& path() const { return writer_.path(); }
    std::uint64_t file_bytes() const { return writer_.file_bytes(); }

private:
    ProcessHistory(recording::RecordingWriter writer, double start_unix_s)
        : writer_(std::move(writer)), start_unix_s_(start_unix_s) {}
    recording::RecordingWriter writer_;
    double start_unix_s_;
};

}  // namespace leakscope::watch
