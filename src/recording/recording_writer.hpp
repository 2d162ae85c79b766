// Writes a recording while the run goes on. Calls are buffered; flush() (at least once a second)
// sends everything buffered with one write(2), so a reader - or a reader after leakscope was
// SIGKILLed - sees every flushed chunk. The file and the in-memory model stay bounded for runs of any
// length: the series are tiered (bounded_series.hpp) and the file is rewritten from the model
// ("compacted") when it outgrows RecordingLimits::max_file_bytes, crash-safely (temp file, fsync,
// rename). Not thread-safe: one collector thread owns the writer.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "model/recording.hpp"
#include "recording/bounded_series.hpp"
#include "recording/recording_error.hpp"
#include "recording/recording_limits.hpp"

namespace leakscope::recording {

class RecordingWriter {
public:
    /// Creates (or overwrites) `path` with mode 0600 and writes the header and run info.
    /// Throws RecordingError naming the path and the system's reason when it cannot.
    static RecordingWriter create(const std::string& path, const RunInfo& info, const RecordingLimits& limits = {});

    RecordingWriter(RecordingWriter&&) noexcept;
    RecordingWriter& operator=(RecordingWriter&&) noexcept;
    /// Flushes what is buffered (errors ignored) when finish() was not called.
    ~RecordingWriter();

    void add_sample(const SamplePoint& point);
    /// Registers a tracked process ("pid:comm"); returns its index for Module/Stack::process.
    std::uint32_t add_process(const std::string& label);
    void add_module(const Module& module);
    void module_unloaded(std::uint32_t process, std::uint64_t start, double t_s);
    void add_stack(const Stack& stack);
    /// One snapshot of the call sites: only the sites that changed since the previous one.
    void add_site_snapshot(double t_s, std::span<const SiteUpdate> updates);
    /// Symbols are written by finish() (and kept by compaction once set).
    void set_symbols(std::map<std::pair<std::uint32_t, std::uint64_t>, std::vector<ResolvedFrame>> symbols);
    void add_warning(const std::string& warning);
    /// A tracked process ended, with the sites that still held memory (written with the next flush).
    void add_process_exit(const ProcessExit& exit, std::span<const ExitSite> sites);
    /// A tracked process's stream was lost while the process ran on (written with the next flush).
    void add_tracking_loss(const TrackingLoss& loss);
    /// Replaces the run info (e.g. once the first sample fixes start_unix_s).
    void update_info(const RunInfo& info);

    /// Writes everything buffered with one write and compacts the file when it is over its bound.
    /// Throws RecordingError when the write fails (disk full, ...).
    void flush();
    /// Records how the run ended, writes symbols and the end chunk, syncs and closes the file.
    void finish(const RunEnd& end);

    /// The bounded in-memory model, up to date with every call so far (flushed or not).
    const Recording& model() const;
    const std::string& path() const;
    /// Size of the file after the last flush.
    std::uint64_t file_bytes() const;
    /// After a write error (disk full): what the file lacks, for a note; nothing when every write worked.
    std::optional<std::string> unwritten() const;
    /// How many times the file was rewritten from the model.
    std::uint64_t compactions() const;

private:
    struct Impl;
    explicit RecordingWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace leakscope::recording
