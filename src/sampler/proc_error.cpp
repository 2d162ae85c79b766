#include "sampler/proc_error.hpp"

#include <cerrno>
#include <cstring>

namespace leakscope::sampler {

ProcError error_from_errno(int errno_value, const std::string& path) {
    ProcError::Kind kind = ProcError::Kind::kIo;
    const char* why = nullptr;
    switch (errno_value) {
        case ENOENT:
        case ESRCH:  // reading a file of a process that exited after the open, or one without an mm
            kind = ProcError::Kind::kNotFound;
            why = errno_value == ENOENT ? "no such file" : "no such process";
            break;
        case EACCES:
        case EPERM:
            kind = ProcError::Kind::kPermissionDenied;
            why = "permission denied";
            break;
        default:
            why = std::strerror(errno_value);
    }
    return ProcError{kind, "cannot read " + path + ": " + why};
}

}  // namespace leakscope::sampler
