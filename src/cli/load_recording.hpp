// Reads a recording for analyze/report/diff, turning format errors into one clear line and
// printing the reader's warnings (a damaged tail) to stderr.
#pragma once

#include <string>

#include "model/recording.hpp"

namespace leakscope::cli {

Recording load_recording(const std::string& path);

}  // namespace leakscope::cli
