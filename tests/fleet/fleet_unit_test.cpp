#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "fleet/fleet_diagnosis.hpp"
#include "fleet/fleet_reports.hpp"
#include "fleet/fleet_source.hpp"
#include "fleet/matrix_stream.hpp"
#include "fleet/range_split.hpp"
#include "fleet/restart_cut.hpp"

namespace leakscope::fleet {
namespace {

TEST(RangeSplit, AWeekAt30sIsCutUnderTheCapOnOneGrid) {
    const double start = 1.7e9, step = 30, end = start + 7 * 86400;
    const auto ranges = split_range(start, end, step);
    ASSERT_EQ(ranges.size(), 3u);  // 20,161 points
    std::size_t points = 0;
    double expected_start = start;
    for (const auto& r : ranges) {
        const auto n = static_cast<std::size_t>(std::llround((r.end_s - r.start_s) / step)) + 1;
        EXPECT_LE(n, kMaxPointsPerRequest);
        EXPECT_LT(n, 11000u);  // Prometheus' own cap
        EXPECT_DOUBLE_EQ(r.start_s, expected_start);  // consecutive, no overlap, no gap
        expected_start = r.end_s + step;
        points += n;
    }
    EXPECT_EQ(points, 20161u);
    EXPECT_DOUBLE_EQ(ranges.back().end_s, end);
}

TEST(RangeSplit, EdgeCases) {
    EXPECT_EQ(split_range(0, 100, 1, 101).size(), 1u);
    EXPECT_EQ(split_range(0, 100, 1, 100).size(), 2u);
    EXPECT_EQ(split_range(5, 5, 1).size(), 1u);
    EXPECT_TRUE(split_range(10, 5, 1).empty());
    EXPECT_TRUE(split_range(0, 5, 0).empty());
}

TEST(RestartCut, ADropToTheBaseIsARestartAHalfSawtoothIsNot) {
    // A leak restarted twice: 100 -> 300 then back to 100.
    std::vector<double> leak;
    for (int life = 0; life < 3; ++life)
        for (int i = 0; i < 50; ++i) leak.push_back(100 + 4.0 * i);
    const auto cut = cut_at_restarts(leak, {});
    ASSERT_EQ(cut.size(), 3u);
    EXPECT_EQ(cut[1].begin, 50u);
    EXPECT_EQ(cut[2].begin, 100u);
    EXPECT_EQ(cut[2].end, 150u);
    // A history list truncated to half on a 300 MB process: 300..330, falls by 15 MB.
    std::vector<double> sawtooth;
    for (int tooth = 0; tooth < 6; ++tooth)
        for (int i = 0; i < 20; ++i) sawtooth.push_back(315 + 15.0 * i / 20);
    EXPECT_EQ(cut_at_restarts(sawtooth, {}).size(), 1u);
}

TEST(RestartCut, AStartTimeChangeCutsEvenWithoutADrop) {
    std::vector<double> value(30, 500.0), started(30, 1000.0);
    for (int i = 12; i < 30; ++i) started[i] = 5000.0;
    for (int i = 20; i < 30; ++i) started[i] = NAN;  // unknown: no cut, and the last known holds
    const auto cut = cut_at_restarts(value, started);
    ASSERT_EQ(cut.size(), 2u);
    EXPECT_EQ(cut[1].begin, 12u);
    EXPECT_EQ(cut_at_restarts(value, std::vector<double>(30, 1000.4)).size(), 1u);  // rounding jitter
}

FleetEntry entry(const std::string& name, bool leak, std::optional<double> ttl, double rate) {
    FleetEntry e;
    e.labels = {{"__name__", "m"}, {"pod", name}};
    e.verdict.leak = leak;
    e.verdict.time_to_limit_s = ttl;
    e.verdict.steady_rate_bytes_per_s = rate;
    return e;
}

TEST(Ranking, LeaksFirstSoonestAtTheLimitFirst) {
    std::vector<FleetEntry> fleet = {entry("flat", false, std::nullopt, 0), entry("slow", true, std::nullopt, 50),
                                     entry("warm", false, std::nullopt, 10), entry("soon", true, 3600, 5),
                                     entry("later", true, 86400, 500)};
    rank_fleet(fleet);
    std::vector<std::string> order;
    for (const auto& e : fleet) order.push_back(e.labels.at("pod"));
    EXPECT_EQ(order, (std::vector<std::string>{"soon", "later", "slow", "warm", "flat"}));
}

RangeSeries synthetic(double rate_per_h, bool restarts, unsigned seed) {
    RangeSeries s;
    s.labels = {{"__name__", "m"}, {"pod", "p"}};
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0, 1e6);
    for (int i = 0; i < 2016; ++i) {  // a week at 5 min
        const double t = i * 300.0;
        const double age = restarts ? std::fmod(t, 72 * 3600) : t;
        s.t_s.push_back(1.7e9 + t);
        s.value.push_back(465e6 + 100e6 * (1 - std::exp(-age / 3600)) + rate_per_h * age / 3600 + noise(rng));
    }
    return s;
}

// The brief's detector service: 465 MB, 31 MB/h, restarted every 72 h (no start-time series: the
// drops alone cut it).
TEST(FleetDiagnosis, ALeakRestartedEvery72hIsStillALeakAndAWarmupIsNot) {
    const auto leak = diagnose_series(synthetic(31e6, true, 1), {}, {});
    EXPECT_EQ(leak.restarts, 2u);
    EXPECT_TRUE(leak.verdict.leak) << leak.verdict.summary;
    EXPECT_NEAR(leak.verdict.steady_rate_bytes_per_s * 3600, 31e6, 3e6);
    const auto warm = diagnose_series(synthetic(0, true, 2), {}, {});
    EXPECT_FALSE(warm.verdict.leak) << warm.verdict.summary;
    EXPECT_EQ(warm.sparkline.size(), kSparklinePoints);
}

/// Lives of 72 h, 72 h and `latest_h` (1-minute step, start times given): 300 MB, a 150 MB warm-up
/// (time constant `tau_h`) in every life, then `rate_per_h` in the first two lives and `latest_rate_per_h`
/// in the latest.
struct Lives {
    RangeSeries series;
    std::vector<double> starts;
    RangeSeries latest_alone;
};
Lives three_lives(double rate_per_h, double latest_h, double latest_rate_per_h, unsigned seed, double tau_h = 4) {
    Lives l;
    l.series.labels = l.latest_alone.labels = {{"__name__", "m"}, {"pod", "p"}};
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0, 1e6);
    const double lives[] = {72, 72, latest_h};
    double life_start = 0;
    for (int k = 0; k < 3; ++k) {
        const double rate = k < 2 ? rate_per_h : latest_rate_per_h;
        for (double age = 0; age < lives[k] * 3600; age += 60) {
            const double v = 300e6 + 150e6 * (1 - std::exp(-age / (tau_h * 3600))) + rate * age / 3600 + noise(rng);
            l.series.t_s.push_back(1.7e9 + life_start + age);
            l.series.value.push_back(v);
            l.starts.push_back(1.7e9 + life_start);
            if (k == 2) {
                l.latest_alone.t_s.push_back(1.7e9 + life_start + age);
                l.latest_alone.value.push_back(v);
            }
        }
        life_start += lives[k] * 3600;
    }
    return l;
}

