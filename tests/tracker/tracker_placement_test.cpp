// Sampling mode's placement of sampled blocks (src/tracker/sampled_placement.*): every block it places is
// one the free hook's header check sends to the table (no false negative), its contents survive the move,
// and unsampled blocks pass that check only rarely (bounded false positives), all against the real glibc
// allocator of this test process.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "real_functions.hpp"
#include "sampled_placement.hpp"
#include "usable_size.hpp"

namespace leakscope::tracker {
namespace {

class SampledPlacement : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(resolve_real_functions(RealLookup::kProgramGlobalScope));
        initialize_usable_size();
        if (!g_glibc_chunk_headers) GTEST_SKIP() << "not glibc's allocator (sanitizer build?): placement is unused";
    }
};

bool placed_where_free_looks(const void* p) { return may_hold_sampled_block(p, glibc_chunk_header(p)); }

TEST_F(SampledPlacement, PlacedBlocksAreAlwaysFoundAndKeepTheirContents) {
    // Heap chunks of several size classes, and mmapped ones (beyond the 128 KiB default threshold).
    for (std::size_t size : {0ul, 1ul, 24ul, 100ul, 1000ul, 5000ul, 70000ul, 300000ul, 2000000ul}) {
        for (BlockContent content : {BlockContent::kUninitialized, BlockContent::kZeroed, BlockContent::kKept}) {
            for (int round = 0; round < 20; ++round) {
                auto* p = static_cast<unsigned char*>(g_real.malloc(size));
                ASSERT_NE(p, nullptr);
                std::memset(p, content == BlockContent::kZeroed ? 0 : 0x5a, size);  // as calloc or the program left it
                auto* q = static_cast<unsigned char*>(place_sampled_block(p, size, content));
                ASSERT_NE(q, nullptr);
                EXPECT_TRUE(placed_where_free_looks(q)) << size << " bytes at " << static_cast<void*>(q);
                EXPECT_GE(g_real.malloc_usable_size(q), size);
                if (size && content == BlockContent::kKept) {
                    EXPECT_EQ(q[0], 0x5a);
                    EXPECT_EQ(q[size - 1], 0x5a);
                }
                if (size && content == BlockContent::kZeroed) {
                    EXPECT_EQ(q[0], 0);
                    EXPECT_EQ(q[size - 1], 0);
                }
                EXPECT_EQ(place_sampled_block(q, size, content), q) << "a placed block stays where it is";
                g_real.free(q);
            }
        }
    }
}

TEST_F(SampledPlacement, UnsampledBlocksRarelyTakeTheSlowFree) {
    // A small glibc block is 16-byte aligned: it passes the alignment test by chance in 16 of 4096
    // cases (0.39%). Allow 1% over 20000 live blocks of mixed sizes.
    std::mt19937 random(7);
    std::vector<void*> blocks;
    int passed = 0;
    for (int i = 0; i < 20000; ++i) {
        void* p = g_real.malloc(16 + random() % 4096);
        ASSERT_NE(p, nullptr);
        passed += placed_where_free_looks(p);
        blocks.push_back(p);
    }
    for (void* p : blocks) g_real.free(p);
    EXPECT_LT(passed, 200) << "of 20000 unsampled blocks";
    EXPECT_GE(kSampledAlignment, 1024u) << "the alignment sets the false-positive rate (16 / alignment)";
}

}  // namespace
}  // namespace leakscope::tracker
