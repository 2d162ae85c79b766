// The library under a (fake) tracker: this binary exports the tracker's C symbols itself, so the
// dlsym(RTLD_DEFAULT, ...) look-ups find them exactly as they would find the preloaded tracker's.
// The fake keeps exact per-site live bytes the test body moves, so the expected figures are exact.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <vector>

#include "tracker/tracker_abi.h"
#include "leakscope/cycles.hpp"
#include "leakscope/events.h"
#include "tracker/tracker_abi.h"

namespace {

struct FakeSite {
    std::uint64_t stack_id;
    std::int64_t live_bytes;
    std::vector<std::uint64_t> frames;
};

std::mutex fake_mutex;
std::vector<FakeSite> fake_sites;
std::atomic<std::uint64_t> fake_events{0};
std::atomic<bool> fake_sampling{false};

std::int64_t total_live() {
    std::int64_t total = 0;
    for (const FakeSite& site : fake_sites) total += site.live_bytes;
    return total;
}

}  // namespace

extern "C" {

__attribute__((noinline)) std::uint64_t return_address_here() {
    return reinterpret_cast<std::uint64_t>(__builtin_return_address(0));
}

/// A return address inside fake_leaky_function, as a real stack holds one (after a call), so the
/// symbolizer's answer (file:line, inlined frames) is what it gives for real stacks.
std::uint64_t fake_leaky_return_address = 0;

__attribute__((visibility("default"), noinline)) void fake_leaky_function(std::int64_t bytes) {
    if (bytes == 0) {
        fake_leaky_return_address = return_address_here();
        return;
    }
    std::lock_guard lock(fake_mutex);
    fake_sites[1].live_bytes += bytes;
}

__attribute__((visibility("default"))) int leakscope_tracker_query(leakscope_tracker_stats* stats) {
    std::lock_guard lock(fake_mutex);
    stats->live_heap_bytes = static_cast<std::uint64_t>(total_live());
    stats->events = fake_events.load();
    stats->sampling = fake_sampling ? 1 : 0;
    return 0;
}

__attribute__((visibility("default"))) void leakscope_tracker_add_events(std::uint64_t n) { fake_events += n; }

__attribute__((visibility("default"))) long leakscope_tracker_sites(leakscope_tracker_site* out,
                                                                    unsigned long capacity, std::uint32_t size) {
    if (size != sizeof(leakscope_tracker_site)) return -1;
    std::lock_guard lock(fake_mutex);
    unsigned long copied = 0;
    for (const FakeSite& site : fake_sites) {
        if (copied == capacity) break;
        leakscope_tracker_site& slot = out[copied++];
        std::memset(&slot, 0, sizeof slot);
        slot.stack_id = site.stack_id;
        slot.live_bytes = site.live_bytes;
        slot.frame_count = static_cast<std::uint32_t>(site.frames.size());
        for (std::size_t i = 0; i < site.frames.size(); ++i) slot.frames[i] = site.frames[i];
    }
    return static_cast<long>(copied);
}

}  // extern "C"

