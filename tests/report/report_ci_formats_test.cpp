// The CI writers on the fixture examples: JUnit, SARIF, GitHub workflow commands, and the pprof profile
// read back with the protobuf library (the same generated code, parsing what the writer wrote).
#include <gtest/gtest.h>

#include <google/protobuf/io/gzip_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <set>
#include <sstream>

#include "pprof_profile.pb.h"
#include "report/github_annotations.hpp"
#include "report/junit_report.hpp"
#include "report/pprof_report.hpp"
#include "report/report_facts.hpp"
#include "report/sarif_report.hpp"
#include "report_fixtures.hpp"

namespace leakscope::report {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

TEST(JUnitReport, ALeakIsAFailedCaseWithTheRateAsProperties) {
    const auto e = testing::linear_leak_example();
    std::ostringstream out;
    write_junit(out, e.recording, e.analysis);
    const std::string xml = out.str();
    EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u);
    EXPECT_NE(xml.find("<testsuite name=\"leakscope\" tests=\"1\" failures=\"1\""), std::string::npos) << xml;
    EXPECT_EQ(count(xml, "<testcase "), 1u);
    EXPECT_EQ(count(xml, "<failure "), 1u);
    EXPECT_NE(xml.find("<property name=\"steady_rate_bytes_per_s\""), std::string::npos);
    EXPECT_NE(xml.find("<property name=\"rate_ci_low_bytes_per_s\""), std::string::npos);
    EXPECT_NE(xml.find("<property name=\"rate_ci_high_bytes_per_s\""), std::string::npos);
    EXPECT_NE(xml.find("<property name=\"sampling_interval_s\""), std::string::npos);
}

TEST(JUnitReport, NoLeakPassesAndTooLittleDataIsSkipped) {
    auto warmup = testing::warmup_example();
    std::ostringstream pass;
    write_junit(pass, warmup.recording, warmup.analysis);
    EXPECT_EQ(count(pass.str(), "<failure"), 0u);
    EXPECT_EQ(count(pass.str(), "<skipped"), 0u);
    auto short_run = testing::untracked_example();
    std::ostringstream skipped;
    write_junit(skipped, short_run.recording, short_run.analysis);
    EXPECT_EQ(count(skipped.str(), "<skipped message="), 1u) << skipped.str();
    EXPECT_NE(skipped.str().find("skipped=\"1\""), std::string::npos);
}

TEST(JUnitReport, HostileTextIsEscapedAndControlCharactersReplaced) {
    auto e = testing::linear_leak_example();
    e.recording.info.command = {"./svc", "--name=<a href=\"x\">&'", std::string("bell\x01\x1b")};
    std::ostringstream out;
    write_junit(out, e.recording, e.analysis);
    const std::string xml = out.str();
    EXPECT_NE(xml.find("&lt;a href=&quot;x&quot;&gt;&amp;&apos;"), std::string::npos) << xml;
    EXPECT_EQ(xml.find('\x01'), std::string::npos);
    EXPECT_EQ(xml.find('\x1b'), std::string::npos);
}

TEST(SarifReport, OneResultPerLeakingSiteWithLocationAndStack) {
    const auto e = testing::linear_leak_example();
    const auto sarif = make_sarif(e.recording, e.analysis, "/opt/svc");
    EXPECT_EQ(sarif["version"], "2.1.0");
    const auto& run = sarif["runs"][0];
    EXPECT_EQ(run["tool"]["driver"]["name"], "leakscope");
    const auto leaking = leaking_sites(e.analysis);
    ASSERT_FALSE(leaking.empty());
    ASSERT_EQ(run["results"].size(), leaking.size());
    const auto& first = run["results"][0];
    EXPECT_EQ(first["ruleId"], run["tool"]["driver"]["rules"][first["ruleIndex"].get<int>()]["id"]);
    const auto& region = first["locations"][0]["physicalLocation"]["region"];
    EXPECT_EQ(region["startLine"], *leaking.front()->line);
    EXPECT_FALSE(first["codeFlows"][0]["threadFlows"][0]["locations"].empty());
    EXPECT_TRUE(first["message"]["text"].get<std::string>().find(leaking.front()->function) != std::string::npos);
}

TEST(SarifReport, AProcessLeakWithoutSitesIsOneResultWithoutLocation) {
    auto e = testing::linear_leak_example();
    e.analysis.sites.clear();
    const auto sarif = make_sarif(e.recording, e.analysis, "");
    ASSERT_EQ(sarif["runs"][0]["results"].size(), 1u);
    EXPECT_EQ(sarif["runs"][0]["results"][0]["ruleId"], "leakscope/process-leak");
    EXPECT_FALSE(sarif["runs"][0]["results"][0].contains("locations"));
}

