// The tracker reads its settings from the raw environment block; bad values fall back to defaults.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace leakscope::tracker
