// Shared helpers of the recording tests: a scratch directory, a recording that sets every field of the
// model to a non-default value, and a field-by-field comparison of two models.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "model/recording.hpp"
#include "recording/recording_writer.hpp"

namespace leakscope::recording::testing {

/// A fresh directory under the system temp dir, removed at the end of the test.
class ScratchDir {
public:
    ScratchDir();
    ~ScratchDir();
    std::string file(const std::string& name) const { return (path_ / name).string(); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

std::vector<std::uint8_t> read_bytes(const std::string& path);
void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes);

/// RunInfo with every field set to something other than its default.
RunInfo full_run_info();
/// A sample with every gauge set, derived from `i` so consecutive samples differ.
SamplePoint full_sample(int i);

/// Writes a small recording that uses every call of the writer (and so every chunk kind), with
/// `flushes` flushes; finishes it when `finish` is set. Returns the writer's final model.
Recording write_full_recording(const std::string& path, int flushes = 3, bool finish = true);

/// Adds `count` warnings of 64 pseudo-random digits, which zstd cannot shrink: filler that makes a
/// writer outgrow a small file bound and compact.
void add_incompressible_warnings(RecordingWriter& writer, int count);

/// Expects the two models to be equal in every field (doubles compared bit for bit).
void expect_same_recording(const Recording& expected, const Recording& actual);

}  // namespace leakscope::recording::testing
