#include "watch/process_history.hpp"

#include <system_error>

#include "recording/recording_reader.hpp"

namespace leakscope::watch {
namespace fs = std::filesystem;

recording::RecordingLimits history_limits() {
    recording::RecordingLimits limits;
    limits.recent_samples = 1024;
    limits.older_buckets = 1024;
    limits.max_file_bytes = 1u << 20;
    return limits;
}

ProcessHistory ProcessHistory::open(const fs::path& file, const RunInfo& info, std::vector<std::string>& notes,
                                    const recording::RecordingLimits& limits) {
    const fs::path old = fs::path(file.string() + ".old");
    std::error_code ec;
    // A resume interrupted after the rename below left the history in .old only.
    if (!fs::exists(file, ec) && fs::exists(old, ec)) fs::rename(old, file, ec);

    Recording previous;
    bool resumed = false;
    if (fs::exists(file, ec)) {
        try {
            previous = recording::read_recording(file.string());
            resumed = !previous.samples.empty();
        } catch (const recording::RecordingError& e) {
            notes.push_back("cannot resume " + file.string() + " (" + e.reason() + "): starting a new history");
        }
    }
    RunInfo kept = info;
    if (resumed) kept.start_unix_s = previous.info.start_unix_s;  // the samples' times count from there
    if (resumed) fs::rename(file, old, ec);  // kept until the new file holds the history

    auto writer = recording::RecordingWriter::create(file.string(), kept, limits);
    for (const auto& sample : previous.samples) writer.add_sample(sample);
    for (const auto& warning : previous.warnings) notes.push_back(file.filename().string() + ": " + warning);
    writer.flush();
    if (resumed) fs::remove(old, ec);
    return ProcessHistory(std::move(writer), kept.start_unix_s);
}

void ProcessHistory::add(SamplePoint sample, double now_unix_s) {
    sample.t_s = now_unix_s - start_unix_s_;
    const auto& samples = writer_.model().samples;
    if (!samples.empty() && sample.t_s <= samples.back().t_s) return;  // the clock stepped back: skip
    writer_.add_sample(sample);
}

void ProcessHistory::finish(double now_unix_s) {
    RunEnd end;
    end.reason = "target-gone";
    end.duration_s = now_unix_s - start_unix_s_;
    writer_.finish(end);
}

analysis::Analysis ProcessHistory::diagnose(const analysis::Options& options) const {
    return analysis::analyze(writer_.model(), options);
}

}  // namespace leakscope::watch