// The latest life, 20 h old, cannot tell its 2 MB/h from the tail of its 150 MB warm-up alone; the
// two lives before it, the same program, leaked 2 MB/h each: it inherits their verdict.
TEST(LifePooling, AShortLatestLifeInheritsTheLeakOfTheEarlierOnes) {
    const auto l = three_lives(2e6, 20, 2e6, 3);
    const auto alone = diagnose_series(l.latest_alone, {}, {});
    ASSERT_FALSE(alone.verdict.leak && alone.verdict.decided) << "the case this handles: " << alone.verdict.summary;
    SeriesOptions options;
    options.limit_bytes = 1e9;
    const auto e = diagnose_series(l.series, l.starts, options);
    EXPECT_EQ(e.restarts, 2u);
    EXPECT_EQ(e.lives, 3u);
    EXPECT_TRUE(e.verdict.leak && e.verdict.decided) << e.verdict.summary;
    EXPECT_NEAR(e.verdict.steady_rate_bytes_per_s * 3600, 2e6, 0.3e6);
    EXPECT_LT(e.verdict.rate_ci_low_bytes_per_s, e.verdict.steady_rate_bytes_per_s);
    EXPECT_DOUBLE_EQ(e.segment_start_unix_s, l.latest_alone.t_s.front());  // the projection is from the latest life
    ASSERT_TRUE(e.verdict.time_to_limit_s);
    EXPECT_NEAR(*e.verdict.time_to_limit_s, (1e9 - l.latest_alone.value.back()) / (2e6 / 3600), 40 * 3600);
    EXPECT_NE(e.verdict.summary.find("earlier lives"), std::string::npos) << e.verdict.summary;
}

