// Uses each part of the installed API once; exits 0 and prints "consumer ok" when all behave.
#include <leakscope/leakscope.hpp>

#include <cstdio>
#include <string>
#include <vector>

int main() {
    const auto clean = leakscope::measure_cycles(300, [] { std::vector<int> scratch(64, 1); });
    if (clean.leak || clean.cycles != 300) {
        std::printf("unexpected: %s\n", leakscope::describe(clean).c_str());
        return 1;
    }

    leakscope::MonitorOptions options;
    options.coalesce_s = 0;
    leakscope::Monitor monitor(options);
    const leakscope::Gauge cache = monitor.gauge("consumer.cache");
    for (int i = 0; i < 20; ++i) cache.observe_at(i, 1000, 10);
    monitor.sample_now();
    (void)monitor.analyze_now();
    bool saw_cache = false;
    for (const leakscope::GaugeStatus& status : monitor.status())
        if (status.name == "consumer.cache" && status.observations == 20) saw_cache = true;
    if (!saw_cache) {
        std::printf("unexpected: gauge missing\n");
        return 1;
    }

    leakscope_event();
    if (leakscope_event_count() != 1) return 1;
    std::printf("consumer ok: %s\n", std::string(leakscope::to_string(clean.pattern)).c_str());
    return 0;
}
