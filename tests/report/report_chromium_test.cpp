// Renders every example's HTML report in headless Chromium (Debian's package): the page must load
// without console errors, its script must run to the end, and its charts must have their elements.
// A screenshot per example is kept in build/tests/artifacts/ for a person to look at.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "report/content_security.hpp"
#include "report/html_report.hpp"
#include "report_fixtures.hpp"

namespace leakscope::report {
namespace {

namespace fs = std::filesystem;
using testing::Example;

/// Debian's Chromium; LEAKSCOPE_CHROMIUM overrides it (a missing path exercises the skip).
const std::string& chromium_path() {
    static const std::string path = [] {
        const char* override_path = std::getenv("LEAKSCOPE_CHROMIUM");
        return std::string(override_path && *override_path ? override_path : "/usr/bin/chromium");
    }();
    return path;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

std::string quoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

/// The flags the issue asks for: no GPU, no sandbox (root in CI), nothing that talks to the network,
/// a fresh profile per launch.
std::string chromium(const fs::path& profile, const std::string& action) {
    return std::string("timeout 120 ") + quoted(chromium_path()) +
           " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking"
           " --disable-component-update --disable-sync --user-data-dir=" + quoted(profile.string()) + " " + action;
}

/// Appended to a copy of a report: moves the mouse over the memory chart and clicks the first site's
/// expand button, then writes what the page did into attributes the DOM dump shows.
constexpr const char* kInteractionProbe = R"js(<script>
(function () {
  var chart = document.getElementById('memory-chart');
  var box = chart.getBoundingClientRect();
  chart.dispatchEvent(new MouseEvent('mousemove', {clientX: box.left + box.width / 2, clientY: box.top + box.height / 2, bubbles: true}));
  var tip = document.getElementById('tooltip');
  document.body.setAttribute('data-probe-tip', tip.hidden ? 'hidden' : tip.textContent);
  document.body.setAttribute('data-probe-cursor', chart.querySelector('.cursor').getAttribute('visibility'));
  var button = document.querySelector('button.expand');
  button.click();
  document.body.setAttribute('data-probe-stack', button.closest('tr').nextElementSibling.hidden ? 'hidden' : 'shown');
})();
</script>)js";

/// Appended to a copy of a report rendered in a narrow (700 px) window: the smallest on-screen height of
/// a chart's tick label, which shrank to ~6 px when the chart text scaled with the chart.
constexpr const char* kTickProbe = R"js(<script>
(function () {
  var smallest = 1e9;
  document.querySelectorAll('svg.chart text.tick').forEach(function (t) {
    var h = t.getBoundingClientRect().height;
    if (h > 0) smallest = Math.min(smallest, h);
  });
  document.body.setAttribute('data-probe-tick-px', smallest.toFixed(1));
})();
</script>)js";

/// Markup that changes document.title if it ever runs, in each place a program's text can land:
/// element text, an attribute, inside the hover data's <script>, and past a closing tag.
const std::vector<std::string>& hostile_names() {
    static const std::vector<std::string> names = {
        "<img src=x onerror=\"document.title='pwned-img'\">",
        "\"><svg onload=\"document.title='pwned-svg'\"></svg>",
        "</script><script>document.title='pwned-script'</script>",
        "'><iframe srcdoc=\"<script>parent.document.title='pwned-frame'</script>\"></iframe>",
        "<img src=data:, onerror=document.title='pwned'>",  // short: the chart shows 47 characters; fifth: the top layer
        "</title><script>document.title='pwned-title'</script>",
    };
    return names;
}

/// The leak's page with every program-controlled string (function names, files, frames, modules,
/// argv, comm, warnings, the events regex) replaced by the payloads above.
Example hostile_example() {
    Example e = testing::linear_leak_example();
    e.name = "hostile";
    const auto& names = hostile_names();
    auto name = [&](std::size_t i) { return names[i % names.size()]; };
    e.recording.info.command = {name(0), name(1), name(2)};
    e.recording.info.events_regex = name(3);
    e.recording.processes = {"4242:" + name(4)};
    e.recording.warnings = {name(0), name(2)};
    for (std::size_t i = 0; i < e.analysis.sites.size(); ++i) {
        auto& site = e.analysis.sites[i];
        site.function = name(i);
        site.file = name(i + 1);
        site.module = name(i + 2);
        for (auto& frame : site.frames) frame = name(i + 3);
    }
    for (auto& [key, frames] : e.recording.symbols)
        for (auto& frame : frames) frame.function = name(key.second);
    return e;
}

/// Moves the mouse over the memory chart and the sites chart (their tooltips carry the site names),
/// expands every stack row, and records what the tooltip showed as text.
constexpr const char* kHostileProbe = R"js(<script>
(function () {
  var texts = [];
  ['memory-chart', 'decomposition-chart', 'sites-chart'].forEach(function (id) {
    var chart = document.getElementById(id);
    if (!chart) return;
    var box = chart.getBoundingClientRect();
    for (var f = 0.1; f < 1; f += 0.2) {
      chart.dispatchEvent(new MouseEvent('mousemove', {clientX: box.left + box.width * f, clientY: box.top + box.height / 2, bubbles: true}));
      texts.push(document.getElementById('tooltip').textContent);
    }
  });
  document.querySelectorAll('button.expand').forEach(function (b) { b.click(); });
  document.body.setAttribute('data-probe-tips', texts.join(' | '));
  // A payload's handler (an image's onerror) would run after this; the DOM is dumped after the timer.
  setTimeout(function () {
    document.body.setAttribute('data-probe-title', document.title);
    document.body.setAttribute('data-probe-done', '1');
  }, 300);
})();
</script>)js";

