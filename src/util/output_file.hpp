// Creating the files leakscope writes (recordings, every report) safely when it runs as root in a
// directory others can write: an existing symlink or non-regular file at the path is refused, never
// followed or truncated; the content goes to a new temporary file beside it (O_EXCL, mode 0600) that
// is renamed over the path, so a link planted later is replaced, not written through.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace leakscope::util {

/// Why an output could not be written; what() is one line naming the path.
class OutputError : public std::runtime_error {
public:
    OutputError(const std::string& path, const std::string& reason)
        : std::runtime_error(path + ": " + reason), path_(path), reason_(reason) {}
    const std::string& path() const { return path_; }
    const std::string& reason() const { return reason_; }

private:
    std::string path_, reason_;
};

/// Throws OutputError when `path` names a symlink or anything but a regular file (absent is fine).
inline void check_output_path(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        throw OutputError(path, std::strerror(errno));
    }
    if (S_ISLNK(st.st_mode))
        throw OutputError(path, "a symbolic link; leakscope does not write through links (remove it or name another file)");
    if (!S_ISREG(st.st_mode)) throw OutputError(path, "not a regular file");
}

/// A new file beside `path`, renamed over it by commit(); removed if never committed.
class OutputFile {
public:
    explicit OutputFile(std::string path) : path_(std::move(path)) {
        check_output_path(path_);
        temp_ = path_ + ".tmp.XXXXXX";
        fd_ = ::mkostemp(temp_.data(), O_CLOEXEC);  // O_EXCL: never an existing file or link
        if (fd_ < 0) throw OutputError(path_, std::strerror(errno));
        ::fchmod(fd_, 0600);  // mkostemp already uses 0600; said again because reports hold argv and paths
    }
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;
    ~OutputFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!committed_) ::unlink(temp_.c_str());
    }

    int fd() const { return fd_; }
    const std::string& path() const { return path_; }

    void write(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw OutputError(path_, std::strerror(errno));
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }

    /// Renames the file over the path (checked again: a link planted meanwhile is replaced, not followed).
    /// `keep_open`: the fd stays valid for appending (a recording grows after it is in place).
    void commit(bool keep_open = false) {
        check_output_path(path_);
        if (::rename(temp_.c_str(), path_.c_str()) != 0) throw OutputError(path_, std::strerror(errno));
        committed_ = true;
        if (!keep_open) {
            const int fd = fd_;
            fd_ = -1;
            if (::close(fd) != 0) throw OutputError(path_, std::strerror(errno));
        }
    }
    /// Hands the open descriptor over (after commit(true)); the caller closes it.
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    std::string path_, temp_;
    int fd_ = -1;
    bool committed_ = false;
};

/// Writes `content` to `path` through an OutputFile.
inline void write_output_file(const std::string& path, std::string_view content) {
    OutputFile file(path);
    file.write(content);
    file.commit();
}

}  // namespace leakscope::util
