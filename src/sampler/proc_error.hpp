// The error every /proc and cgroup reader returns instead of throwing, and a small Expected<T>
// (std::expected is C++23; the project builds as C++20 with GCC 12).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace leakscope::sampler {

struct ProcError {
    enum class Kind {
        kNotFound,          ///< ENOENT/ESRCH: the process exited, or the file does not exist here
        kPermissionDenied,  ///< EACCES/EPERM: another user's process, or ptrace access refused
        kUnsupported,       ///< the kernel does not provide this file (e.g. no CONFIG_PROC_CHILDREN)
        kMalformed,         ///< the text does not have the expected format
        kIo,                ///< any other system error
    };
    Kind kind = Kind::kIo;
    std::string message;  ///< complete sentence for a user: names the file and the cause
};

/// Builds the error for a failed system call on `path` from its errno.
ProcError error_from_errno(int errno_value, const std::string& path);

/// Holds either a value or the ProcError that explains why there is none.
template <typename T>
class Expected {
public:
    Expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit on purpose
    Expected(ProcError error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const ProcError& error() const { return std::get<1>(state_); }

private:
    std::variant<T, ProcError> state_;
};

inline ProcError malformed(std::string message) { return ProcError{ProcError::Kind::kMalformed, std::move(message)}; }

}  // namespace leakscope::sampler
