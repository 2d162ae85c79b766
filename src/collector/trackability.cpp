#include "collector/trackability.hpp"

#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

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

ElfKind classify_elf(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return ElfKind::kUnreadable;
    Elf64_Ehdr header{};
    in.read(reinterpret_cast<char*>(&header), sizeof(header));
    auto got = static_cast<std::size_t>(in.gcount());
    if (got < SELFMAG || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) return ElfKind::kNotElf;
    if (got < sizeof(header)) return ElfKind::kUnreadable;  // an ELF magic with a truncated header
    if (header.e_ident[EI_CLASS] != ELFCLASS64) return ElfKind::kUnreadable;  // 32-bit: our 64-bit library cannot load
    if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum == 0 || header.e_phnum > 4096) return ElfKind::kUnreadable;
    std::vector<Elf64_Phdr> program_headers(header.e_phnum);
    in.seekg(static_cast<std::streamoff>(header.e_phoff));
    if (!in.read(reinterpret_cast<char*>(program_headers.data()), static_cast<std::streamsize>(header.e_phnum * sizeof(Elf64_Phdr))))
        return ElfKind::kUnreadable;
    for (const auto& ph : program_headers)
        if (ph.p_type == PT_INTERP) return ElfKind::kDynamic;
    return ElfKind::kStatic;
}

}  // namespace

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
