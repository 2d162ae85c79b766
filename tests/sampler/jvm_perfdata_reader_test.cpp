// Finding and reading a JVM's counter file through a fake /proc root: the pid in the JVM's own
// namespace, the confirmation in its maps, links and FIFOs planted in its /tmp, a file that goes bad
// after it was found, and the probing schedule.
#include "sampler/jvm_perfdata_reader.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runtime/perfdata_builder.hpp"

namespace leakscope::sampler {
namespace {

namespace fs = std::filesystem;
using Clock = JvmPerfDataReader::Clock;

class FakeJvm : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("leakscope-jvm-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root_);
        fs::create_directories(tmp());
        write(proc() / "status", "Name:\tjava\nState:\tS (sleeping)\nNSpid:\t4242\t7\n");
        write(proc() / "maps", "7f0000000000-7f0000008000 rw-s 00000000 00:2a 77 /tmp/hsperfdata_app/7\n");
    }
    void TearDown() override { fs::remove_all(root_); }

    fs::path proc() const { return root_ / "4242"; }
    fs::path tmp() const { return proc() / "root" / "tmp"; }
    static void write(const fs::path& path, const std::string& text) {
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << text;
    }
    void write_counters(const std::vector<std::uint8_t>& bytes, const std::string& dir = "hsperfdata_app") {
        write(tmp() / dir / "7", std::string(bytes.begin(), bytes.end()));
    }
    std::optional<runtime::JvmHeap> read(const std::string& comm = "java", Clock::time_point at = Clock::time_point{}) {
        return reader_.read(procfs_, 4242, comm, at);
    }

