// A level that falls after its warm-up, beyond doubt (the rate's whole interval below zero), is said to
// drift down: in the summary, the headline and the Trend row, as the rate tile beside them already counted it.
// The summary used to call it "flat (-147 MB/h, not significant)".
#include <gtest/gtest.h>

#include <string>

#include "analysis/analysis.hpp"
#include "recording/recording_reader.hpp"
#include "report/report_facts.hpp"
#include "report_fixtures.hpp"

namespace leakscope::report {
namespace {

using testing::fact_value;

TEST(FallingLevel, AFallBeyondDoubtIsSaidInEveryPlace) {
    // examples/patterns/c_jemalloc_broker_flat.c under --no-track (session 29's corpus run): jemalloc's
    // RSS 35.0 MB after the warm-up, then down at -147 MB/h (95% CI -263 to -25.9 MB/h) as it purged.
    const Recording recording =
        recording::read_recording(std::string(LEAKSCOPE_RECORDINGS_DIR) + "/c_jemalloc_broker_flat_no_track.lks");
    const analysis::Analysis analysis = analysis::analyze(recording, {});
    const diagnosis::Diagnosis& v = analysis.process.verdict;
    ASSERT_FALSE(v.leak);
    ASSERT_LT(v.rate_ci_high_bytes_per_s, 0) << "the recording's fall is beyond doubt";
    EXPECT_EQ(v.summary.find("not significant"), std::string::npos) << v.summary;
    EXPECT_NE(v.summary.find("then drifting down, -"), std::string::npos) << v.summary;
    EXPECT_NE(v.summary.find("no leak"), std::string::npos) << v.summary;
    const std::string headline = verdict_headline(analysis);
    EXPECT_NE(headline.find("then the RSS drifts down"), std::string::npos) << headline;
    // The rank test on the same readings does not see a steady trend (p 0.41): the row says both.
    const std::string trend = fact_value(verdict_facts(recording, analysis), "Trend");
    EXPECT_EQ(trend.rfind("significant by the rate's interval; Mann-Kendall p = ", 0), 0u) << trend;
}

}  // namespace
}  // namespace leakscope::report
