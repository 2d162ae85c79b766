// "One story per report" as a property: every generated pattern and every real-program class of the
// synthetic benchmark, over many seeds, through diagnose() and diagnose_process(), half of them with a
// memory limit; no verdict may break an invariant of diagnosis_bench/report_invariants.hpp. On failure
// it prints how often each invariant broke in each class, and the first few cases.
#include "diagnosis_bench/report_invariants.hpp"

#include <gtest/gtest.h>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "diagnosis_bench/synthetic.hpp"

namespace leakscope::diagnosis {
namespace {

using invariants::Violation;

bool has(const std::vector<Violation>& found, std::string_view name) {
    return std::any_of(found.begin(), found.end(), [name](const Violation& v) { return v.name == name; });
}

Diagnosis consistent_leak() {
    Diagnosis d;
    d.pattern = Pattern::linear_growth;
    d.leak = true;
    d.severity = Severity::medium;
    d.confidence = 0.9;
    d.steady_rate_bytes_per_s = 1000;
    d.rate_ci_low_bytes_per_s = 800;
    d.rate_ci_high_bytes_per_s = 1200;
    d.limit_bytes = 1e9;
    d.time_to_limit_s = 1e6;
    d.summary = "Leak: steady growth of 3.6 MB/h.";
    return d;
}

TEST(ReportInvariants, AConsistentReportPasses) {
    EXPECT_TRUE(invariants::check(consistent_leak()).empty());
    Diagnosis flat;
    flat.pattern = Pattern::stable;
    flat.confidence = 0.8;
    flat.rate_ci_low_bytes_per_s = -5;
    flat.rate_ci_high_bytes_per_s = 5;
    flat.summary = "Stable at about 61 MB (+0 B/s, not significant): no leak.";
    EXPECT_TRUE(invariants::check(flat).empty());
    Diagnosis undecided = flat;
    undecided.decided = false;
    undecided.watch_more_s = 1200;
    undecided.summary = "Growing 2 KB/s after a 20 MB warm-up; too early to tell a slow leak from a settling cache.";
    EXPECT_TRUE(invariants::check(undecided).empty());
}

TEST(ReportInvariants, EachContradictionIsCaught) {
    Diagnosis d = consistent_leak();
    d.pattern = Pattern::stable;
    EXPECT_TRUE(has(invariants::check(d), "leak_with_flat_pattern"));
    d = consistent_leak();
    d.leak = false;
    d.summary = "Leak: steady growth.";
    EXPECT_TRUE(has(invariants::check(d), "growth_pattern_without_leak"));
    EXPECT_TRUE(has(invariants::check(d), "summary_contradicts_leak"));
    d.decided = false;
    d.watch_more_s = 600;
    EXPECT_FALSE(has(invariants::check(d), "growth_pattern_without_leak")) << "the shape seen so far";
    d = consistent_leak();
    d.rate_ci_low_bytes_per_s = -1;
    EXPECT_TRUE(has(invariants::check(d), "leak_without_significant_rate"));
    d = consistent_leak();
    d.pattern = Pattern::fragmentation;
    d.leak = false;
    d.severity = Severity::critical;
    d.summary = "Fragmentation: ... not a leak in the program.";
    EXPECT_TRUE(has(invariants::check(d), "severe_without_cause"));
    d.fraction_of_samples_near_limit = 0.6;
    EXPECT_FALSE(has(invariants::check(d), "severe_without_cause"));
    d = consistent_leak();
    d.time_to_limit_s.reset();
    EXPECT_TRUE(has(invariants::check(d), "leak_without_time_to_limit"));
    EXPECT_FALSE(has(invariants::check(d, false), "leak_without_time_to_limit"));
    d = consistent_leak();
    d.steady_rate_bytes_per_s = 1300;
    EXPECT_TRUE(has(invariants::check(d), "rate_outside_interval"));
    d = consistent_leak();
    d.confidence = 1.5;
    EXPECT_TRUE(has(invariants::check(d), "confidence_out_of_range"));
    d = consistent_leak();
    d.decided = false;
    EXPECT_TRUE(has(invariants::check(d), "undecided_leak"));
    EXPECT_TRUE(has(invariants::check(d), "undecided_without_watch_more"));
    d = consistent_leak();
    d.settling_toward_bytes = 24e6;
    EXPECT_TRUE(has(invariants::check(d), "settling_but_leak"));
    d = consistent_leak();
    d.summary = "Growth of 3.6 MB/h: no leak.";
    EXPECT_TRUE(has(invariants::check(d), "summary_contradicts_leak"));
    d.summary = "Growth of 3.6 MB/h.";
    EXPECT_TRUE(has(invariants::check(d), "summary_silent_on_verdict"));
}

// Every class, many seeds: counts of broken invariants per class.
TEST(ReportInvariants, HoldOnEveryGeneratedClass) {
    constexpr std::uint64_t kSeeds = 40, kFirstSeed = 9000;
    const synthetic::GeneratorOptions generator{.max_samples = 2000};
    struct Case {
        std::string name;
        std::function<synthetic::LabelledSeries(std::uint64_t)> make;
    };
    std::vector<Case> cases;
    for (Pattern pattern : synthetic::kGeneratedPatterns)
        cases.push_back({std::string(to_string(pattern)), [pattern, generator](std::uint64_t seed) { return synthetic::generate(pattern, seed, generator); }});
    for (synthetic::RealProgramClass kind : synthetic::kRealProgramClasses)
        cases.push_back({std::string(to_string(kind)), [kind, generator](std::uint64_t seed) { return synthetic::generate(kind, seed, generator); }});

    std::map<std::string, std::map<std::string, int>> counts;  // invariant -> class -> reports
    std::vector<std::string> examples;
    std::map<std::string, int> shown;  // two examples per (invariant, class)
    std::size_t reports = 0, broken = 0;
    for (const Case& c : cases) {
        for (std::uint64_t seed = kFirstSeed; seed < kFirstSeed + kSeeds; ++seed) {
            const synthetic::LabelledSeries labelled = c.make(seed);
            Options options;
            if (seed % 2 == 1) {  // half of the runs know their limit
                const auto& v = labelled.series.rss.value;
                options.limit_bytes = 1.5 * *std::max_element(v.begin(), v.end());
            }
            auto record = [&](std::string_view entry, const std::vector<Violation>& found) {
                ++reports;
                broken += !found.empty();
                for (const Violation& v : found) {
                    ++counts[v.name][c.name];
                    if (shown[v.name + c.name]++ < 2)
                        examples.push_back(fmt::format("{} seed {} {}: {} — {} [{}]", c.name, seed, entry, v.name, v.detail, labelled.description));
                }
            };
            record("diagnose(rss)", invariants::check(diagnose(labelled.series.rss, options)));
            if (labelled.series.live_heap) record("diagnose_process", invariants::check(diagnose_process(labelled.series, options)));
        }
    }
    std::string table;
    for (const auto& [name, by_class] : counts) {
        table += fmt::format("{:<40}", name);
        for (const auto& [class_name, n] : by_class) table += fmt::format(" {}={}", class_name, n);
        table += "\n";
    }
    std::printf("%zu reports, %zu break an invariant\n%s", reports, broken, table.c_str());
    std::string first;
    for (const std::string& e : examples) first += e + "\n";
    EXPECT_EQ(broken, 0u) << "invariant -> class=reports broken:\n" << table << "first cases:\n" << first;
}

}  // namespace
}  // namespace leakscope::diagnosis
