// The hsperfdata parser on files built here (both byte orders), on two files captured from JDK 17
// (tests/data/hsperfdata/), and on every way a file can be cut short or lie about its layout.
#include "runtime/perfdata_file.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "perfdata_builder.hpp"

namespace leakscope::runtime {
namespace {

using testing::PerfFileBuilder;

std::vector<std::uint8_t> read_data_file(const std::string& name) {
    std::ifstream in(std::string(RUNTIME_TEST_DATA_DIR) + "/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const PerfCounter* find(const std::vector<PerfCounter>& counters, std::string_view name) {
    for (const auto& c : counters)
        if (c.name == name) return &c;
    return nullptr;
}

void put32(std::vector<std::uint8_t>& file, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) file[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
}

TEST(PerfDataFile, ReadsNumbersAndStringsInBothByteOrders) {
    for (const bool big : {false, true}) {
        const auto file = PerfFileBuilder(big).number("a.long", -5).number("b.big", 1LL << 40).text("c.text", "hello", 16).build(4096);
        std::vector<PerfCounter> counters;
        const auto result = parse_perfdata(file, counters);
        ASSERT_TRUE(result.ok()) << result.message;
        ASSERT_EQ(counters.size(), 3u);
        EXPECT_EQ(counters[0].name, "a.long");
        EXPECT_EQ(counters[0].number, -5);
        EXPECT_EQ(counters[1].number, 1LL << 40);
        EXPECT_EQ(counters[2].text, "hello");
        EXPECT_FALSE(counters[2].number);
        EXPECT_EQ(counters[0].units, static_cast<std::uint8_t>(PerfUnits::bytes));
    }
}

TEST(PerfDataFile, ReadsAFileWrittenByJdk17) {
    const auto file = read_data_file("jdk17_g1.hsperfdata");
    ASSERT_EQ(file.size(), 32768u);
    std::vector<PerfCounter> counters;
    const auto result = parse_perfdata(file, counters);
    ASSERT_TRUE(result.ok()) << result.message;
    EXPECT_EQ(counters.size(), 187u);  // the prologue's entry count
    ASSERT_TRUE(find(counters, "sun.gc.policy.name"));
    EXPECT_EQ(find(counters, "sun.gc.policy.name")->text, "GarbageFirst");
    ASSERT_TRUE(find(counters, "sun.gc.generation.1.capacity"));
    EXPECT_EQ(find(counters, "sun.gc.generation.1.capacity")->number, 377487368);
    EXPECT_EQ(find(counters, "sun.gc.generation.0.space.0.used")->number, 12582912);
}

TEST(PerfDataFile, EveryTruncationIsAnErrorOrAPrefixOfTheWhole) {
    // The bytes used are stated in the prologue: a file cut before them is an error, never a crash.
    const auto file = read_data_file("jdk17_g1.hsperfdata");
    std::vector<PerfCounter> counters;
    for (std::size_t n = 0; n < 12400; ++n) {
        const auto result = parse_perfdata(std::span(file).first(n), counters);
        ASSERT_FALSE(result.ok()) << n;
        EXPECT_FALSE(result.message.empty());
        EXPECT_TRUE(counters.empty());
    }
    EXPECT_TRUE(parse_perfdata(std::span(file).first(12400), counters).ok());
}

TEST(PerfDataFile, RefusesWhatIsNotAPerfDataFile) {
    std::vector<PerfCounter> counters;
    auto file = PerfFileBuilder().number("x", 1).build();
    auto broken = file;
    broken[0] = 'E';
    EXPECT_EQ(parse_perfdata(broken, counters).message, "hsperfdata: not a JVM performance-counter file (no CA FE C0 C0 magic)");
    broken = file, broken[4] = 7;
    EXPECT_EQ(parse_perfdata(broken, counters).message, "hsperfdata: unknown byte order 7");
    broken = file, broken[5] = 1;
    EXPECT_EQ(parse_perfdata(broken, counters).message, "hsperfdata: version 1.0 is not supported (only 2.x)");
    EXPECT_EQ(parse_perfdata(std::span(file).first(10), counters).message,
              "hsperfdata: too short: 10 bytes, the prologue alone is 32");
}

TEST(PerfDataFile, NotYetAccessibleIsNotReadyRatherThanMalformed) {
    auto file = PerfFileBuilder().number("x", 1).build();
    file[7] = 0;
    std::vector<PerfCounter> counters;
    EXPECT_EQ(parse_perfdata(file, counters).status, PerfDataResult::Status::not_ready);
}

TEST(PerfDataFile, LiesInThePrologueAreCaught) {
    const auto file = PerfFileBuilder().number("x", 1).number("y", 2).build(1024);
    std::vector<PerfCounter> counters;
    const auto with = [&](std::size_t at, std::uint32_t value) {
        auto broken = file;
        put32(broken, at, value);
        return parse_perfdata(broken, counters).message;
    };
    EXPECT_EQ(with(8, 5000), "hsperfdata: claims 5000 bytes used of the 1024 read");
    EXPECT_EQ(with(8, 0x80000000u), "hsperfdata: claims -2147483648 bytes used of the 1024 read");
    EXPECT_EQ(with(24, 4), "hsperfdata: first entry offset 4 is outside the 96 bytes used");
    EXPECT_EQ(with(28, 1000000), "hsperfdata: 1000000 entries cannot fit in 96 bytes");
    EXPECT_EQ(with(28, 0xffffffffu), "hsperfdata: -1 entries cannot fit in 96 bytes");
    // One entry more than written: its header would start at the end of the data.
    EXPECT_EQ(with(28, 3), "hsperfdata: entry 2 at byte 96: its header runs past the end of the data");
}

TEST(PerfDataFile, LiesInAnEntryAreCaughtWithoutLooping) {
    const auto file = PerfFileBuilder().number("first", 1).number("second", 2).build();
    std::vector<PerfCounter> counters;
    const auto with = [&](std::size_t at, std::uint32_t value) {
        auto broken = file;
        put32(broken, 32 + at, value);
        const auto result = parse_perfdata(broken, counters);
        EXPECT_TRUE(counters.empty());
        return result.message;
    };
    // A zero length would read the same entry forever in a trusting parser.
    EXPECT_EQ(with(0, 0), "hsperfdata: entry 0 at byte 32: length 0 is shorter than an entry header");
    EXPECT_EQ(with(0, 0x7fffffff), "hsperfdata: entry 0 at byte 32: length 2147483647 runs past the end of the data");
    EXPECT_EQ(with(4, 3), "hsperfdata: entry 0 at byte 32: name offset 3 is outside the entry");
    EXPECT_EQ(with(4, 40), "hsperfdata: entry 0 at byte 32: name offset 40 is outside the entry");
    EXPECT_EQ(with(8, 0xffffffffu), "hsperfdata: entry 0 at byte 32: negative vector length -1");
    EXPECT_EQ(with(16, 36), "hsperfdata: entry 0 at byte 32: its data (offset 36, 1 x 8 bytes) does not fit in its 40 bytes");
    EXPECT_EQ(with(8, 1000), "hsperfdata: entry 0 at byte 32: its data (offset 32, 1000 x 8 bytes) does not fit in its 40 bytes");
    auto unterminated = file;
    for (std::size_t i = 32 + 20; i < 32 + 40; ++i) unterminated[i] = 'n';
    EXPECT_EQ(parse_perfdata(unterminated, counters).message,
              "hsperfdata: entry 0 at byte 32: its name is not terminated inside the entry");
}

TEST(PerfDataFile, UnknownTypesKeepTheirNameWithoutAValue) {
    auto file = PerfFileBuilder().number("odd", 1).build();
    file[32 + 12] = 'V';
    std::vector<PerfCounter> counters;
    ASSERT_TRUE(parse_perfdata(file, counters).ok());
    ASSERT_EQ(counters.size(), 1u);
    EXPECT_EQ(counters[0].name, "odd");
    EXPECT_FALSE(counters[0].number);
}

}  // namespace
}  // namespace leakscope::runtime
