#include "launch/command_lookup.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace leakscope::launch {
namespace {

bool is_regular_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

std::variant<std::string, LookupError> resolve_command(const std::string& name) {
    if (name.empty()) return LookupError{127, "empty command"};
    if (name.find('/') != std::string::npos) {
        struct stat st {};
        if (::stat(name.c_str(), &st) != 0) return LookupError{127, "no such file: " + name};
        if (S_ISDIR(st.st_mode)) return LookupError{126, "is a directory, not a program: " + name};
        if (::access(name.c_str(), X_OK) != 0) return LookupError{126, "not executable: " + name};
        return name;
    }
    const char* path_env = std::getenv("PATH");
    std::string_view path = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin";
    bool found_not_executable = false;
    while (true) {
        const auto colon = path.find(':');
        std::string dir(path.substr(0, colon));
        if (dir.empty()) dir = ".";
        const std::string candidate = dir + "/" + name;
        if (is_regular_file(candidate)) {
            if (::access(candidate.c_str(), X_OK) == 0) return candidate;
            found_not_executable = true;
        }
        if (colon == std::string_view::npos) break;
        path.remove_prefix(colon + 1);
    }
    if (found_not_executable) return LookupError{126, "not executable: " + name};
    return LookupError{127, "command not found: " + name};
}

}  // namespace leakscope::launch
