// The scope index must name exactly what libdw's own dwarf_getscopes walk names, at every address.
#include "symbols/scope_index.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <random>

#include "fixture_support.hpp"
#include "symbols/elf_module.hpp"

namespace leakscope::symbols {
namespace {

struct CodeRange {
    std::uint64_t start = 0, end = 0;
};

// The executable segment's ELF virtual addresses.
CodeRange code_range(const std::string& path) {
    CodeRange range;
    elf_version(EV_CURRENT);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return range;
    if (Elf* elf = elf_begin(fd, ELF_C_READ, nullptr)) {
        std::size_t count = 0;
        elf_getphdrnum(elf, &count);
        for (std::size_t i = 0; i < count; ++i) {
            GElf_Phdr header;
            if (gelf_getphdr(elf, static_cast<int>(i), &header) != nullptr && header.p_type == PT_LOAD &&
                (header.p_flags & PF_X)) {
                range = {header.p_vaddr, header.p_vaddr + header.p_memsz};
            }
        }
        elf_end(elf);
    }
    ::close(fd);
    return range;
}

// Compares the two lookups at `pcs`; returns how many addresses had inlined frames.
int expect_same_frames(ElfModule& module, const std::vector<std::uint64_t>& pcs) {
    int with_inlines = 0;
    for (std::uint64_t pc : pcs) {
        const auto indexed = module.lookup(pc);
        const auto reference = module.lookup_reference(pc);
        with_inlines += indexed.size() > 1;
        if (indexed.size() != reference.size()) {
            ADD_FAILURE() << std::hex << "pc 0x" << pc << ": " << indexed.size() << " frames, dwarf_getscopes gives "
                          << reference.size() << " (innermost " << indexed[0].function << " vs "
                          << reference[0].function << ")";
            return with_inlines;
        }
        for (std::size_t i = 0; i < indexed.size(); ++i) {
            EXPECT_EQ(indexed[i].function, reference[i].function) << std::hex << "pc 0x" << pc << " frame " << i;
            EXPECT_EQ(indexed[i].file, reference[i].file) << std::hex << "pc 0x" << pc << " frame " << i;
            EXPECT_EQ(indexed[i].line, reference[i].line) << std::hex << "pc 0x" << pc << " frame " << i;
            EXPECT_EQ(indexed[i].inlined, reference[i].inlined) << std::hex << "pc 0x" << pc << " frame " << i;
        }
        if (testing::Test::HasFailure()) return with_inlines;  // one address's report is enough
    }
    return with_inlines;
}

std::vector<std::uint64_t> every_byte(const CodeRange& range) {
    std::vector<std::uint64_t> pcs;
    for (std::uint64_t pc = range.start; pc < range.end; ++pc) pcs.push_back(pc);
    return pcs;
}

TEST(SymbolsScopeIndex, AgreesWithDwarfGetscopesOnEveryFixtureAddress) {
    const DebugFileFinder finder({});
    for (const char* path : {FIXTURE_LIB_PATH, FIXTURE_PROG_PATH}) {
        std::string problem;
        auto module = ElfModule::open(path, "", finder, problem);
        ASSERT_NE(module, nullptr) << problem;
        const CodeRange range = code_range(path);
        ASSERT_LT(range.start, range.end) << path;
        EXPECT_GT(expect_same_frames(*module, every_byte(range)), 0) << "no inlined code found in " << path;
    }
}

TEST(SymbolsScopeIndex, AgreesWithDwarfGetscopesInLibc) {
    const auto libc = symbols_test::loaded_modules("libc.so.6");
    ASSERT_FALSE(libc.empty());
    const DebugFileFinder finder({"/usr/lib/debug"});
    const auto build_id = read_elf_build_id(libc[0].path);
    if (!build_id || !finder.find_by_build_id(*build_id)) GTEST_SKIP() << "no debug file for libc (libc6-dbg)";
    std::string problem;
    auto module = ElfModule::open(libc[0].path, *build_id, finder, problem);
    ASSERT_NE(module, nullptr) << problem;
    const CodeRange range = code_range(libc[0].path);
    std::mt19937_64 rng(7);
    std::vector<std::uint64_t> pcs(3000);
    for (auto& pc : pcs) pc = range.start + rng() % (range.end - range.start);
    EXPECT_GT(expect_same_frames(*module, pcs), 0);
}

}  // namespace
}  // namespace leakscope::symbols
