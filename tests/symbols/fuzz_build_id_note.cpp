// Fuzz target for the ELF note parser and the build-id string check (src/symbols/elf_notes.hpp).
// First byte: alignment selector; the rest: note bytes. Every parsed id must be valid lowercase hex.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "symbols/elf_notes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace leakscope::symbols;
    if (size == 0) return 0;
    const std::size_t alignment = (data[0] & 1) ? 8 : 4;
    const std::span<const std::uint8_t> notes(data + 1, size - 1);
    if (auto id = parse_gnu_build_id(notes, alignment)) {
        // A parsed id is hex of the descriptor: even length, inside the input, accepted as a build-id
        // whenever it is long enough for a debug path.
        if (id->size() % 2 != 0 || id->size() / 2 > notes.size()) std::abort();
        if (id->size() >= 4 && normalize_build_id(*id) != id) std::abort();
    }
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto normalized = normalize_build_id(text)) {
        if (normalized->size() != size) std::abort();
        (void)build_id_debug_path("/usr/lib/debug", *normalized);
    }
    return 0;
}
