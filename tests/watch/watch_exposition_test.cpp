#include <gtest/gtest.h>

#include "watch/metrics_exposition.hpp"
#include "watch/metrics_server.hpp"
#include "watch/transitions.hpp"

namespace leakscope::watch {
namespace {

ProcessMetrics leaking() {
    ProcessMetrics m;
    m.pid = 4242;
    m.comm = "cache \"svc\"\\1";
    m.pattern = "linear_growth";
    m.severity = "high";
    m.rss_bytes = 476e6;
    m.steady_rate_bytes_per_s = 31e6 / 3600;
    m.rate_ci_low_bytes_per_s = 29e6 / 3600;
    m.rate_ci_high_bytes_per_s = 33e6 / 3600;
    m.warmup_bytes = 1.5e6;
    m.leak = true;
    m.decided = true;
    m.limit_bytes = 8e9;
    m.time_to_limit_s = 9.0 * 86400;
    m.restart_interval_s = 72.0 * 3600;
    return m;
}

TEST(Exposition, EveryFamilyHasHelpTypeAndEscapedLabels) {
    const std::string page = render_metrics({leaking()}, {});
    for (const char* family : {"leakscope_rss_bytes", "leakscope_steady_rate_bytes_per_second",
                               "leakscope_steady_rate_bytes_per_second_ci_low", "leakscope_steady_rate_bytes_per_second_ci_high",
                               "leakscope_warmup_bytes", "leakscope_leak", "leakscope_decided", "leakscope_time_to_limit_seconds",
                               "leakscope_restart_interval_seconds", "leakscope_watch_processes", "leakscope_watch_cycles_total"}) {
        EXPECT_NE(page.find(std::string("# HELP ") + family + " "), std::string::npos) << family;
        EXPECT_NE(page.find(std::string("# TYPE ") + family + " "), std::string::npos) << family;
    }
    EXPECT_NE(page.find("leakscope_rss_bytes{pid=\"4242\",comm=\"cache \\\"svc\\\"\\\\1\"} 476000000\n"), std::string::npos) << page;
    EXPECT_NE(page.find("leakscope_leak{pid=\"4242\",comm=\"cache \\\"svc\\\"\\\\1\",pattern=\"linear_growth\",severity=\"high\"} 1\n"),
              std::string::npos)
        << page;
    EXPECT_NE(page.find("leakscope_time_to_limit_seconds{pid=\"4242\",comm=\"cache \\\"svc\\\"\\\\1\"} 777600\n"), std::string::npos);
    EXPECT_NE(page.find("# TYPE leakscope_watch_cycles_total counter\n"), std::string::npos);
    EXPECT_EQ(page.back(), '\n');
}

TEST(Exposition, AbsentFactsAreAbsentSamplesNotNaN) {
    ProcessMetrics m = leaking();
    m.time_to_limit_s.reset();
    m.restart_interval_s.reset();
    m.leak = false;
    const std::string page = render_metrics({m}, {});
    EXPECT_EQ(page.find("leakscope_time_to_limit_seconds"), std::string::npos);
    EXPECT_EQ(page.find("leakscope_live_heap_bytes"), std::string::npos);  // tracker off
    EXPECT_EQ(page.find("NaN"), std::string::npos);
    EXPECT_NE(page.find("leakscope_leak{pid=\"4242\""), std::string::npos);
    EXPECT_NE(page.find("pattern=\"linear_growth\",severity=\"high\"} 0\n"), std::string::npos);
}

TEST(Exposition, DataMappingsAndTheJvmsHeapWhenKnown) {
    ProcessMetrics m = leaking();
    EXPECT_EQ(render_metrics({m}, {}).find("leakscope_jvm_"), std::string::npos) << "no JVM, no JVM family";
    m.data_mappings_bytes = 512e6;
    m.jvm = ProcessMetrics::JvmHeap{.used_bytes = 300e6, .committed_bytes = 400e6, .max_bytes = 1e9,
                                    .young_collections = 41, .full_collections = 2, .concurrent_collections = 0};
    ProcessMetrics plain = leaking();
    plain.pid = 7;
    const std::string page = render_metrics({m, plain}, {});
    const std::string labels = "pid=\"4242\",comm=\"cache \\\"svc\\\"\\\\1\"";
    EXPECT_NE(page.find("leakscope_data_mappings_bytes{" + labels + "} 512000000\n"), std::string::npos) << page;
    EXPECT_NE(page.find("leakscope_jvm_heap_used_bytes{" + labels + "} 300000000\n"), std::string::npos) << page;
    EXPECT_NE(page.find("leakscope_jvm_heap_max_bytes{" + labels + "} 1000000000\n"), std::string::npos) << page;
    EXPECT_NE(page.find("leakscope_jvm_collections_total{" + labels + ",kind=\"full\"} 2\n"), std::string::npos) << page;
    EXPECT_NE(page.find("# TYPE leakscope_jvm_collections_total counter\n"), std::string::npos);
    // One HELP and TYPE per family, and none of the JVM's samples for the process without one.
    EXPECT_EQ(page.find("# HELP leakscope_jvm_collections_total"), page.rfind("# HELP leakscope_jvm_collections_total"));
    EXPECT_EQ(page.find("leakscope_jvm_heap_used_bytes{pid=\"7\""), std::string::npos);
}

TEST(Exposition, WatchMoreOnlyWhileUndecided) {
    ProcessMetrics m = leaking();
    m.watch_more_s = 1800;
    EXPECT_EQ(render_metrics({m}, {}).find("leakscope_watch_more_seconds"), std::string::npos);
    m.decided = false;
    EXPECT_NE(render_metrics({m}, {}).find("leakscope_watch_more_seconds{pid=\"4242\""), std::string::npos);
}

TEST(Exposition, LabelEscapingFollowsTheFormat) {
    EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    EXPECT_EQ(escape_label_value("plain"), "plain");
}

TEST(Exposition, HealthTransitionsAreCountedByKind) {
    WatchHealth health;
    health.transitions["leak"] = 3;
    const std::string page = render_metrics({}, health);
    EXPECT_NE(page.find("leakscope_watch_transitions_total{kind=\"leak\"} 3\n"), std::string::npos);
    EXPECT_NE(page.find("leakscope_watch_transitions_total{kind=\"recovered\"} 0\n"), std::string::npos);
    EXPECT_EQ(page.find("leakscope_rss_bytes"), std::string::npos);  // no process yet: no empty family
}

TEST(ListenAddress, LoopbackUnlessWrittenOut) {
    EXPECT_EQ(parse_listen_address("9464").host, "127.0.0.1");
    EXPECT_EQ(parse_listen_address(":9464").host, "127.0.0.1");
    EXPECT_EQ(parse_listen_address("0.0.0.0:9100").host, "0.0.0.0");
    EXPECT_EQ(parse_listen_address("0.0.0.0:9100").port, 9100);
    EXPECT_EQ(parse_listen_address("[::1]:9464").host, "::1");
    EXPECT_EQ(parse_listen_address("127.0.0.1:0").port, 0);
    EXPECT_THROW(parse_listen_address("localhost"), std::invalid_argument);
    EXPECT_THROW(parse_listen_address("1.2.3.4:70000"), std::invalid_argument);
    EXPECT_THROW(parse_listen_address(""), std::invalid_argument);
}

TEST(Transitions, LeakRecoveryAndNearLimitFireOnceEach) {
    VerdictState state;
    ProcessMetrics m = leaking();
    m.time_to_limit_s = 30.0 * 86400;
    m.decided = false;  // undecided: no alarm yet
    EXPECT_TRUE(update_state(state, m, 86400).empty());
    m.decided = true;
    EXPECT_EQ(update_state(state, m, 86400), std::vector{TransitionKind::leak});
    EXPECT_TRUE(update_state(state, m, 86400).empty());  // still leaking: said once
    m.time_to_limit_s = 3600;
    EXPECT_EQ(update_state(state, m, 86400), std::vector{TransitionKind::near_limit});
    m.leak = false;
    m.time_to_limit_s.reset();
    m.decided = false;  // undecided does not clear the alarm
    EXPECT_TRUE(update_state(state, m, 86400).empty());
    m.decided = true;
    EXPECT_EQ(update_state(state, m, 86400), std::vector{TransitionKind::recovered});
}

TEST(Transitions, HookEnvironmentCarriesTheFacts) {
    const Transition t{TransitionKind::leak, leaking(), "Leaks 31 MB/h.", "/var/lib/leakscope/x.lks"};
    const auto env = hook_environment(t);
    auto has = [&](const std::string& entry) { return std::find(env.begin(), env.end(), entry) != env.end(); };
    EXPECT_TRUE(has("LEAKSCOPE_EVENT=leak"));
    EXPECT_TRUE(has("LEAKSCOPE_PID=4242"));
    EXPECT_TRUE(has("LEAKSCOPE_PATTERN=linear_growth"));
    EXPECT_TRUE(has("LEAKSCOPE_TIME_TO_LIMIT_S=777600"));
    EXPECT_TRUE(has("LEAKSCOPE_STATE_FILE=/var/lib/leakscope/x.lks"));
    EXPECT_NE(describe(t).find("is leaking: linear_growth"), std::string::npos) << describe(t);
}

}  // namespace
}  // namespace leakscope::watch
