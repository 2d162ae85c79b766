// Fuzz target of the recording reader. Each input is read twice: as a file (checksums verified, the
// real path) and with checksums ignored, so mutated bytes reach every payload decoder. Only
// RecordingError (not a recording) may escape the reader; anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <span>

#include "recording/recording_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    for (const bool verify : {true, false}) {
        try {
            const leakscope::Recording r =
                leakscope::recording::read_recording_bytes(bytes, "fuzz-input", leakscope::recording::ReadOptions{verify});
            // Touch the result so the model is really built.
            volatile std::size_t sink = r.samples.size() + r.sites.sites.size() + r.warnings.size();
            (void)sink;
        } catch (const leakscope::recording::RecordingError&) {
        }
    }
    return 0;
}
