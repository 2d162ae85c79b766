// Removes the tracker socket's private directory even when leakscope is killed with SIGKILL (no
// destructor runs then): a tiny helper process waits on a pipe whose only writer is leakscope; when the
// pipe closes, for whatever reason, the helper removes the socket and the directory and exits.
#pragma once

#include <sys/types.h>

#include <string>

namespace leakscope::collector {

class SocketJanitor {
public:
    /// Starts the helper for `socket_path` inside `directory`. Without a helper (fork failed) the
    /// destructor still removes both.
    SocketJanitor(std::string directory, std::string socket_path);
    ~SocketJanitor();
    SocketJanitor(const SocketJanitor&) = delete;
    SocketJanitor& operator=(const SocketJanitor&) = delete;

    bool has_helper() const { return pipe_write_ >= 0; }

private:
    std::string directory_, socket_path_;
    int pipe_write_ = -1;
};

}  // namespace leakscope::collector