/// Appends `probe` to a page and lets it run under the page's own policy: a policy that allows scripts
/// by hash gets the probe's hash added; one that allows any inline script needs nothing.
std::string with_probe(std::string html, const std::string& probe) {
    const std::string body = probe.substr(std::string("<script>").size(), probe.size() - std::string("<script></script>").size());
    const std::size_t policy = html.find("script-src ");
    if (policy != std::string::npos && html.compare(policy, 26, "script-src 'unsafe-inline'") != 0)
        html.insert(policy + std::string("script-src ").size(), csp_script_hash(body) + " ");
    html.insert(html.rfind("</body>"), probe);
    return html;
}

struct Rendered {
    Example example;
    fs::path page, dom, log, screenshot, narrow_screenshot;
};

class ReportChromium : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!fs::exists(chromium_path())) return;
        fs::path artifacts = LEAKSCOPE_REPORT_ARTIFACT_DIR;
        fs::create_directories(artifacts);
        work_ = fs::temp_directory_path() / ("leakscope-report-chromium-" + std::to_string(::getpid()));
        fs::create_directories(work_);
        // Every page's two launches (DOM dump with console log, screenshot) start at once: Chromium's
        // start-up dominates, and running them side by side keeps the whole test to a few seconds.
        std::string script, timed;
        auto examples = testing::all_examples();
        examples.push_back(testing::day_long_example());
        for (auto& example : examples) {
            Rendered r{example, artifacts / ("report-" + example.name + ".html"), work_ / (example.name + ".dom"),
                       work_ / (example.name + ".log"), artifacts / ("report-" + example.name + ".png"),
                       artifacts / ("report-" + example.name + "-narrow.png")};
            {
                std::ofstream out(r.page, std::ios::binary);
                write_html(out, r.example.recording, r.example.analysis);
            }
            fs::remove(r.screenshot);
            fs::remove(r.narrow_screenshot);
            std::string url = quoted("file://" + fs::absolute(r.page).string());
            std::string dump = chromium(work_ / (example.name + "-dom"), "--enable-logging=stderr --v=0 --dump-dom " + url) +
                               " > " + quoted(r.dom.string()) + " 2> " + quoted(r.log.string());
            // The day-long page's load time is measured alone, not while a dozen other Chromiums start.
            if (example.name == "day_long") timed += dump + "\n";
            else script += dump + " &\n";
            script += chromium(work_ / (example.name + "-shot"),
                               "--hide-scrollbars --window-size=1280,2600 --screenshot=" + quoted(r.screenshot.string()) +
                                   " " + url) +
                      " > /dev/null 2>&1 &\n";
            // The same page in a narrow window (a laptop's half screen), where the charts shrink.
            if (example.name != "day_long")
                script += chromium(work_ / (example.name + "-narrow"), "--hide-scrollbars --window-size=700,2600 --screenshot=" +
                                                                          quoted(r.narrow_screenshot.string()) + " " + url) +
                          " > /dev/null 2>&1 &\n";
            pages_.push_back(std::move(r));
        }
        // The interaction probe on a copy of the leak's page (tracked: it has sites to expand).
        std::string leak_html = read_file(page("linear_leak").page);
        std::ofstream(work_ / "probe.html", std::ios::binary) << with_probe(leak_html, kInteractionProbe);
        // The hostile page, probed the same way (hover over every chart, expand every stack).
        {
            std::ostringstream hostile;
            const Example e = hostile_example();
            write_html(hostile, e.recording, e.analysis);
            std::ofstream(work_ / "hostile.html", std::ios::binary) << with_probe(hostile.str(), kHostileProbe);
        }
        script += chromium(work_ / "hostile-dom", "--enable-logging=stderr --v=0 --virtual-time-budget=3000 --dump-dom " +
                                                      quoted("file://" + (work_ / "hostile.html").string())) +
                  " > " + quoted((work_ / "hostile.dom").string()) + " 2> " + quoted((work_ / "hostile.log").string()) + " &\n";
        script += chromium(work_ / "probe-dom", "--dump-dom " + quoted("file://" + (work_ / "probe.html").string())) +
                  " > " + quoted((work_ / "probe.dom").string()) + " 2>/dev/null &\n";
        std::ofstream(work_ / "narrow.html", std::ios::binary) << with_probe(read_file(page("linear_leak").page), kTickProbe);
        script += chromium(work_ / "narrow-dom", "--window-size=700,2600 --dump-dom " +
                                                     quoted("file://" + (work_ / "narrow.html").string())) +
                  " > " + quoted((work_ / "narrow.dom").string()) + " 2>/dev/null &\n";
        script += "wait\n" + timed;
        fs::path script_path = work_ / "render.sh";
        std::ofstream(script_path) << script;
        launched_ = std::system(("sh " + quoted(script_path.string())).c_str()) == 0;
    }

    static void TearDownTestSuite() {
        if (!work_.empty() && !std::getenv("LEAKSCOPE_KEEP_RENDERS")) fs::remove_all(work_);
    }

    void SetUp() override {
        if (!fs::exists(chromium_path())) GTEST_SKIP() << chromium_path() << " is not installed (Debian package: chromium)";
        ASSERT_TRUE(launched_);
    }

    static const Rendered& page(const std::string& name) {
        for (const auto& r : pages_)
            if (r.example.name == name) return r;
        throw std::runtime_error("no example " + name);
    }

    static inline fs::path work_;
    static inline std::vector<Rendered> pages_;
    static inline bool launched_ = false;
};

