// The heap figures folded from the counters: G1's shared maximum, the other collectors' split one,
// the files captured from JDK 17, and forged values.
#include "runtime/jvm_heap.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "perfdata_builder.hpp"

namespace leakscope::runtime {
namespace {

JvmHeapResult heap_of(const std::vector<std::uint8_t>& file) {
    static std::vector<PerfCounter> counters;
    const auto parsed = parse_perfdata(file, counters);
    EXPECT_TRUE(parsed.ok()) << parsed.message;
    return jvm_heap_from_counters(counters);
}

std::vector<std::uint8_t> read_data_file(const std::string& name) {
    std::ifstream in(std::string(RUNTIME_TEST_DATA_DIR) + "/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(JvmHeap, SumsTheSpacesAndCountsTheCollectors) {
    for (const bool big : {false, true}) {
        const auto result = heap_of(testing::g1_counters(12 << 20, 40 << 20, big).build(32768));
        ASSERT_TRUE(result.heap) << result.error;
        const JvmHeap& h = *result.heap;
        EXPECT_EQ(h.heap_used, (12u << 20) + (1u << 20) + (40u << 20));
        EXPECT_EQ(h.heap_committed, 320u << 20);
        EXPECT_EQ(h.heap_max, 1u << 30);  // G1: each generation states the whole heap's maximum
        EXPECT_EQ(h.old_gen_used, 40u << 20);
        EXPECT_EQ(h.eden_used, 12u << 20);  // space 0 of generation 0, not the survivor beside it
        EXPECT_EQ(h.metaspace_used, 5u << 20);
        EXPECT_EQ(h.young_gcs, 7u);
        EXPECT_EQ(h.full_gcs, 2u);
        EXPECT_EQ(h.concurrent_gcs, 4u);
        EXPECT_EQ(h.policy, "GarbageFirst");
    }
}

TEST(JvmHeap, CapturedG1AndSerialFilesGiveWhatJstatShows) {
    // jstat -gc on these JVMs a moment before: G1 EC 20480 KB, EU 12288 KB, OC 368640 KB, OU 0;
    // Serial S0C/S1C 12864 KB, EC 103296 KB, OC 258048 KB.
    auto g1 = heap_of(read_data_file("jdk17_g1.hsperfdata"));
    ASSERT_TRUE(g1.heap) << g1.error;
    EXPECT_EQ(g1.heap->heap_used, 12582912u);
    EXPECT_EQ(g1.heap->heap_committed, 20971544u + 377487368u);  // HotSpot counts 8 bytes per empty survivor
    EXPECT_EQ(g1.heap->heap_max, 6320816136ull);  // the old generation's, G1's 8-byte pad included
    EXPECT_EQ(g1.heap->old_gen_used, 0u);
    EXPECT_EQ(g1.heap->eden_used, 12288u * 1024);  // jstat's EU: all of it is eden before a collection
    EXPECT_FALSE(g1.heap->metaspace_used);  // no collection yet: HotSpot has not filled it in
    auto serial = heap_of(read_data_file("jdk17_serial.hsperfdata"));
    ASSERT_TRUE(serial.heap) << serial.error;
    EXPECT_EQ(serial.heap->policy, "Copy:MSC");
    EXPECT_EQ(serial.heap->heap_used, 19040088u);
    EXPECT_EQ(serial.heap->heap_committed, 132120576u + 264241152u);
    EXPECT_EQ(serial.heap->heap_max, 2106916864ull + 4213899264ull);  // the generations split the heap
}

TEST(JvmHeap, APauseUnderWayIsToldByTheCollectorsTimeStamps) {
    auto during = heap_of(testing::g1_counters(1, 2)
                              .number("sun.gc.collector.1.lastEntryTime", 5000)
                              .number("sun.gc.collector.1.lastExitTime", 4000)
                              .build());
    ASSERT_TRUE(during.heap);
    EXPECT_TRUE(during.heap->in_collection);
    auto after = heap_of(testing::g1_counters(1, 2)
                             .number("sun.gc.collector.1.lastEntryTime", 5000)
                             .number("sun.gc.collector.1.lastExitTime", 5100)
                             .build());
    EXPECT_FALSE(after.heap->in_collection);
    EXPECT_FALSE(heap_of(testing::g1_counters(1, 2).build()).heap->in_collection);
}

TEST(JvmHeap, AFileWithoutHeapCountersIsAnError) {
    const auto result = heap_of(testing::PerfFileBuilder().number("sun.rt.createVmBeginTime", 1).build());
    EXPECT_FALSE(result.heap);
    EXPECT_EQ(result.error, "hsperfdata: no sun.gc.generation.*.space.*.used counters (a JVM without GC counters?)");
}

TEST(JvmHeap, ForgedSizesAreErrorsNotWrappedNumbers) {
    auto negative = heap_of(testing::PerfFileBuilder().number("sun.gc.generation.0.space.0.used", -1).build());
    EXPECT_EQ(negative.error, "hsperfdata: counter sun.gc.generation.0.space.0.used is negative");
    auto huge = heap_of(testing::PerfFileBuilder()
                            .number("sun.gc.generation.0.space.0.used", INT64_MAX)
                            .number("sun.gc.generation.0.space.1.used", INT64_MAX)
                            .number("sun.gc.generation.0.space.2.used", INT64_MAX)
                            .build());
    EXPECT_EQ(huge.error, "hsperfdata: the heap's used bytes overflow 64 bits");
    // Indices past what HotSpot uses and names that only start like a counter are ignored.
    auto odd = heap_of(testing::PerfFileBuilder()
                           .number("sun.gc.generation.0.space.0.used", 10)
                           .number("sun.gc.generation.99.space.0.used", 1000)
                           .number("sun.gc.generation.1.space.x.used", 1000)
                           .number("sun.gc.generation.1.space.0.usedX", 1000)
                           .number("sun.gc.collector.18446744073709551616.invocations", 5)
                           .build());
    ASSERT_TRUE(odd.heap) << odd.error;
    EXPECT_EQ(odd.heap->heap_used, 10u);
    EXPECT_EQ(odd.heap->young_gcs, 0u);
}

}  // namespace
}  // namespace leakscope::runtime