    fs::path root_;
    ProcFs procfs_{root_.string()};
    JvmPerfDataReader reader_;
};

TEST_F(FakeJvm, FindsTheFileByThePidInTheJvmsOwnNamespace) {
    procfs_ = ProcFs(root_.string());
    write_counters(runtime::testing::g1_counters(10 << 20, 30 << 20).build(32768));
    const auto heap = read();
    ASSERT_TRUE(heap) << reader_.last_error(4242);
    EXPECT_EQ(heap->heap_used, (10u << 20) + (1u << 20) + (30u << 20));
    EXPECT_EQ(heap->old_gen_used, 30u << 20);
    EXPECT_EQ(reader_.jvms(), 1u);
    // Every later sample reads the file again: the figures follow it.
    write_counters(runtime::testing::g1_counters(10 << 20, 50 << 20).build(32768));
    EXPECT_EQ(read()->old_gen_used, 50u << 20);
}

TEST_F(FakeJvm, AFileTheProcessDoesNotMapIsAStaleOneAndIgnored) {
    procfs_ = ProcFs(root_.string());
    write_counters(runtime::testing::g1_counters(1, 2).build(), "hsperfdata_other");
    EXPECT_FALSE(read());
    EXPECT_EQ(reader_.jvms(), 0u);
}

TEST_F(FakeJvm, LinksAndFifosPlantedInItsTmpAreNotFollowed) {
    procfs_ = ProcFs(root_.string());
    write(root_ / "secret", "not yours");
    fs::create_directories(tmp() / "hsperfdata_app");
    fs::create_symlink(root_ / "secret", tmp() / "hsperfdata_app" / "7");
    EXPECT_FALSE(read());
    fs::remove(tmp() / "hsperfdata_app" / "7");
    ASSERT_EQ(mkfifo((tmp() / "hsperfdata_app" / "7").c_str(), 0600), 0);
    EXPECT_FALSE(read("java", Clock::time_point{} + std::chrono::seconds(5)));  // would block if opened blocking
    fs::remove(tmp() / "hsperfdata_app" / "7");
    fs::remove_all(tmp() / "hsperfdata_app");
    fs::create_directory_symlink(root_, tmp() / "hsperfdata_app");
    EXPECT_FALSE(read("java", Clock::time_point{} + std::chrono::seconds(60)));
    EXPECT_EQ(reader_.jvms(), 0u);
}

TEST_F(FakeJvm, FiguresReadDuringACollectionsPauseAreLeftOut) {
    procfs_ = ProcFs(root_.string());
    write_counters(runtime::testing::g1_counters(1, 2).number("sun.gc.collector.0.lastEntryTime", 10).build(4096));
    EXPECT_FALSE(read());
    EXPECT_EQ(reader_.jvms(), 1u);
    EXPECT_EQ(reader_.last_error(4242), "");
    write_counters(runtime::testing::g1_counters(1, 2)
                       .number("sun.gc.collector.0.lastEntryTime", 10)
                       .number("sun.gc.collector.0.lastExitTime", 12)
                       .build(4096));
    EXPECT_TRUE(read());
}

TEST_F(FakeJvm, AFileThatGoesBadGivesNothingAndSaysWhy) {
    procfs_ = ProcFs(root_.string());
    write_counters(runtime::testing::g1_counters(1, 2).build(4096));
    ASSERT_TRUE(read());
    fs::resize_file(tmp() / "hsperfdata_app" / "7", 40);  // truncated under us: pread, so no fault
    EXPECT_FALSE(read());
    EXPECT_EQ(reader_.last_error(4242), "hsperfdata: claims 920 bytes used of the 40 read");
    write_counters(runtime::testing::g1_counters(1, 2).build(4096));
    EXPECT_TRUE(read());
    EXPECT_EQ(reader_.last_error(4242), "");
}

TEST_F(FakeJvm, AFileThatStaysBadCountsAsAnUnreadJvm) {
    procfs_ = ProcFs(root_.string());
    const Clock::time_point t0{};
    write_counters(runtime::testing::g1_counters(1, 2).build(4096));
    ASSERT_TRUE(read("java", t0));
    fs::resize_file(tmp() / "hsperfdata_app" / "7", 40);
    EXPECT_FALSE(read("java", t0 + std::chrono::seconds(1)));
    EXPECT_EQ(reader_.jvms_without_counters(), 0u);  // one bad read is a moment, not a JVM out of sight
    EXPECT_FALSE(read("java", t0 + std::chrono::milliseconds(2900)));
    EXPECT_EQ(reader_.jvms_without_counters(), 0u);
    EXPECT_FALSE(read("java", t0 + std::chrono::seconds(3)));
    EXPECT_EQ(reader_.jvms_without_counters(), 1u);
    EXPECT_EQ(reader_.jvms(), 1u);  // still its file: the tree's sum stays unknown, not short
    write_counters(runtime::testing::g1_counters(1, 2).build(4096));
    EXPECT_TRUE(read("java", t0 + std::chrono::seconds(4)));
    EXPECT_EQ(reader_.jvms_without_counters(), 0u);
}

TEST_F(FakeJvm, APauseThatNeverEndsCountsAsUnreadOnlyAfterALongCollectionsTime) {
    procfs_ = ProcFs(root_.string());
    const Clock::time_point t0{};
    write_counters(runtime::testing::g1_counters(1, 2).number("sun.gc.collector.1.lastEntryTime", 10).build(4096));
    EXPECT_FALSE(read("java", t0));
    EXPECT_FALSE(read("java", t0 + std::chrono::seconds(5)));  // a full collection of a big heap takes seconds
    EXPECT_EQ(reader_.jvms_without_counters(), 0u);
    EXPECT_FALSE(read("java", t0 + std::chrono::seconds(10)));
    EXPECT_EQ(reader_.jvms_without_counters(), 1u);
    EXPECT_EQ(reader_.last_error(4242), "");
}

TEST_F(FakeJvm, ANonJvmIsProbedAgainLaterOrAtOnceAfterAnExec) {
    procfs_ = ProcFs(root_.string());
    const Clock::time_point t0{};
    EXPECT_FALSE(read("bash", t0));
    write_counters(runtime::testing::g1_counters(1, 2).build());
    EXPECT_FALSE(read("bash", t0 + std::chrono::milliseconds(500)));  // not looked for again yet
    EXPECT_TRUE(read("bash", t0 + std::chrono::milliseconds(1000)));
    reader_.forget_except({});
    EXPECT_EQ(reader_.jvms(), 0u);
    fs::remove_all(tmp() / "hsperfdata_app");
    EXPECT_FALSE(read("bash", t0));
    write_counters(runtime::testing::g1_counters(1, 2).build());
    EXPECT_TRUE(read("java", t0 + std::chrono::milliseconds(100)));  // the name changed: an exec
}

TEST_F(FakeJvm, AJvmWithoutACounterFileIsCountedOnceItHadTimeToCreateOne) {
    procfs_ = ProcFs(root_.string());
    // -XX:-UsePerfData: libjvm.so mapped, no file in its /tmp.
    write(proc() / "maps", "7f0000000000-7f0000100000 r-xp 00000000 08:01 99 /usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so\n");
    const Clock::time_point t0{};
    EXPECT_FALSE(read("java", t0));
    EXPECT_EQ(reader_.jvms_without_counters(), 0u);  // it may be about to create its file
    EXPECT_FALSE(read("java", t0 + std::chrono::seconds(1)));
    EXPECT_EQ(reader_.jvms_without_counters(), 0u);
    EXPECT_FALSE(read("java", t0 + std::chrono::seconds(3)));
    EXPECT_EQ(reader_.jvms_without_counters(), 1u);
    // The file turns up later (and is mapped): the JVM is read, no longer counted as unread.
    write(proc() / "maps", "7f0000000000-7f0000100000 r-xp 00000000 08:01 99 /usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so\n"
                           "7f0000200000-7f0000208000 rw-s 00000000 00:2a 77 /tmp/hsperfdata_app/7\n");
    write_counters(runtime::testing::g1_counters(1, 2).build());
    EXPECT_TRUE(read("java", t0 + std::chrono::seconds(60)));
    EXPECT_EQ(reader_.jvms_without_counters(), 0u);
    EXPECT_EQ(reader_.jvms(), 1u);
}

TEST_F(FakeJvm, AProcessWithoutLibjvmIsNoUnreadJvm) {
    procfs_ = ProcFs(root_.string());
    write(proc() / "maps", "7f0000000000-7f0000100000 r-xp 00000000 08:01 99 /usr/lib/x86_64-linux-gnu/libjvmstat-helper.so\n"
                           "7f0000200000-7f0000300000 r-xp 00000000 08:01 98 /opt/libjvm.so.bak\n");
    for (int s : {0, 1, 3, 7, 15}) EXPECT_FALSE(read("java", Clock::time_point{} + std::chrono::seconds(s)));
    EXPECT_EQ(reader_.jvms_without_counters(), 0u);
}

TEST(MapsLibjvm, OnlyAMappingOfAFileNamedLibjvmSo) {
    EXPECT_TRUE(maps_libjvm("7f00-7f01 r-xp 0 08:01 9 /usr/lib/jvm/x/lib/server/libjvm.so\n"));
    EXPECT_TRUE(maps_libjvm("1-2 r--p 0 0:0 0 [heap]\n7f00-7f01 r-xp 0 08:01 9 /opt/jdk/lib/server/libjvm.so"));  // no final newline
    EXPECT_FALSE(maps_libjvm("7f00-7f01 r-xp 0 08:01 9 /usr/lib/libjvm.so.1\n"));
    EXPECT_FALSE(maps_libjvm(""));
}

TEST(InnermostNspid, IsTheLastPidOfTheLine) {
    EXPECT_EQ(parse_innermost_nspid("Name:\tx\nNSpid:\t4242\t7\nNSpgid:\t1\n"), 7);
    EXPECT_EQ(parse_innermost_nspid("Name:\tx\nNSpid:\t4242\n"), 4242);
    EXPECT_EQ(parse_innermost_nspid("Name:\tx\nPid:\t4242\n"), std::nullopt);
    EXPECT_EQ(parse_innermost_nspid("Name:\tx\nNSpid:\t42x\n"), std::nullopt);
}

}  // namespace
}  // namespace leakscope::sampler
