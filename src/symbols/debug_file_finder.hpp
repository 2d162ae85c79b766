// Finds the separate debug file of a module, the way distributions install them: by build-id under
// each debug directory (<dir>/.build-id/xx/rest.debug), then by the .gnu_debuglink name next to the
// module, in its .debug/ folder, and under each debug directory mirrored by the module's folder.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leakscope::symbols {

/// What the symbolizer needs to know of a file before trusting it.
struct ElfIdentity {
    bool is_elf = false;     ///< the file exists and is a readable ELF object
    std::string build_id;    ///< lowercase hex, empty when the object has none
};
ElfIdentity identify_elf(const std::string& path);

/// The GNU build-id (lowercase hex) of the ELF file at `path`, nullopt when it cannot be read or has none.
std::optional<std::string> read_elf_build_id(const std::string& path);

/// The CRC-32 that .gnu_debuglink records (the zlib/ISO-HDLC polynomial) of the whole file at `path`.
std::optional<std::uint32_t> file_crc32(const std::string& path);

/// CRC-32 of a byte range, continuing from `crc` (0 to start).
std::uint32_t crc32_update(std::uint32_t crc, const unsigned char* data, std::size_t size);

class DebugFileFinder {
public:
    explicit DebugFileFinder(std::vector<std::string> debug_dirs) : debug_dirs_(std::move(debug_dirs)) {}

    /// The first <dir>/.build-id/xx/rest.debug that exists and carries `build_id` itself.
    std::optional<std::string> find_by_build_id(const std::string& build_id) const;

    /// The debug file named by a module's .gnu_debuglink. A candidate is accepted when its build-id
    /// equals `expected_build_id` (if both have one), otherwise when its CRC matches `crc`.
    std::optional<std::string> find_by_debuglink(const std::string& module_path, const std::string& debuglink,
                                                 std::uint32_t crc, const std::string& expected_build_id) const;

    const std::vector<std::string>& debug_dirs() const { return debug_dirs_; }

private:
    std::vector<std::string> debug_dirs_;
};

}  // namespace leakscope::symbols
