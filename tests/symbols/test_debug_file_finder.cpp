#include "symbols/debug_file_finder.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "fixture_support.hpp"

namespace leakscope::symbols {
namespace {

const std::string kVariants = FIXTURE_VARIANTS_DIR;

std::string build_id() { return symbols_test::read_text(kVariants + "/build_id.txt"); }

TEST(SymbolsDebugFileFinder, Crc32MatchesTheStandardCheckValue) {
    const std::string text = "123456789";
    EXPECT_EQ(crc32_update(0, reinterpret_cast<const unsigned char*>(text.data()), text.size()), 0xcbf43926u);
}

TEST(SymbolsDebugFileFinder, FindsByBuildIdInTheFirstDirThatHasIt) {
    const DebugFileFinder finder({"/nonexistent", kVariants + "/debugroot"});
    const auto found = finder.find_by_build_id(build_id());
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(read_elf_build_id(*found), build_id());
    EXPECT_FALSE(DebugFileFinder({"/nonexistent"}).find_by_build_id(build_id()).has_value());
    EXPECT_FALSE(finder.find_by_build_id("not hex").has_value());
}

TEST(SymbolsDebugFileFinder, RejectsABuildIdPathHoldingAnotherBuild) {
    const auto root = std::filesystem::path(testing::TempDir()) / "symbols_wrong_build";
    std::filesystem::remove_all(root);
    const std::string id = build_id();
    const auto slot = root / ".build-id" / id.substr(0, 2);
    std::filesystem::create_directories(slot);
    // A debug file without (hence with another) build-id sits where this build's should be.
    std::filesystem::copy_file(kVariants + "/nobuildid/libsymbols_fixture.debug", slot / (id.substr(2) + ".debug"));
    EXPECT_FALSE(DebugFileFinder({root.string()}).find_by_build_id(id).has_value());
    std::filesystem::remove_all(root);
}

TEST(SymbolsDebugFileFinder, FollowsDebuglinkIntoTheDotDebugFolder) {
    const DebugFileFinder finder({});
    const std::string module = kVariants + "/debuglink/libsymbols_fixture.so";
    const auto found = finder.find_by_debuglink(module, "libsymbols_fixture.debug", 0, build_id());
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(std::filesystem::path(*found), std::filesystem::path(kVariants + "/debuglink/.debug/libsymbols_fixture.debug"));
    EXPECT_FALSE(finder.find_by_debuglink(module, "../escape.debug", 0, build_id()).has_value());
}

TEST(SymbolsDebugFileFinder, WithoutBuildIdsTheCrcDecides) {
    const DebugFileFinder finder({});
    const std::string good_debug = kVariants + "/nobuildid/libsymbols_fixture.debug";
    const auto crc = file_crc32(good_debug);
    ASSERT_TRUE(crc.has_value());
    EXPECT_TRUE(finder.find_by_debuglink(kVariants + "/nobuildid/libsymbols_fixture.so", "libsymbols_fixture.debug", *crc, "")
                    .has_value());
    // The same name next to the other copy, but its content changed after the link was made.
    EXPECT_FALSE(
        finder.find_by_debuglink(kVariants + "/nobuildid_badcrc/libsymbols_fixture.so", "libsymbols_fixture.debug", *crc, "")
            .has_value());
}

}  // namespace
}  // namespace leakscope::symbols
