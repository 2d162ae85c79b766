// Sampling every 100 ms for days must not churn the heap: after a warm-up sample, sample() allocates
// nothing as long as its reads succeed. This binary replaces malloc & co. with counting wrappers around glibc's, so it is its own
// executable (and is not built under sanitizers, which replace malloc themselves).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>

#include "sampler/tree_sampler.hpp"
#include "test_data.hpp"

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* pointer, std::size_t size);
void __libc_free(void* pointer);
}

namespace {
std::atomic<long> g_allocations{0};
}

extern "C" {
void* malloc(std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_calloc(count, size);
}
void* realloc(void* pointer, std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_realloc(pointer, size);
}
void free(void* pointer) { __libc_free(pointer); }
}

namespace leakscope::sampler {
namespace {

long allocations_during_samples(TreeSampler& sampler, int samples) {
    sampler.sample();  // warm-up: buffers reach their working size
    sampler.sample();
    const long before = g_allocations.load();
    std::uint64_t total = 0;
    for (int i = 0; i < samples; ++i) total += sampler.sample().rss;
    const long after = g_allocations.load();
    EXPECT_GT(total, 0u);
    return after - before;
}

TEST(SamplerAllocations, CountingWrapperSeesAllocations) {
    const long before = g_allocations.load();
    void* volatile block = malloc(64);
    free(block);
    EXPECT_EQ(g_allocations.load() - before, 1);
}

TEST(SamplerAllocations, NoneWhenSamplingThisProcess) {
    TreeSampler sampler(::getpid());
    EXPECT_EQ(allocations_during_samples(sampler, 20), 0);
}

TEST(SamplerAllocations, NoneWhenSamplingAFakeTree) {
    // 101 and its child 104: every file present. (A failed read does allocate: its error message.)
    TreeSampler sampler(101, ProcFs((testing::data_dir() / "fake_tree").string()));
    EXPECT_EQ(allocations_during_samples(sampler, 20), 0);
}

}  // namespace
}  // namespace leakscope::sampler