TEST(SarifReport, ASitesFingerprintDoesNotDependOnItsProcess) {
    // Rows of the same code in several processes say which (pid 4242 ...); a pid changes from run to
    // run, and code scanning matches results across runs by this fingerprint.
    auto e = testing::linear_leak_example();
    const auto before = make_sarif(e.recording, e.analysis, "/opt/svc");
    for (auto& site : e.analysis.sites) site.in_process = "pid 4242 (svc)";
    const auto after = make_sarif(e.recording, e.analysis, "/opt/svc");
    ASSERT_FALSE(before["runs"][0]["results"].empty());
    EXPECT_EQ(after["runs"][0]["results"][0]["partialFingerprints"], before["runs"][0]["results"][0]["partialFingerprints"]);
}

TEST(GithubAnnotations, ErrorsAtSitesAndTheVerdict) {
    auto e = testing::linear_leak_example();
    for (auto& site : e.analysis.sites)
        if (site.file) site.file = "/home/ci/work/" + *site.file;
    std::ostringstream out;
    write_github_annotations(out, e.recording, e.analysis, "/home/ci/work");
    const std::string text = out.str();
    const auto leaking = leaking_sites(e.analysis);
    EXPECT_EQ(count(text, "::error file="), leaking.size()) << text;
    const std::string relative = leaking.front()->file->substr(std::string("/home/ci/work/").size());
    EXPECT_NE(text.find("::error file=" + relative + ",line=" + std::to_string(*leaking.front()->line) + ","),
              std::string::npos)
        << text;
    EXPECT_EQ(count(text, "\n"), leaking.size() + 1) << "one line each: messages carry no raw newline";
}

TEST(GithubAnnotations, WorkflowCommandEscaping) {
    EXPECT_EQ(github_escape_message("50% done\nnext\r"), "50%25 done%0Anext%0D");
    EXPECT_EQ(github_escape_property("a:b,c%"), "a%3Ab%2Cc%25");
}

pprof::Profile read_profile(const std::string& bytes) {
    google::protobuf::io::ArrayInputStream raw(bytes.data(), static_cast<int>(bytes.size()));
    google::protobuf::io::GzipInputStream gzip(&raw, google::protobuf::io::GzipInputStream::GZIP);
    pprof::Profile profile;
    EXPECT_TRUE(profile.ParseFromZeroCopyStream(&gzip));
    return profile;
}

TEST(PprofReport, TheProfileParsesBackWithConsistentTables) {
    const auto e = testing::linear_leak_example();
    std::ostringstream out;
    write_pprof(out, e.recording, e.analysis);
    const std::string bytes = out.str();
    ASSERT_GE(bytes.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x1f);  // gzip magic
    EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0x8b);
    const auto profile = read_profile(bytes);
    ASSERT_GT(profile.string_table_size(), 0);
    EXPECT_EQ(profile.string_table(0), "");
    std::vector<std::string> types;
    for (const auto& type : profile.sample_type()) types.push_back(profile.string_table(static_cast<int>(type.type())));
    EXPECT_EQ(types, (std::vector<std::string>{"alloc_objects", "alloc_space", "inuse_objects", "inuse_space", "growth_space"}));
    EXPECT_EQ(profile.string_table(static_cast<int>(profile.default_sample_type())), "inuse_space");

    std::set<std::uint64_t> locations, functions;
    for (const auto& function : profile.function()) functions.insert(function.id());
    for (const auto& location : profile.location()) {
        locations.insert(location.id());
        EXPECT_GT(location.line_size(), 0);
        for (const auto& line : location.line()) EXPECT_TRUE(functions.count(line.function_id()));
    }
    ASSERT_EQ(static_cast<std::size_t>(profile.sample_size()), e.recording.sites.sites.size());
    double inuse = 0, growth = 0;
    for (const auto& sample : profile.sample()) {
        EXPECT_EQ(sample.value_size(), profile.sample_type_size());
        EXPECT_GT(sample.location_id_size(), 0);
        for (auto id : sample.location_id()) EXPECT_TRUE(locations.count(id));
        inuse += static_cast<double>(sample.value(3));
        growth += static_cast<double>(sample.value(4));
    }
    // inuse is the grid's last column; growth is measured from the column where steady state began
    double last = 0, at_steady = 0;
    const auto& grid = e.recording.sites;
    std::size_t steady = 0;
    while (steady + 1 < grid.t_s.size() && grid.t_s[steady] < e.analysis.process.verdict.warmup_end_s) ++steady;
    for (const auto& site : grid.sites) {
        last += static_cast<double>(site.live_bytes.back());
        at_steady += static_cast<double>(site.live_bytes[steady]);
    }
    EXPECT_DOUBLE_EQ(inuse, last);
    EXPECT_DOUBLE_EQ(growth, last - at_steady);
    EXPECT_GT(growth, 0);
}

}  // namespace
}  // namespace leakscope::report
