// Sampling mode's per-thread cache of freed sampled blocks (src/tracker/sampled_block_cache.hpp), against
// this process's own glibc: the classes are exactly the chunks glibc's memalign makes (the cache recognises a
// block of a class by its chunk size alone), a kept block comes back for its class only, and nothing else
// is kept: off the boundary, mmapped, resized out of its class, beyond a class's room or the byte bound.
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdint>
#include <cstdlib>
#include <set>
#include <vector>

#include "sampled_block_cache.hpp"
#include "under_address_sanitizer.hpp"
#include "usable_size.hpp"

namespace leakscope::tracker {
namespace {

namespace cache = sampled_block_cache;

/// Out of line: inlined next to a malloc, gcc warns of the header read before the block.
__attribute__((noinline)) std::size_t chunk_of(const void* block) { return glibc_chunk_bytes(glibc_chunk_header(block)); }

/// A thread's cache (zeroed, as a new counter slot's pages are), emptied after each test, its blocks back to glibc.
class SampledBlockCacheTest : public ::testing::Test {
protected:
    void SetUp() override {
#ifdef LEAKSCOPE_TEST_UNDER_ASAN
        // The cache reads glibc's chunk headers, and only ever runs on glibc's blocks (the tracker keeps no
        // block of another allocator): AddressSanitizer's allocator has no such headers to read.
        GTEST_SKIP() << "glibc's chunk layout: not AddressSanitizer's allocator";
#endif
    }
    void TearDown() override {
        if (IsSkipped()) return;
        for (std::size_t size = 0; size <= 8184; size += 8)
            while (void* block = take(cache::class_usable_bytes(size))) free(block);
        EXPECT_EQ(held(), 0u);
        for (void* block : set_aside_) free(block);
    }
    /// A block on the 4 KiB boundary whose chunk is exactly its class's, as the tracker places a sampled
    /// block. memalign leaves up to glibc's MINSIZE (32 bytes) of spare room with the chunk when it cannot
    /// split it off, depending on the heap's state: such a block is no class block; it is set aside until
    /// the test ends and another one taken.
    void* class_block(std::size_t usable) {
        for (int tries = 0; tries < 8; ++tries) {
            void* block = memalign(4096, usable);
            if (block && chunk_of(block) == usable + sizeof(std::size_t)) return block;
            set_aside_.push_back(block);
        }
        ADD_FAILURE() << "memalign made no chunk of exactly class " << usable << " in 8 tries";
        return memalign(4096, usable);
    }
    bool keep(void* block) { return cache::keep(kept_, block); }
    void* take(std::size_t usable) { return cache::take(kept_, usable); }
    std::uint64_t held() const { return kept_.held.load(); }
    SampledBlockCache kept_{};
    std::vector<void*> set_aside_;
};

TEST_F(SampledBlockCacheTest, ClassesAreGlibcsChunksAndHoldEverySize) {
    std::set<std::size_t> classes;
    for (std::size_t size = 0; size <= 8184; ++size) {
        const std::size_t usable = cache::class_usable_bytes(size);
        ASSERT_GE(usable, size) << size;
        const std::size_t chunk = usable + sizeof(std::size_t);
        ASSERT_EQ(chunk % 16, 0u) << size;
        const std::size_t needed = size + sizeof(std::size_t) < 32 ? 32 : (size + sizeof(std::size_t) + 15) & ~std::size_t{15};
        ASSERT_LE(chunk * 4, needed * 5) << "at most a quarter more than glibc's own chunk, size " << size;
        classes.insert(usable);
    }
    EXPECT_EQ(classes.size(), 31u);
    EXPECT_EQ(cache::class_usable_bytes(8185), 0u) << "larger blocks are placed at their own size";
    EXPECT_EQ(cache::class_usable_bytes(1 << 20), 0u);
    for (const std::size_t usable : classes) {
        void* block = memalign(4096, usable);
        ASSERT_NE(block, nullptr);
        // memalign splits the spare room after the aligned chunk off only when it is more than glibc's
        // MINSIZE (32 bytes): up to that much can stay with the chunk, which is then no class block (the
        // cache refuses it: KeepsOnlyClassBlocksOnTheBoundary). Which a run gets depends on the heap's state,
        // down to the length of the test's own path in its argv (session 31: the clean clone in /tmp/cc31b
        // got a 64-byte chunk for class 24 under ctest, /tmp/cc31 and /work/main the 32 bytes).
        const std::size_t chunk = chunk_of(block), class_chunk = usable + sizeof(std::size_t);
        EXPECT_TRUE(chunk == class_chunk || (chunk > class_chunk && chunk - class_chunk <= 32))
            << "memalign's chunk for class " << usable << ": " << chunk;
        EXPECT_EQ(malloc_usable_size(block), chunk - sizeof(std::size_t)) << usable;
        free(block);
    }
}

TEST_F(SampledBlockCacheTest, KeptBlocksComeBackForTheirClassOnly) {
    const std::size_t small = cache::class_usable_bytes(100), large = cache::class_usable_bytes(3000);
    ASSERT_NE(small, large);
    void* a = class_block(small);
    void* b = class_block(large);
    ASSERT_TRUE(keep(a));
    ASSERT_TRUE(keep(b));
    EXPECT_EQ(held(), chunk_of(a) + chunk_of(b));
    EXPECT_EQ(take(cache::class_usable_bytes(3)), nullptr) << "another class";
    EXPECT_EQ(take(small), a);
    EXPECT_EQ(take(small), nullptr);
    EXPECT_EQ(held(), chunk_of(b));
    EXPECT_EQ(take(large), b);
    EXPECT_EQ(held(), 0u);
    free(a);
    free(b);
}

TEST_F(SampledBlockCacheTest, KeepsOnlyClassBlocksOnTheBoundary) {
    const std::size_t usable = cache::class_usable_bytes(500);
    // Off the boundary: glibc's own blocks (a 16-byte step past one on it, at the least).
    void* off = nullptr;
    ASSERT_EQ(posix_memalign(&off, 32, usable), 0);
    if ((reinterpret_cast<std::uintptr_t>(off) & 4095) == 0) {
        free(off);
        off = malloc(usable);  // not on the boundary twice in a row in a heap this small
    }
    EXPECT_FALSE(keep(off));
    free(off);
    // Mmapped by glibc (its chunk at a page start, the block 16 bytes in): never a class's.
    void* mapped = malloc(4 << 20);
    EXPECT_FALSE(keep(mapped));
    free(mapped);
    // Grown in place by a realloc: no longer a class's chunk.
    void* grown = memalign(4096, usable);
    void* after = realloc(grown, usable + 200);
    ASSERT_NE(after, nullptr);
    if (after == grown) {
        EXPECT_FALSE(keep(after)) << "chunk " << chunk_of(after);
    }
    free(after);
    // On the boundary, larger than the largest class.
    void* big = memalign(4096, 20000);
    EXPECT_FALSE(keep(big));
    free(big);
    EXPECT_EQ(held(), 0u);
}

TEST_F(SampledBlockCacheTest, BoundedByClassAndInBytes) {
    const std::size_t usable = cache::class_usable_bytes(64);
    std::vector<void*> blocks;
    for (std::size_t i = 0; i <= SampledBlockCache::kPerClass; ++i) blocks.push_back(class_block(usable));
    for (std::size_t i = 0; i < SampledBlockCache::kPerClass; ++i) EXPECT_TRUE(keep(blocks[i]));
    EXPECT_FALSE(keep(blocks.back())) << "a class holds kPerClass blocks";
    free(blocks.back());
    // The byte bound: blocks of the four largest classes (4 of each would be 104 KiB) until it is reached.
    bool bounded = false;
    for (const std::size_t size : {5000, 6000, 7000, 8000}) {
        for (std::size_t i = 0; i < SampledBlockCache::kPerClass && !bounded; ++i) {
            void* block = class_block(cache::class_usable_bytes(size));
            if (keep(block)) continue;
            EXPECT_GT(held() + chunk_of(block), SampledBlockCache::kMaxHeldBytes) << "refused below the bound";
            bounded = true;
            free(block);
        }
    }
    EXPECT_TRUE(bounded);
    EXPECT_LE(held(), SampledBlockCache::kMaxHeldBytes);
}

}  // namespace
}  // namespace leakscope::tracker