TEST_F(ReportChromium, EveryPageLoadsWithoutConsoleMessagesAndItsScriptRuns) {
    for (const auto& r : pages_) {
        SCOPED_TRACE(r.example.name);
        std::string dom = read_file(r.dom);
        std::string log = read_file(r.log);
        ASSERT_FALSE(dom.empty()) << "Chromium wrote no DOM; its log:\n" << log;
        // The page logs nothing when it works: any console line is an error or a warning.
        EXPECT_EQ(log.find("CONSOLE"), std::string::npos) << log;
        EXPECT_EQ(log.find("Uncaught"), std::string::npos) << log;
        EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the script did not run to its end";
        std::string html = read_file(r.page);
        std::size_t charts = count(html, "class=\"chart-data\"");
        EXPECT_NE(dom.find("data-charts=\"" + std::to_string(charts) + "\""), std::string::npos)
            << "every chart's hover data wired (" << charts << " expected)";
    }
}

TEST_F(ReportChromium, ChartsHaveTheirElements) {
    for (const auto& r : pages_) {
        SCOPED_TRACE(r.example.name);
        std::string dom = read_file(r.dom);
        EXPECT_NE(dom.find("id=\"memory-chart\""), std::string::npos);
        EXPECT_NE(dom.find("class=\"line rss\""), std::string::npos);
        EXPECT_GE(count(dom, "class=\"tick x\""), 3u);
        EXPECT_GE(count(dom, "class=\"tick y\""), 3u);
    }
    std::string leak = read_file(page("linear_leak").dom);
    EXPECT_NE(leak.find("class=\"line heap\""), std::string::npos);
    EXPECT_NE(leak.find("class=\"fit-line\""), std::string::npos);
    EXPECT_NE(leak.find("class=\"envelope rss\""), std::string::npos) << "merged buckets show their range";
    EXPECT_GE(count(leak, "class=\"layer site"), 5u);
    EXPECT_GE(count(leak, "<g class=\"frame"), 10u);
    EXPECT_GE(count(leak, "<g class=\"frame growing\""), 3u);
    EXPECT_EQ(count(leak, "<button class=\"expand\""), 5u);
    std::string warmup = read_file(page("warmup").dom);
    EXPECT_NE(warmup.find("class=\"warmup\""), std::string::npos);
    EXPECT_NE(warmup.find("class=\"line events\""), std::string::npos);
    std::string fragmentation = read_file(page("fragmentation").dom);
    EXPECT_NE(fragmentation.find("id=\"decomposition-chart\""), std::string::npos);
    EXPECT_NE(fragmentation.find("class=\"layer retained\""), std::string::npos);
}

TEST_F(ReportChromium, HoverShowsValuesAndRowsExpandToTheirStack) {
    std::string dom = read_file(work_ / "probe.dom");
    ASSERT_NE(dom.find("data-probe-stack="), std::string::npos) << "the probe did not run";
    EXPECT_NE(dom.find("data-probe-stack=\"shown\""), std::string::npos);
    EXPECT_NE(dom.find("data-probe-cursor=\"visible\""), std::string::npos);
    std::size_t tip = dom.find("data-probe-tip=\"");
    ASSERT_NE(tip, std::string::npos);
    std::string text = dom.substr(tip, dom.find('"', tip + 16) - tip);
    EXPECT_NE(text.find("RSS: "), std::string::npos) << text;
    EXPECT_NE(text.find("live heap: "), std::string::npos) << text;
    EXPECT_NE(text.find(" MB"), std::string::npos) << text;
    EXPECT_NE(text.find(" min"), std::string::npos) << "the time under the mouse: " << text;
}

