// Opening an object file to symbolize it. The path comes from the target's module map, which the
// target controls: it may have replaced its executable with a FIFO (open() would wait forever for a
// writer) or name a device. Only regular files are opened, and the open itself cannot block.
#pragma once

#include <string>

namespace leakscope::symbols {

/// A read-only descriptor of `path` when it is a non-empty regular file; -1 otherwise (FIFO, device,
/// socket, directory, /proc pseudo-file, missing). The descriptor is blocking again once checked.
int open_regular_file(const std::string& path);

}  // namespace leakscope::symbols
