#include "attach/elf_dynamic_symbol.hpp"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace leakscope::attach {
namespace {

template <typename T>
bool read_at(const std::vector<char>& file, std::uint64_t offset, T& out) {
    if (offset > file.size() || file.size() - offset < sizeof(T)) return false;
    std::memcpy(&out, file.data() + offset, sizeof(T));
    return true;
}

}  // namespace

std::optional<std::uint64_t> dynamic_symbol_value(const std::string& path, const std::string& name) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    const std::vector<char> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Elf64_Ehdr header{};
    if (!read_at(file, 0, header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
        header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_shentsize != sizeof(Elf64_Shdr))
        return std::nullopt;
    for (unsigned i = 0; i < header.e_shnum; ++i) {
        Elf64_Shdr symbols{}, strings{};
        if (!read_at(file, header.e_shoff + i * sizeof(Elf64_Shdr), symbols) || symbols.sh_type != SHT_DYNSYM) continue;
        if (!read_at(file, header.e_shoff + symbols.sh_link * sizeof(Elf64_Shdr), strings)) return std::nullopt;
        for (std::uint64_t s = 0; s + sizeof(Elf64_Sym) <= symbols.sh_size; s += sizeof(Elf64_Sym)) {
            Elf64_Sym symbol{};
            if (!read_at(file, symbols.sh_offset + s, symbol)) break;
            if (symbol.st_shndx == SHN_UNDEF || ELF64_ST_TYPE(symbol.st_info) != STT_FUNC || symbol.st_name >= strings.sh_size)
                continue;
            const char* text = file.data() + strings.sh_offset + symbol.st_name;
            const std::size_t room = strings.sh_size - symbol.st_name;
            if (strnlen(text, room) == name.size() && std::memcmp(text, name.data(), name.size()) == 0) return symbol.st_value;
        }
    }
    return std::nullopt;
}

}  // namespace leakscope::attach