TEST_F(ReportChromium, ProgramTextNeverRunsAsScript) {
    const std::string dom = read_file(work_ / "hostile.dom");
    ASSERT_NE(dom.find("data-probe-done=\"1\""), std::string::npos) << "the probe did not run:\n" << read_file(work_ / "hostile.log");
    EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the page's own script did not run";
    const std::size_t title = dom.find("<title>");
    ASSERT_NE(title, std::string::npos);
    const std::string title_text = dom.substr(title, dom.find("</title>", title) - title);
    // The page's own title quotes the payloads (the command is one); a payload that ran replaced it.
    EXPECT_EQ(title_text.rfind("<title>pwned", 0), std::string::npos) << "a payload ran: " << title_text;
    EXPECT_NE(title_text.find("leakscope"), std::string::npos) << title_text;
    const std::size_t probed = dom.find("data-probe-title=\"");
    ASSERT_NE(probed, std::string::npos);
    EXPECT_NE(dom.compare(probed + 18, 5, "pwned"), 0)
        << "a payload set the title: " << dom.substr(probed, 60);
    // No element made from a payload: they are all text.
    EXPECT_EQ(dom.find("<img"), std::string::npos);
    EXPECT_EQ(dom.find("<iframe"), std::string::npos);
    EXPECT_EQ(dom.find("<svg onload"), std::string::npos);
    // The names did arrive, as text, in the tooltips.
    const std::size_t tips = dom.find("data-probe-tips=\"");
    ASSERT_NE(tips, std::string::npos);
    const std::string tip_text = dom.substr(tips + 17, dom.find('"', tips + 17) - tips - 17);
    EXPECT_NE(tip_text.find("&lt;img src=x onerror="), std::string::npos) << "the tooltip shows the name as text: " << tip_text;
}

TEST_F(ReportChromium, ThePagePolicyAllowsOnlyItsOwnScript) {
    const std::string html = read_file(page("linear_leak").page);
    EXPECT_EQ(html.find("'unsafe-inline'; img-src"), std::string::npos);
    EXPECT_EQ(html.find("script-src 'unsafe-inline'"), std::string::npos);
    EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
    EXPECT_NE(html.find("script-src 'sha256-"), std::string::npos);
}

TEST_F(ReportChromium, ADayLongRecordingsPageIsReadyInAboutASecond) {
    std::string dom = read_file(page("day_long").dom);
    std::string key = "data-ready-ms=\"";
    std::size_t at = dom.find(key);
    ASSERT_NE(at, std::string::npos);
    int ready_ms = std::atoi(dom.c_str() + at + key.size());
    RecordProperty("day_long_ready_ms", ready_ms);
    std::printf("day-long page parsed and its script run after %d ms\n", ready_ms);
    // 0.1-0.2 s measured here with the machine under load; the issue asks for about a second.
    EXPECT_LT(ready_ms, 1500);
}

TEST_F(ReportChromium, AScreenshotPerExampleIsKept) {
    for (const auto& r : pages_) {
        SCOPED_TRACE(r.example.name);
        ASSERT_TRUE(fs::exists(r.screenshot)) << r.screenshot;
        std::string png = read_file(r.screenshot);
        EXPECT_EQ(png.substr(1, 3), "PNG");
        // A blank 1280x2600 page compresses to a few KB; a page with charts and text does not.
        EXPECT_GT(png.size(), 60'000u) << r.screenshot;
        if (r.example.name == "day_long") continue;
        ASSERT_TRUE(fs::exists(r.narrow_screenshot)) << r.narrow_screenshot;
        EXPECT_GT(read_file(r.narrow_screenshot).size(), 40'000u) << r.narrow_screenshot;
    }
}

TEST_F(ReportChromium, TickLabelsStayReadableInANarrowWindow) {
    std::string dom = read_file(work_ / "narrow.dom");
    std::string key = "data-probe-tick-px=\"";
    std::size_t at = dom.find(key);
    ASSERT_NE(at, std::string::npos) << "the probe did not run";
    double px = std::atof(dom.c_str() + at + key.size());
    RecordProperty("narrow_tick_px", std::to_string(px));
    std::printf("smallest chart tick label in a 700 px window: %.1f px high\n", px);
    // 11 px text has a box about 13 px high; it was ~7 px when the text scaled down with the chart.
    EXPECT_GE(px, 11.0);
}

}  // namespace
}  // namespace leakscope::report
