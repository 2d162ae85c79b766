#include "collector/trackability.hpp"

#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "model/recording.hpp"

namespace leakscope::collector {
namespace {

std::string resolve_in_path(const std::string& program) {
    if (program.find('/') != std::string::npos) return program;
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return {};
}

enum class ElfKind { kNotElf, kDynamic, kStatic, kUnreadable };

/// The program headers of the 64-bit ELF file `in` reads from its start into `headers`, or why they
/// cannot be had (kNotElf, kUnreadable); nullopt when read.
std::optional<ElfKind> read_program_headers(std::ifstream& in, std::vector<Elf64_Phdr>& headers) {
    if (!in) return ElfKind::kUnreadable;
    Elf64_Ehdr header{};
    in.read(reinterpret_cast<char*>(&header), sizeof(header));
    auto got = static_cast<std::size_t>(in.gcount());
    if (got < SELFMAG || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) return ElfKind::kNotElf;
    if (got < sizeof(header)) return ElfKind::kUnreadable;  // an ELF magic with a truncated header
    if (header.e_ident[EI_CLASS] != ELFCLASS64) return ElfKind::kUnreadable;  // 32-bit: our 64-bit library cannot load
    if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum == 0 || header.e_phnum > 4096) return ElfKind::kUnreadable;
    headers.resize(header.e_phnum);
    in.seekg(static_cast<std::streamoff>(header.e_phoff));
    if (!in.read(reinterpret_cast<char*>(headers.data()), static_cast<std::streamsize>(header.e_phnum * sizeof(Elf64_Phdr))))
        return ElfKind::kUnreadable;
    return std::nullopt;
}

ElfKind classify_elf(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<Elf64_Phdr> program_headers;
    if (auto failure = read_program_headers(in, program_headers)) return *failure;
    for (const auto& ph : program_headers)
        if (ph.p_type == PT_INTERP) return ElfKind::kDynamic;
    return ElfKind::kStatic;
}

/// A Go build-id note ("Go", type 4, the toolchain's ELF_NOTE_GOBUILDID_TAG) in a PT_NOTE segment.
bool has_go_build_id_note(std::ifstream& in, const Elf64_Phdr& note_segment) {
    constexpr std::uint64_t kMaxNoteBytes = 1 << 16;
    constexpr std::uint32_t kGoBuildIdTag = 4;
    if (note_segment.p_filesz == 0 || note_segment.p_filesz > kMaxNoteBytes) return false;
    std::vector<char> notes(note_segment.p_filesz);
    in.seekg(static_cast<std::streamoff>(note_segment.p_offset));
    if (!in.read(notes.data(), static_cast<std::streamsize>(notes.size()))) return false;
    const auto aligned = [](std::size_t n) { return (n + 3) & ~static_cast<std::size_t>(3); };
    for (std::size_t at = 0; at + sizeof(Elf64_Nhdr) <= notes.size();) {
        Elf64_Nhdr note{};
        std::memcpy(&note, notes.data() + at, sizeof note);
        const std::size_t name_at = at + sizeof note;
        if (note.n_namesz > notes.size() || note.n_descsz > notes.size()) return false;
        const std::size_t next = name_at + aligned(note.n_namesz) + aligned(note.n_descsz);
        if (next > notes.size() + 3) return false;
        if (note.n_type == kGoBuildIdTag && note.n_namesz >= 2 && note.n_namesz <= 4 && name_at + 2 <= notes.size() &&
            std::memcmp(notes.data() + name_at, "Go", 2) == 0)
            return true;
        at = next;
    }
    return false;
}

}  // namespace

std::string garbage_collected_runtime(const std::string& elf_path) {
    struct stat info{};
    // Never open a FIFO or a device: open() would wait for a writer.
    if (elf_path.empty() || stat(elf_path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return {};
    std::ifstream in(elf_path, std::ios::binary);
    std::vector<Elf64_Phdr> program_headers;
    if (read_program_headers(in, program_headers)) return {};
    for (const auto& ph : program_headers)
        if (ph.p_type == PT_NOTE && has_go_build_id_note(in, ph)) return std::string(kGoRuntime);
    return {};
}

std::string garbage_collected_runtime_of_program(const std::string& program) { return garbage_collected_runtime(resolve_in_path(program)); }

Trackability check_trackable(const std::string& program) {
    std::string path = resolve_in_path(program);
    if (path.empty()) return {false, "allocation tracking off: '" + program + "' was not found in PATH"};
    struct stat info{};
    if (stat(path.c_str(), &info) != 0) return {false, "allocation tracking off: cannot read '" + path + "'"};
    // Never open a FIFO or a device to look for an ELF header: open() would wait for a writer.
    if (!S_ISREG(info.st_mode)) return {false, "allocation tracking off: '" + path + "' is not a regular file"};
    if (info.st_mode & (S_ISUID | S_ISGID))
        return {false, "allocation tracking off: '" + path + "' is setuid/setgid, and the loader ignores LD_PRELOAD for it; sampling /proc only"};
    switch (classify_elf(path)) {
    case ElfKind::kStatic:
        return {false, "allocation tracking off: '" + path + "' is statically linked, so the tracker cannot be preloaded; sampling /proc only"};
    case ElfKind::kUnreadable:
        return {false, "allocation tracking off: '" + path + "' is not a readable 64-bit ELF program; sampling /proc only"};
    case ElfKind::kNotElf:  // a script: its interpreter decides; explain_never_connected() covers a failure
    case ElfKind::kDynamic:
        break;
    }
    return {true, {}};
}

std::string explain_never_connected(const std::string& program) {
    return "allocation tracking off: '" + program +
           "' never allocated through malloc (static, a custom allocator, or it dropped LD_PRELOAD); sampled /proc only";
}

}  // namespace leakscope::collector
