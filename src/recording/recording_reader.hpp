// Reads a recording back into the model. A file that is not a recording (or a newer major format)
// throws RecordingError with a one-line message; a damaged or truncated recording is read up to the
// damage and the model gets a warning saying where and how much was read.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "model/recording.hpp"
#include "recording/recording_error.hpp"

namespace leakscope::recording {

struct ReadOptions {
    /// Off only in the fuzz target, so mutated bytes reach the payload decoders.
    bool verify_checksums = true;
};

Recording read_recording(const std::string& path);
/// The same from bytes in memory; `name` is used in messages.
Recording read_recording_bytes(std::span<const std::uint8_t> bytes, const std::string& name, const ReadOptions& options = {});

}  // namespace leakscope::recording
