// The public enums print as the JSON report spells them: `std::cout << result.pattern` compiles and
// says "linear_growth" (it was a template error), and so do the other public enums.
#include <gtest/gtest.h>

#include <sstream>

#include "leakscope/cycles.hpp"
#include "leakscope/monitor.hpp"

namespace {

template <typename T>
std::string streamed(T value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

TEST(EnumText, PatternAndSeverityStreamAsTheReportSpellsThem) {
    EXPECT_EQ(streamed(leakscope::Pattern::linear_growth), "linear_growth");
    EXPECT_EQ(streamed(leakscope::Pattern::warmup_plateau), "warmup_plateau");
    EXPECT_EQ(streamed(leakscope::Severity::critical), "critical");
    EXPECT_EQ(leakscope::format_as(leakscope::Pattern::fragmentation), "fragmentation");
}

TEST(EnumText, HeapSourceAndFindingKindStream) {
    EXPECT_EQ(streamed(leakscope::HeapSource::mallinfo), "mallinfo");
    EXPECT_EQ(streamed(leakscope::HeapSource::automatic), "automatic");
    EXPECT_EQ(streamed(leakscope::FindingKind::rapid_growth), "rapid_growth");
}

TEST(EnumText, AResultFieldStreamsDirectly) {
    leakscope::CycleResult result;
    result.pattern = leakscope::Pattern::bounded_sawtooth;
    std::ostringstream out;
    out << "pattern " << result.pattern << ", severity " << result.severity;
    EXPECT_EQ(out.str(), "pattern bounded_sawtooth, severity none");
}

}  // namespace
