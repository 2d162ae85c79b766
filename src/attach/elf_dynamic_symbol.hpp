// The value of an exported (dynamic) symbol in an ELF shared object on disk: where dlopen lives in the
// target's libc, and where leakscope_tracker_attach lives in the tracker library, relative to their load
// addresses. Read from the file, so nothing in the target has to answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace leakscope::attach {

/// st_value of the defined function `name` in the .dynsym of the 64-bit ELF at `path`; nullopt when
/// the file is unreadable, not such an ELF, or does not define it.
std::optional<std::uint64_t> dynamic_symbol_value(const std::string& path, const std::string& name);

}  // namespace leakscope::attach