// A fix deployed with the last restart: the latest life is flat past the warm-up, clearly slower than
// the earlier lives' leak, so it keeps its own verdict.
TEST(LifePooling, ALatestLifeThatStoppedGrowingKeepsItsOwnVerdict) {
    const auto l = three_lives(2e6, 40, 0, 4);
    const auto e = diagnose_series(l.series, l.starts, {});
    EXPECT_FALSE(e.verdict.leak) << e.verdict.summary;
    EXPECT_EQ(e.lives, 1u);
}

// Earlier lives that did not leak give nothing to inherit (a warm-up that settles within the 20 h
// latest life: with a 4 h time constant the engine alone calls its tail a leak).
TEST(LifePooling, WarmupsInEveryLifeAreNotALeak) {
    const auto l = three_lives(0, 20, 0, 5, 2.5);
    const auto e = diagnose_series(l.series, l.starts, {});
    EXPECT_FALSE(e.verdict.leak) << e.verdict.summary;
    EXPECT_EQ(e.lives, 1u);
}

// The answer arrives in chunks cut anywhere (here: every 7 bytes, from another thread); the parser
// builds the series as they come, drops non-finite values, and keeps Prometheus' error.
TEST(MatrixStream, ChunksCutAnywhereGiveTheSeries) {
    const std::string body =
        R"({"status":"success","data":{"resultType":"matrix","result":[)"
        R"({"metric":{"__name__":"m","pod":"a\"b"},"values":[[1700000000,"1.5e6"],[1700000060,"NaN"],[1700000120.5,"+Inf"],[1700000180,"2"]]},)"
        R"({"metric":{},"values":[]}]},"warnings":["x"]})";
    ChunkStream chunks;
    std::thread feeder([&] {
        for (std::size_t i = 0; i < body.size(); i += 7) {
            if (!chunks.push(body.data() + i, std::min<std::size_t>(7, body.size() - i))) break;
        }
        chunks.close();
    });
    std::istream in(&chunks);
    const auto answer = parse_matrix(in);
    feeder.join();
    EXPECT_EQ(answer.status, "success");
    EXPECT_EQ(answer.result_type, "matrix");
    ASSERT_EQ(answer.series.size(), 2u);
    EXPECT_EQ(answer.series[0].labels, (Labels{{"__name__", "m"}, {"pod", "a\"b"}}));
    EXPECT_EQ(answer.series[0].t_s, (std::vector<double>{1700000000, 1700000180}));
    EXPECT_EQ(answer.series[0].value, (std::vector<double>{1.5e6, 2}));
    EXPECT_TRUE(answer.series[1].labels.empty() && answer.series[1].value.empty());

    std::istringstream error(R"({"status":"error","errorType":"bad_data","error":"parse error at char 3"})");
    const auto failed = parse_matrix(error);
    EXPECT_EQ(failed.status, "error");
    EXPECT_EQ(failed.error_type, "bad_data");
    EXPECT_EQ(failed.error, "parse error at char 3");
}

