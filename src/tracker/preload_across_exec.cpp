#include "preload_across_exec.hpp"

#include <unistd.h>

#include <cstring>
#include <string_view>

namespace leakscope::tracker::preload {

using detail::g_tracker_file;

void remember_tracker_file() {
    if (g_tracker_file[0]) return;
    // The element of the process's own LD_PRELOAD that names the tracker: the full path `leakscope run` put
    // there. Read from the environment the process started with, before the program can change it; no
    // dladdr (it takes the loader's lock, in every process's start).
    for (char** entry = environ; entry && *entry; ++entry) {
        if (!detail::starts_with(*entry, detail::kPreloadPrefix)) continue;
        const char* element = *entry + sizeof detail::kPreloadPrefix - 1;
        while (*element) {
            const std::size_t length = std::strcspn(element, ": ");
            const std::string_view name(element, length);
            if (name.find(wire::kLibraryFile) != std::string_view::npos && name.front() == '/' && length < sizeof g_tracker_file) {
                std::memcpy(g_tracker_file, element, length);
                g_tracker_file[length] = '\0';
                return;
            }
            element += length;
            while (*element == ':' || *element == ' ') ++element;
        }
        return;
    }
}

void fill(char* const envp[], const Plan& plan, char* entry, char** environment) {
    constexpr std::size_t kPrefixBytes = sizeof detail::kPreloadPrefix - 1;
    char* at = entry;
    std::memcpy(at, detail::kPreloadPrefix, kPrefixBytes);
    at += kPrefixBytes;
    const std::size_t file_bytes = std::strlen(g_tracker_file);
    std::memcpy(at, g_tracker_file, file_bytes);
    at += file_bytes;
    if (plan.replaced < plan.count) {
        const char* kept = envp[plan.replaced] + kPrefixBytes;
        if (const std::size_t kept_bytes = std::strlen(kept)) {
            *at++ = ':';
            std::memcpy(at, kept, kept_bytes);
            at += kept_bytes;
        }
    }
    *at = '\0';
    for (std::size_t i = 0; i < plan.count; ++i) environment[i] = i == plan.replaced ? entry : envp[i];
    std::size_t end = plan.count;
    if (plan.replaced == plan.count) environment[end++] = entry;
    environment[end] = nullptr;
}

}  // namespace leakscope::tracker::preload
