#include "symbols/debug_file_finder.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <span>

#include "symbols/elf_notes.hpp"
#include "symbols/regular_file.hpp"

namespace leakscope::symbols {
namespace {

// Closes the descriptor and the libelf handle on every return path.
class ElfFile {
public:
    explicit ElfFile(const std::string& path) {
        elf_version(EV_CURRENT);
        fd_ = open_regular_file(path);
        if (fd_ >= 0) elf_ = elf_begin(fd_, ELF_C_READ_MMAP, nullptr);
    }
    ~ElfFile() {
        if (elf_ != nullptr) elf_end(elf_);
        if (fd_ >= 0) ::close(fd_);
    }
    ElfFile(const ElfFile&) = delete;
    ElfFile& operator=(const ElfFile&) = delete;
    Elf* get() const { return elf_ != nullptr && elf_kind(elf_) == ELF_K_ELF ? elf_ : nullptr; }

private:
    int fd_ = -1;
    Elf* elf_ = nullptr;
};

std::optional<std::string> build_id_from_sections(Elf* elf) {
    Elf_Scn* section = nullptr;
    while ((section = elf_nextscn(elf, section)) != nullptr) {
        GElf_Shdr header;
        if (gelf_getshdr(section, &header) == nullptr || header.sh_type != SHT_NOTE) continue;
        Elf_Data* data = elf_getdata(section, nullptr);
        if (data == nullptr || data->d_buf == nullptr) continue;
        const std::span<const std::uint8_t> bytes(static_cast<const std::uint8_t*>(data->d_buf), data->d_size);
        if (auto id = parse_gnu_build_id(bytes, header.sh_addralign)) return id;
    }
    return std::nullopt;
}

// Files without section headers (rare, but legal) still have their notes in PT_NOTE segments.
std::optional<std::string> build_id_from_segments(Elf* elf) {
    std::size_t count = 0;
    if (elf_getphdrnum(elf, &count) != 0) return std::nullopt;
    for (std::size_t i = 0; i < count; ++i) {
        GElf_Phdr header;
        if (gelf_getphdr(elf, static_cast<int>(i), &header) == nullptr || header.p_type != PT_NOTE) continue;
        Elf_Data* data = elf_getdata_rawchunk(elf, static_cast<int64_t>(header.p_offset), header.p_filesz, ELF_T_BYTE);
        if (data == nullptr || data->d_buf == nullptr) continue;
        const std::span<const std::uint8_t> bytes(static_cast<const std::uint8_t*>(data->d_buf), data->d_size);
        if (auto id = parse_gnu_build_id(bytes, header.p_align)) return id;
    }
    return std::nullopt;
}

bool is_regular_file(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

bool same_file(const std::string& a, const std::string& b) {
    struct stat first {}, second {};
    return ::stat(a.c_str(), &first) == 0 && ::stat(b.c_str(), &second) == 0 && first.st_dev == second.st_dev &&
           first.st_ino == second.st_ino;
}

const std::array<std::uint32_t, 256>& crc_table() {
    static const std::array<std::uint32_t, 256> table = [] {
        std::array<std::uint32_t, 256> entries{};
        for (std::uint32_t n = 0; n < 256; ++n) {
            std::uint32_t c = n;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            entries[n] = c;
        }
        return entries;
    }();
    return table;
}

}  // namespace

ElfIdentity identify_elf(const std::string& path) {
    ElfFile file(path);
    Elf* elf = file.get();
    if (elf == nullptr) return {};
    auto id = build_id_from_sections(elf);
    if (!id) id = build_id_from_segments(elf);
    return {true, id.value_or("")};
}

std::optional<std::string> read_elf_build_id(const std::string& path) {
    auto identity = identify_elf(path);
    if (identity.build_id.empty()) return std::nullopt;
    return std::move(identity.build_id);
}

std::uint32_t crc32_update(std::uint32_t crc, const unsigned char* data, std::size_t size) {
    const auto& table = crc_table();
    crc = ~crc;
    for (std::size_t i = 0; i < size; ++i) crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

std::optional<std::uint32_t> file_crc32(const std::string& path) {
    const int fd = open_regular_file(path);
    if (fd < 0) return std::nullopt;
    std::array<unsigned char, 64 * 1024> buffer;
    std::uint32_t crc = 0;
    for (;;) {
        const ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0) {
            if (errno == EINTR) continue;
            ::close(fd);
            return std::nullopt;
        }
        if (got == 0) break;
        crc = crc32_update(crc, buffer.data(), static_cast<std::size_t>(got));
    }
    ::close(fd);
    return crc;
}

std::optional<std::string> DebugFileFinder::find_by_build_id(const std::string& build_id) const {
    const auto normalized = normalize_build_id(build_id);
    if (!normalized) return std::nullopt;
    for (const auto& dir : debug_dirs_) {
        const std::string candidate = build_id_debug_path(dir, *normalized);
        // A stale link in a debug directory must not pass off another build's line numbers.
        if (is_regular_file(candidate) && read_elf_build_id(candidate) == normalized) return candidate;
    }
    return std::nullopt;
}

std::optional<std::string> DebugFileFinder::find_by_debuglink(const std::string& module_path,
                                                              const std::string& debuglink, std::uint32_t crc,
                                                              const std::string& expected_build_id) const {
    if (debuglink.empty() || debuglink.find('/') != std::string::npos) return std::nullopt;
    const std::filesystem::path module_dir = std::filesystem::path(module_path).parent_path();
    std::vector<std::string> candidates = {(module_dir / debuglink).string(), (module_dir / ".debug" / debuglink).string()};
    for (const auto& dir : debug_dirs_) {
        // <debug dir>/<module's absolute folder>/<debuglink>, as gdb looks it up.
        candidates.push_back((std::filesystem::path(dir) / module_dir.relative_path() / debuglink).string());
    }
    const auto expected = normalize_build_id(expected_build_id);
    for (const auto& candidate : candidates) {
        if (!is_regular_file(candidate) || same_file(candidate, module_path)) continue;
        const auto candidate_id = read_elf_build_id(candidate);
        if (expected && candidate_id) {
            if (*candidate_id == *expected) return candidate;
            continue;
        }
        if (file_crc32(candidate) == crc) return candidate;
    }
    return std::nullopt;
}

}  // namespace leakscope::symbols
