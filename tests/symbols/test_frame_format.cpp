#include "symbols/frame_format.hpp"

#include <gtest/gtest.h>

namespace leakscope::symbols {
namespace {

TEST(SymbolsFrameFormat, ShortFileName) {
    EXPECT_EQ(short_file_name("/src/app/cache.cpp"), "cache.cpp");
    EXPECT_EQ(short_file_name("cache.cpp"), "cache.cpp");
    EXPECT_EQ(short_file_name("/usr/lib/"), "lib");
    EXPECT_EQ(short_file_name(""), "");
}

TEST(SymbolsFrameFormat, FileAndLineWhenKnownElseModuleAndOffset) {
    ResolvedFrame frame{"app::Cache::put(int)", "/src/app/cache.cpp", 42, "/opt/app/libapp.so", 0x1a2b, false};
    EXPECT_EQ(format_frame(frame), "app::Cache::put(int) (cache.cpp:42)");
    frame.line = 0;
    EXPECT_EQ(format_frame(frame), "app::Cache::put(int) (cache.cpp)");
    frame.file.clear();
    EXPECT_EQ(format_frame(frame), "app::Cache::put(int) (libapp.so+0x1a2b)");
    frame.function.clear();
    frame.module.clear();
    frame.module_offset = 0x7f0012345678;
    EXPECT_EQ(format_frame(frame), "?? (0x7f0012345678)");
}

}  // namespace
}  // namespace leakscope::symbols