namespace {

class ApiFakeTracker : public ::testing::Test {
protected:
    void SetUp() override {
        fake_leaky_function(0);  // records a return address inside it
        std::lock_guard lock(fake_mutex);
        // Innermost first: libc's malloc (plumbing, skipped), then the function a person would fix.
        const auto in_libc = reinterpret_cast<std::uint64_t>(dlsym(RTLD_DEFAULT, "malloc")) + 16;
        const auto in_leaky = fake_leaky_return_address;
        fake_sites = {
            {1, 4 << 20, {in_libc}},            // long-lived heap, constant
            {2, 0, {in_libc, in_leaky}},        // grows in steady state
            {3, 0, {in_libc}},                  // warm-up only
        };
        fake_events = 0;
        fake_sampling = false;
    }
    static void warm(std::int64_t bytes) {
        std::lock_guard lock(fake_mutex);
        fake_sites[2].live_bytes += bytes;
    }
};

TEST_F(ApiFakeTracker, TrackerIsFound) { EXPECT_EQ(leakscope_tracker_present(), 1); }

TEST_F(ApiFakeTracker, ExactRateWarmupAndTopSite) {
    int cycle = 0;
    const auto result = leakscope::measure_cycles(1000, [&] {
        if (cycle++ < 20) warm(64 * 1024);  // 1.25 MiB over the first 20 cycles
        fake_leaky_function(24);
    });
    EXPECT_EQ(result.source, "tracker");
    EXPECT_TRUE(result.leak) << result;
    EXPECT_NEAR(result.bytes_per_cycle, 24.0, 0.01) << result;
    EXPECT_NEAR(result.warmup_bytes, 20 * 64 * 1024, 0.1 * 20 * 64 * 1024) << result;
    ASSERT_FALSE(result.sites.empty()) << result;
    EXPECT_EQ(result.sites.size(), 1u) << "the warm-up site and the constant one do not grow in steady state";
    const leakscope::Site& top = result.sites.front();
    EXPECT_EQ(top.function, "fake_leaky_function");
    EXPECT_NEAR(top.bytes_per_cycle, 24.0, 1e-9);
    EXPECT_EQ(top.live_bytes, 24.0 * 1000);
    EXPECT_NE(top.location.find("fake_leaky_function"), std::string::npos);
    // Named by the CLI's libdw symbolizer: the source file and line, not "?? (module+0x...)".
    EXPECT_NE(top.file.find("api_fake_tracker_test.cpp"), std::string::npos) << top.location;
    EXPECT_GE(top.line, 49) << top.location;  // the call of return_address_here(), line 50
    EXPECT_LE(top.line, 51) << top.location;
    EXPECT_NE(top.location.find("(api_fake_tracker_test.cpp:"), std::string::npos) << top.location;
    EXPECT_NE(leakscope::describe(result).find("Top growing site: fake_leaky_function"), std::string::npos)
        << leakscope::describe(result);
}

TEST_F(ApiFakeTracker, EachCycleIsCountedAsAnEvent) {
    (void)leakscope::measure_cycles(300, [] {});
    EXPECT_EQ(fake_events.load(), 300u);
    leakscope::MeasureOptions options;
    options.count_events = false;
    (void)leakscope::measure_cycles(300, [] {}, options);
    EXPECT_EQ(fake_events.load(), 300u);
}

TEST_F(ApiFakeTracker, EventsGoToTheTracker) {
    leakscope_event();
    leakscope_events(9);
    EXPECT_EQ(fake_events.load(), 10u);
}

TEST_F(ApiFakeTracker, MallinfoCanStillBeChosen) {
    leakscope::MeasureOptions options;
    options.source = leakscope::HeapSource::mallinfo;
    const auto result = leakscope::measure_cycles(200, [] { fake_leaky_function(1000); }, options);
    EXPECT_EQ(result.source, "mallinfo2");
    EXPECT_FALSE(result.leak) << "the fake's bytes are not real heap" << result;
    EXPECT_TRUE(result.sites.empty());
}

TEST_F(ApiFakeTracker, SampledTrackerYieldsToExactMallinfoUnlessAskedFor) {
    fake_sampling = true;  // `leakscope run --sample-bytes`: the tracker's totals are estimates
    const auto automatic = leakscope::measure_cycles(50, [] { fake_leaky_function(24); });
    EXPECT_EQ(automatic.source, "mallinfo2");
    leakscope::MeasureOptions options;
    options.source = leakscope::HeapSource::tracker;
    const auto forced = leakscope::measure_cycles(50, [] { fake_leaky_function(24); }, options);
    EXPECT_EQ(forced.source, "tracker");
    EXPECT_NEAR(forced.bytes_per_cycle, 24.0, 0.01) << forced;
}

TEST_F(ApiFakeTracker, FirstCycleWarmupBeforeIrregularGrowth) {
    // What a fragmented glibc heap does to a 1 MiB warm-up plus a 32-byte leak per cycle: the first
    // nodes reuse cached chunks (no growth), later ones now and then take a 48-byte chunk.
    int cycle = 0;
    const auto result = leakscope::measure_cycles(500, [&] {
        ++cycle;
        if (cycle == 1) warm(1 << 20);
        if (cycle <= 6) return;
        const bool larger_chunk = cycle % 17 == 0 && cycle < 250;
        fake_leaky_function(larger_chunk ? 48 : 32);
    });
    EXPECT_TRUE(result.leak) << result;
    EXPECT_NEAR(result.bytes_per_cycle, 32.0, 0.5) << result;
    EXPECT_NEAR(result.warmup_bytes, 1 << 20, 0.01 * (1 << 20)) << result;
    EXPECT_LE(result.warmup_cycles, 10) << result;
}

TEST_F(ApiFakeTracker, StaircaseIsNotTakenForAWarmup) {
    // A pool that adds a 4 KiB slab every 100 cycles, starting with the first: growth in steps, none
    // of it one-time, so the first step is no warm-up even though it is the largest jump in cycle 1.
    {
        std::lock_guard lock(fake_mutex);
        fake_sites[0].live_bytes = 0;  // the slabs are the whole heap: the first step is large
    }
    int cycle = 0;
    const auto result = leakscope::measure_cycles(2000, [&] {
        if (cycle++ % 100 == 0) fake_leaky_function(4096);
    });
    EXPECT_TRUE(result.leak) << result;
    EXPECT_NEAR(result.bytes_per_cycle, 40.96, 2.0) << result;
    EXPECT_LT(result.warmup_bytes, 4096) << result;
}

}  // namespace
