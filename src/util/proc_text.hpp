// A /proc file read whole with read(2). A process can end between the open and the read, and the read
// then fails with ESRCH: std::ifstream's buffer throws that from inside istreambuf_iterator (libstdc++'s
// "basic_filebuf::underflow error reading the file: No such process"), which once ended a `leakscope run`
// whose shell script started a command every 50 ms. Here it is an empty answer, as for a gone process.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace leakscope::util {

/// The file's bytes, or "" when it cannot be opened or read (the process is gone, or never was).
inline std::string read_proc_text(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    std::string text;
    char buffer[4096];
    while (true) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            text.clear();
            break;
        }
        if (n == 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
}

}  // namespace leakscope::util
