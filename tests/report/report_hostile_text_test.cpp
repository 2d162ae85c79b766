// Text a program or a crafted recording controls, in every report: invalid UTF-8 and names cut in
// the middle of a character still give valid output (issue 16, item 8); Markdown and the terminal
// cannot be made to show markup or obey escape sequences (item 4); absurd times (item 9).
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "report/csv_series.hpp"
#include "report/folded_stacks.hpp"
#include "report/html_report.hpp"
#include "report/json_report.hpp"
#include "report/markdown_report.hpp"
#include "report/report_facts.hpp"
#include "report/terminal_summary.hpp"
#include "report_fixtures.hpp"
#include "util/terminal_text.hpp"
#include "util/utf8_text.hpp"

namespace leakscope::report {
namespace {

using testing::Example;

TEST(Utf8Text, InvalidSequencesBecomeReplacementCharacters) {
    EXPECT_EQ(util::valid_utf8("plain"), "plain");
    EXPECT_EQ(util::valid_utf8("caf\xC3\xA9"), "caf\xC3\xA9");
    EXPECT_EQ(util::valid_utf8("\xff\xfe"), "\uFFFD\uFFFD");
    EXPECT_EQ(util::valid_utf8("a\xC3"), "a\uFFFD") << "cut short";
    EXPECT_EQ(util::valid_utf8("\xC0\xAF"), "\uFFFD\uFFFD") << "overlong '/'";
    EXPECT_EQ(util::valid_utf8("\xED\xA0\x80"), "\uFFFD\uFFFD\uFFFD") << "a UTF-16 surrogate";
    EXPECT_EQ(util::valid_utf8("\xF4\x90\x80\x80"), "\uFFFD\uFFFD\uFFFD\uFFFD") << "beyond U+10FFFF";
    EXPECT_EQ(util::valid_utf8("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
    EXPECT_TRUE(util::is_valid_utf8(util::valid_utf8("\x80zz\xE2\x82")));
}

TEST(Utf8Text, TruncationKeepsWholeCharacters) {
    const std::string cafes = "caf\xC3\xA9::caf\xC3\xA9::caf\xC3\xA9";  // 17 characters, 20 bytes
    EXPECT_EQ(util::truncate_utf8(cafes, 17), cafes);
    EXPECT_EQ(util::truncate_utf8(cafes, 5), "caf\xC3\xA9\u2026");
    EXPECT_EQ(util::truncate_utf8(cafes, 4), "caf\u2026");
    EXPECT_EQ(util::truncate_utf8("\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC", 2), "\xE2\x82\xAC\u2026");
    EXPECT_EQ(util::truncate_utf8("abc", 0), "");
    for (std::size_t n = 0; n < 25; ++n) EXPECT_TRUE(util::is_valid_utf8(util::truncate_utf8(cafes, n))) << n;
}

TEST(TerminalText, ControlCharactersAreShownNotObeyed) {
    EXPECT_EQ(util::terminal_text("\x1b]0;owned\x07title"), "\\x1b]0;owned\\x07title");
    EXPECT_EQ(util::terminal_text("a\nb\rc"), "a\\x0ab\\x0dc");
    EXPECT_EQ(util::terminal_text("\xC2\x9B" "31m"), "\\u009b31m") << "C1 CSI";
    EXPECT_EQ(util::terminal_text("\xC3\xA9\xff"), "\xC3\xA9\uFFFD");
}

/// The leak example with names that are not UTF-8, names whose 48th character is multi-byte, and
/// text that would be markup or terminal control in the wrong place.
Example hostile_text_example() {
    Example e = testing::linear_leak_example();
    e.recording.info.command = {"./svc", "\xff\xfe", "`<b>bold</b>` | x", "\x1b[2J\x1b]0;pwned\x07"};
    e.recording.info.hostname = "host\xC3";
    e.recording.warnings = {"<script>alert(1)</script> *em* [link](http://x) \x1b[31mred\x1b[0m", "\xff"};
    std::string long_name;
    for (int i = 0; i < 30; ++i) long_name += "\xC3\xA9";  // 'é' x 30: byte 48 is inside a character
    e.analysis.sites[0].function = long_name + "::run()";
    e.analysis.sites[1].function = "bad\xff\xfename`` ```";
    e.analysis.sites[1].frames = {"frame with ``` fence", "\x1b[1Aup"};
    e.analysis.sites[2].file = std::string("src/\xE2\x82", 6) + ".cpp";
    for (auto& [key, frames] : e.recording.symbols)
        for (auto& frame : frames) frame.function = "f\xff" + frame.function;
    return e;
}

TEST(ReportHostileText, EveryFormatIsValidUtf8) {
    const Example e = hostile_text_example();
    std::ostringstream json, html, markdown, folded, csv;
    ASSERT_NO_THROW(write_json(json, e.recording, e.analysis));
    write_html(html, e.recording, e.analysis);
    write_markdown(markdown, e.recording, e.analysis);
    write_folded(folded, e.recording, e.analysis);
    write_csv(csv, e.recording, e.analysis);
    for (const auto* text : {&json, &html, &markdown, &folded, &csv})
        EXPECT_TRUE(util::is_valid_utf8(text->str())) << text->str().substr(0, 400);
    const auto report = nlohmann::json::parse(json.str());
    EXPECT_NE(report.dump().find("\xEF\xBF\xBD"), std::string::npos) << "the invalid bytes show as U+FFFD";
}

TEST(ReportHostileText, MarkdownShowsProgramTextAsText) {
    const Example e = hostile_text_example();
    std::ostringstream out;
    write_markdown(out, e.recording, e.analysis);
    const std::string md = out.str();
    // Outside code spans and fences, every markup character of program text is escaped; inside a
    // code span nothing is markup, so the argv's <b> stays literal there.
    EXPECT_NE(md.find("- \\<script\\>alert(1)\\</script\\> \\*em\\* \\[link\\](http://x)"), std::string::npos) << md;
    EXPECT_NE(md.find("Command: ``./svc \uFFFD\uFFFD '`<b>bold</b>` \\| x'"), std::string::npos) << "argv as one code span:\n" << md;
    EXPECT_NE(md.find("\n````\n"), std::string::npos) << "a fence longer than the ``` inside a frame";
    EXPECT_EQ(md.find('\x1b'), std::string::npos);
}

TEST(ReportHostileText, TerminalSummaryShowsEscapesInsteadOfObeyingThem) {
    Example e = hostile_text_example();
    e.analysis.process.verdict.summary = "grows in \x1b[2J\x1b]0;pwned\x07 at 1 MB/h";
    e.analysis.sites[0].function = "name\x1b[8mhidden";
    const std::string text = testing::terminal_text(e, /*color=*/false, "rec\x1b[1A.lks");
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
    EXPECT_EQ(text.find('\x07'), std::string::npos);
    EXPECT_NE(text.find("name\\x1b[8mhidden"), std::string::npos) << text;
    EXPECT_NE(text.find("rec\\x1b[1A.lks"), std::string::npos) << text;
}

TEST(ReportHostileText, AnAbsurdStartTimeIsLeftOutNotPrintedAsGarbage) {
    Example e = testing::linear_leak_example();
    for (double start : {1e300, 9.3e18, 253402300800.0}) {
        e.recording.info.start_unix_s = start;
        for (const auto& fact : run_facts(e.recording, e.analysis)) EXPECT_NE(fact.label, "Started") << fact.value;
    }
    e.recording.info.start_unix_s = 1700000000;
    bool started = false;
    for (const auto& fact : run_facts(e.recording, e.analysis))
        if (fact.label == "Started") started = fact.value == "2023-11-14 22:13:20 UTC";
    EXPECT_TRUE(started);
}

}  // namespace
}  // namespace leakscope::report
