#include "symbols/elf_notes.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "fixture_support.hpp"
#include "symbols/debug_file_finder.hpp"

namespace leakscope::symbols {
namespace {

// Appends one ELF note: header, name padded to 4, descriptor padded to `alignment`.
void add_note(std::vector<std::uint8_t>& bytes, const std::string& owner, std::uint32_t type,
              const std::vector<std::uint8_t>& desc, std::size_t alignment = 4) {
    auto word = [&](std::uint32_t value) {
        std::uint8_t raw[4];
        std::memcpy(raw, &value, 4);
        bytes.insert(bytes.end(), raw, raw + 4);
    };
    word(static_cast<std::uint32_t>(owner.size() + 1));
    word(static_cast<std::uint32_t>(desc.size()));
    word(type);
    bytes.insert(bytes.end(), owner.begin(), owner.end());
    bytes.push_back(0);
    while (bytes.size() % 4 != 0) bytes.push_back(0);
    while (bytes.size() % alignment != 0) bytes.push_back(0);
    bytes.insert(bytes.end(), desc.begin(), desc.end());
    while (bytes.size() % alignment != 0) bytes.push_back(0);
}

constexpr std::uint32_t kBuildId = 3;
constexpr std::uint32_t kAbiTag = 1;

TEST(SymbolsElfNotes, FindsTheBuildIdAfterOtherNotes) {
    std::vector<std::uint8_t> bytes;
    add_note(bytes, "GNU", kAbiTag, {0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0});
    add_note(bytes, "Go", kBuildId, {0xff, 0xff, 0xff, 0xff});  // right type, other owner: not ours
    add_note(bytes, "GNU", kBuildId, {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02});
    EXPECT_EQ(parse_gnu_build_id(bytes), "deadbeef0102");
}

TEST(SymbolsElfNotes, HonoursEightByteAlignment) {
    std::vector<std::uint8_t> bytes;
    // A 3-byte descriptor ends off the 8-byte grid: the next note starts only after the padding.
    add_note(bytes, "GNU", 5, {1, 2, 3}, 8);
    add_note(bytes, "GNU", kBuildId, {0xab, 0xcd}, 8);
    EXPECT_EQ(parse_gnu_build_id(bytes, 8), "abcd");
    // Read with 4-byte alignment, the same bytes are misparsed and must not yield this id.
    EXPECT_NE(parse_gnu_build_id(bytes, 4), std::optional<std::string>("abcd"));
}

TEST(SymbolsElfNotes, RejectsMalformedNotes) {
    std::vector<std::uint8_t> bytes;
    add_note(bytes, "GNU", kBuildId, {1, 2, 3, 4, 5, 6, 7, 8});
    // Cut into the descriptor: the size in the header now points past the end.
    EXPECT_FALSE(parse_gnu_build_id(std::span(bytes).first(bytes.size() - 3)).has_value());
    EXPECT_FALSE(parse_gnu_build_id({}).has_value());
    std::vector<std::uint8_t> huge_name = bytes;
    huge_name[0] = 0xff;
    huge_name[1] = 0xff;
    huge_name[2] = 0xff;
    huge_name[3] = 0xff;
    EXPECT_FALSE(parse_gnu_build_id(huge_name).has_value());
    std::vector<std::uint8_t> empty_desc;
    add_note(empty_desc, "GNU", kBuildId, {});
    EXPECT_FALSE(parse_gnu_build_id(empty_desc).has_value());
}

TEST(SymbolsElfNotes, NormalizesBuildIdStrings) {
    EXPECT_EQ(normalize_build_id("DeadBEEF"), "deadbeef");
    EXPECT_FALSE(normalize_build_id("abc").has_value());      // odd
    EXPECT_FALSE(normalize_build_id("ab").has_value());       // too short for xx/rest
    EXPECT_FALSE(normalize_build_id("abcg").has_value());     // not hex
    EXPECT_FALSE(normalize_build_id("ab/../cd").has_value());  // never a path
    EXPECT_EQ(build_id_debug_path("/usr/lib/debug", "abcdef"), "/usr/lib/debug/.build-id/ab/cdef.debug");
    EXPECT_EQ(build_id_debug_path("/d/", "abcdef"), "/d/.build-id/ab/cdef.debug");
}

TEST(SymbolsElfNotes, ReadsTheSameBuildIdAsReadelf) {
    const std::string variants = FIXTURE_VARIANTS_DIR;
    const std::string expected = symbols_test::read_text(variants + "/build_id.txt");
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(read_elf_build_id(FIXTURE_LIB_PATH), expected);
    EXPECT_EQ(read_elf_build_id(variants + "/stripped_all/libsymbols_fixture.so"), expected);
    EXPECT_FALSE(read_elf_build_id(variants + "/nobuildid/libsymbols_fixture.so").has_value());
    EXPECT_FALSE(read_elf_build_id(FIXTURE_LIB_SOURCE).has_value());  // not an ELF file
    EXPECT_FALSE(read_elf_build_id("/nonexistent/libgone.so").has_value());
}

}  // namespace
}  // namespace leakscope::symbols
