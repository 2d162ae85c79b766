// The tracker reads its settings from the raw environment block; bad values fall back to defaults.
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "config.hpp"

namespace leakscope::tracker {
namespace {

Config parse(const std::string& block) { return parse_config(block.data(), block.size()); }

TEST(TrackerConfig, ReadsAllVariables) {
    using namespace std::string_literals;
    Config c = parse("A=1\0LEAKSCOPE_TRACKER_SOCKET=/tmp/x.sock\0LEAKSCOPE_TRACKER_INTERVAL_MS=250\0"
                     "LEAKSCOPE_TRACKER_SAMPLE_BYTES=524288\0LEAKSCOPE_TRACKER_SITE_BYTES_PER_S=1000\0"s);
    EXPECT_TRUE(c.active);
    EXPECT_STREQ(c.socket_path, "/tmp/x.sock");
    EXPECT_EQ(c.interval_ms, 250u);
    EXPECT_EQ(c.sample_bytes, 524288u);
    EXPECT_EQ(c.site_bytes_per_s, 1000u);
}

TEST(TrackerConfig, InactiveWithoutSocketAndDefaultsForBadValues) {
    using namespace std::string_literals;
    Config c = parse("LEAKSCOPE_TRACKER_INTERVAL_MS=abc\0LEAKSCOPE_TRACKER_SAMPLE_BYTES=-5\0"
                     "LEAKSCOPE_TRACKER_SOCKETX=/nope\0LEAKSCOPE_TRACKER_SOCKET\0"s);
    EXPECT_FALSE(c.active);
    EXPECT_EQ(c.interval_ms, 100u);
    EXPECT_EQ(c.sample_bytes, 0u);
    Config too_long = parse("LEAKSCOPE_TRACKER_SOCKET=" + std::string(200, 'a') + '\0');
    EXPECT_FALSE(too_long.active) << "longer than sun_path: ignored rather than truncated";
    Config zero = parse(std::string("LEAKSCOPE_TRACKER_INTERVAL_MS=0\0", 32));
    EXPECT_EQ(zero.interval_ms, 100u);
    Config unterminated = parse("LEAKSCOPE_TRACKER_SOCKET=/tmp/y");
    EXPECT_FALSE(unterminated.active);
}

/// read_config_from on `block` written to a memory file, as /proc/self/environ would hand it out.
Config read_block(const std::string& block) {
    const int fd = memfd_create("environ", MFD_CLOEXEC);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, block.data(), block.size()), static_cast<ssize_t>(block.size()));
    lseek(fd, 0, SEEK_SET);
    Config c = read_config_from(fd);
    close(fd);
    return c;
}

TEST(TrackerConfig, EverySettingSurvivesAnEnvironmentReadInPieces) {
    // read_config scans the environment 16 KiB at a time and merges the pieces' settings; session 17's
    // LEAKSCOPE_TRACKER_SAMPLED_ON_BOUNDARY was parsed but never merged, so the tracker ignored it. Each
    // flag here sits once early and once past a 40 KiB variable, in a later piece.
    using namespace std::string_literals;
    const std::string flags = "LEAKSCOPE_TRACKER_CHECK_UNWIND=1\0LEAKSCOPE_TRACKER_SAMPLED_ON_BOUNDARY=1\0"s;
    const std::string settings = "LEAKSCOPE_TRACKER_SOCKET=/tmp/x.sock\0LEAKSCOPE_TRACKER_INTERVAL_MS=250\0"
                                 "LEAKSCOPE_TRACKER_SAMPLE_BYTES=524288\0LEAKSCOPE_TRACKER_SITE_BYTES_PER_S=1000\0"s;
    const std::string padding = "PADDING=" + std::string(40 * 1024, 'x') + '\0';
    for (const std::string& block : {settings + flags, "A=1\0"s + padding + settings + flags, flags + padding + settings}) {
        const Config c = read_block(block);
        EXPECT_TRUE(c.active);
        EXPECT_STREQ(c.socket_path, "/tmp/x.sock");
        EXPECT_EQ(c.interval_ms, 250u);
        EXPECT_EQ(c.sample_bytes, 524288u);
        EXPECT_EQ(c.site_bytes_per_s, 1000u);
        EXPECT_TRUE(c.check_unwind);
        EXPECT_TRUE(c.sampled_on_boundary);
    }
    EXPECT_FALSE(read_block(settings).sampled_on_boundary);
}

}  // namespace
}  // namespace leakscope::tracker
