// The one exception type of the recording module: a file that cannot be created, written, or is not
// a recording at all. Damage inside a recording is not an error: the reader keeps what it could read
// and records a warning instead.
#pragma once

#include <stdexcept>
#include <string>

namespace leakscope::recording {

class RecordingError : public std::runtime_error {
public:
    explicit RecordingError(const std::string& message) : std::runtime_error(message) {}
    /// `what()` is the full one-line message; path() and reason() let a front end word it its own way,
    /// e.g. "cannot read notes.txt: it is not a leakscope recording".
    RecordingError(std::string path, std::string reason, const std::string& message)
        : std::runtime_error(message), path_(std::move(path)), reason_(std::move(reason)) {}

    /// The file concerned; empty when the error is not about one file.
    const std::string& path() const { return path_; }
    /// Why, without the path: a strerror text ("No such file or directory") or
    /// "it is not a leakscope recording", "it is empty, not a leakscope recording", ...
    const std::string& reason() const { return reason_; }

private:
    std::string path_;
    std::string reason_;
};

}  // namespace leakscope::recording