// A parser that gives up (not JSON, a proxy's HTML page) cancels the transfer instead of leaving
// the receiving thread blocked on a full queue.
TEST(MatrixStream, NotJsonThrowsAndReleasesTheSender) {
    ChunkStream chunks;
    std::thread parser([&] {
        std::istream in(&chunks);
        EXPECT_THROW(parse_matrix(in), std::runtime_error);
        chunks.abandon();
    });
    bool accepted = true;
    const std::string page = "<html>502 Bad Gateway</html>";
    for (int i = 0; i < 10000 && accepted; ++i) accepted = chunks.push(page.data(), page.size());
    EXPECT_FALSE(accepted);
    parser.join();
}

TEST(Selectors, ValuesAreEscapedForPromQL) {
    EXPECT_EQ(exact_selector({{"__name__", "m"}, {"pod", "a\"b\\c"}}), "{__name__=\"m\",pod=\"a\\\"b\\\\c\"}");
    // The regex escapes its metacharacters, then the string escapes the backslashes.
    EXPECT_EQ(selector_for("m", "pod", {"web-1", "a.b", "x|y"}), "{__name__=\"m\",pod=~\"web-1|a\\\\.b|x\\\\|y\"}");
    EXPECT_EQ(identity({{"__name__", "m"}, {"pod", "p"}}), (Labels{{"pod", "p"}}));
}

TEST(FleetJson, StreamedDocumentIsOneJsonValueWithTheReportObjects) {
    std::vector<FleetEntry> fleet = {entry("a", true, 3600, 5), entry("b\"</script>", false, std::nullopt, 0)};
    std::ostringstream out;
    write_fleet_json(out, {"http://localhost:9090", "m", 0, 604800, 60, 1, 0, 0}, fleet);
    const auto doc = nlohmann::json::parse(out.str());
    EXPECT_EQ(doc["schema"], "leakscope.fleet/1");
    ASSERT_EQ(doc["series"].size(), 2u);
    const auto& first = doc["series"][0];
    EXPECT_EQ(first["labels"]["pod"], "a");
    for (const char* key : {"leak", "pattern", "severity", "confidence", "summary"}) EXPECT_TRUE(first["verdict"].contains(key)) << key;
    for (const char* key : {"metric", "warmup_bytes", "warmup_end_s", "steady_rate_bytes_per_s", "rate_ci_low_bytes_per_s",
                            "rate_ci_high_bytes_per_s"})
        EXPECT_TRUE(first["growth"].contains(key)) << key;
    EXPECT_EQ(first["growth"]["projection"]["time_to_limit_s"], 3600);
    EXPECT_EQ(doc["series"][1]["labels"]["pod"], "b\"</script>");
}

TEST(FleetHtml, LabelsAreEscapedAndEachRowLinksToPrometheus) {
    std::vector<FleetEntry> fleet = {entry("<img src=x>", true, 3600, 5)};
    fleet[0].sparkline = {1, 2, 3};
    std::ostringstream out;
    write_fleet_html(out, {"http://prom:9090", "m", 0, 604800, 60, 1, 0, 0}, fleet);
    const std::string page = out.str();
    EXPECT_EQ(page.find("<img src=x>"), std::string::npos);
    EXPECT_NE(page.find("&lt;img src=x&gt;"), std::string::npos);
    EXPECT_NE(page.find("href=\"http://prom:9090/graph?g0.expr="), std::string::npos);
    EXPECT_NE(page.find("<polyline"), std::string::npos);
}

}  // namespace
}  // namespace leakscope::fleet
