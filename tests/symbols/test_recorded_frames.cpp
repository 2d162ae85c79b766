#include "symbols/recorded_frames.hpp"

#include <gtest/gtest.h>

namespace leakscope::symbols {
namespace {

TEST(SymbolsRecordedFrames, ExpandsSymbolsAndPlacesMissingOnes) {
    Recording recording;
    Module app;
    app.start = 0x1000;
    app.end = 0x9000;
    app.load_bias = 0x1000;
    app.path = "/opt/app/service";
    recording.modules = {app};
    recording.symbols[{0, 0x1500}] = {ResolvedFrame{"inner", "a.cpp", 3, app.path, 0x500, true},
                                      ResolvedFrame{"outer", "a.cpp", 9, app.path, 0x500, false}};
    const Stack stack{StackId{1}, 0, {0x1500, 0x2000, 0xdead0000}};
    const auto frames = recorded_frames(recording, stack);
    ASSERT_EQ(frames.size(), 4u);
    EXPECT_EQ(frames[0].function, "inner");
    EXPECT_EQ(frames[1].function, "outer");
    EXPECT_EQ(frames[2].function, "??");
    EXPECT_EQ(frames[2].module, app.path);
    EXPECT_EQ(frames[2].module_offset, 0x1000u);
    EXPECT_EQ(frames[3].module, "");
    EXPECT_EQ(frames[3].module_offset, 0xdead0000u);
    // Symbols of another process do not leak into this one.
    const Stack other{StackId{2}, 1, {0x1500}};
    EXPECT_EQ(recorded_frames(recording, other).at(0).function, "??");
}

}  // namespace
}  // namespace leakscope::symbols
