#pragma once

#include <optional>
#include <string>
#include <vector>

#include "launch/target_process.hpp"
#include "model/recording.hpp"

namespace leakscope::session {

struct WatchResult {
    Recording recording;                       ///< the bounded model of everything recorded
    std::optional<launch::ExitStatus> exit;    ///< the target's end (run only)
    std::vector<std::string> notes;            ///< one-line remarks for the user (tracker fell back, ...)
    std::string recording_path;                ///< where the recording was written (the default name has a pid)
};

}  // namespace leakscope::session
