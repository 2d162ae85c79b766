#include "symbols/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace leakscope::symbols {

int open_regular_file(const std::string& path) {
    // O_NONBLOCK: opening a FIFO without a writer returns at once instead of waiting; O_NOCTTY: a
    // terminal device never becomes our controlling terminal.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return -1;
    struct stat st {};
    // Size 0: no object file is empty, and /proc files (/proc/self/mem) claim to be regular with size 0.
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
        ::close(fd);
        return -1;
    }
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return fd;
}

}  // namespace leakscope::symbols
