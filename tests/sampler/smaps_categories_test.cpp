// smaps categories: a written smaps text with one mapping of every kind, and this test process's own
// smaps while it holds a thread that exited without being joined.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "sampler/smaps_categories.hpp"

namespace leakscope::sampler {
namespace {

std::string mapping(const char* header, unsigned rss_kib) {
    return std::string(header) + "\nSize:               9999 kB\nRss:                " + std::to_string(rss_kib) +
           " kB\nPss:                1 kB\nVmFlags: rd wr mr mw me ac\n";
}

const std::string kSmaps =
    mapping("55d0c8a00000-55d0c8a21000 r-xp 00000000 08:01 1234   /usr/bin/service", 100) +
    mapping("55d0c9000000-55d0c9400000 rw-p 00000000 00:00 0      [heap]", 2000) +
    // glibc's non-main arena: usable part, then a big no-access reservation above it (not a guard).
    mapping("7f0000000000-7f0000800000 rw-p 00000000 00:00 0", 3000) +
    mapping("7f0000800000-7f0004000000 ---p 00000000 00:00 0", 0) +
    // a new arena right above that reservation: still not a stack (the mapping below is 56 MiB)
    mapping("7f0004000000-7f0004200000 rw-p 00000000 00:00 0", 400) +
    // a thread stack: one guard page, then the stack
    mapping("7f1000000000-7f1000001000 ---p 00000000 00:00 0", 0) +
    mapping("7f1000001000-7f1000801000 rw-p 00000000 00:00 0", 64) +
    // a custom stack without a guard, found by a thread's stack pointer
    mapping("7f2000000000-7f2000100000 rw-p 00000000 00:00 0", 32) +
    mapping("7f3000000000-7f3000200000 rw-s 00000000 00:05 777    /dev/zero (deleted)", 50) +
    mapping("7f4000000000-7f4000100000 rw-s 00000000 00:00 0", 7) +
    mapping("7f5000000000-7f5000010000 rw-p 00000000 00:00 0      [anon:jit code]", 5) +
    mapping("7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0      [stack]", 132) +
    mapping("7ffc00100000-7ffc00102000 r-xp 00000000 00:00 0      [vdso]", 8);

TEST(SmapsCategories, EveryKindOfMappingLandsInItsCategory) {
    const std::vector<std::uint64_t> stack_pointers{0x7f2000080000};
    const auto c = classify_smaps(kSmaps, stack_pointers);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->brk_heap, 2000u * 1024);
    EXPECT_EQ(c->stacks, (64u + 32 + 132) * 1024);
    EXPECT_EQ(c->anon_other, (3000u + 400 + 5) * 1024);
    EXPECT_EQ(c->file, (100u + 50) * 1024);
    EXPECT_EQ(c->other, (7u + 8) * 1024);
    // The stacks' mapped size ("Size:", resident or not): three stacks of 9999 kB each.
    EXPECT_EQ(c->stacks_mapped, 3u * 9999 * 1024);
    // Without the stack pointer the unguarded custom stack is just anonymous memory.
    const auto without = classify_smaps(kSmaps, {});
    EXPECT_EQ(without->stacks, (64u + 132) * 1024);
    EXPECT_EQ(without->stacks_mapped, 2u * 9999 * 1024);
    EXPECT_EQ(without->anon_other, (3000u + 400 + 5 + 32) * 1024);
}

TEST(SmapsCategories, AHeapHoldingSeveralThreadsStackPointersIsNoStack) {
    // A Go program (statically linked, its heap a garbage-collected arena): three threads asleep with
    // their stack pointers in the arena's first 8 MiB, where goroutine and g0 stacks are carved from
    // the heap. Counted as stacks, the heap's leak read "RSS grew in: thread stacks +45.4 MB".
    const std::string go =
        mapping("00400000-00490000 r-xp 00000000 fe:00 11379349   /srv/leak", 100) +
        mapping("c000000000-c000800000 rw-p 00000000 00:00 0", 6000) +
        mapping("c000800000-c004000000 ---p 00000000 00:00 0", 0) +
        mapping("7fdff2e06000-7fdff2e16000 rw-p 00000000 00:00 0", 40) +
        mapping("7fff586d3000-7fff586f4000 rw-p 00000000 00:00 0      [stack]", 132);
    const std::vector<std::uint64_t> in_the_arena{0xc000047800, 0xc00004bf10, 0xc00004dda8};
    const auto c = classify_smaps(go, in_the_arena);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->stacks, 132u * 1024);
    EXPECT_EQ(c->anon_other, (6000u + 40) * 1024);
    // One thread's pointer there alone is that thread's (custom, unguarded) stack, as before.
    const auto one = classify_smaps(go, std::vector<std::uint64_t>{0xc000047800});
    EXPECT_EQ(one->stacks, (6000u + 132) * 1024);
}

TEST(SmapsCategories, TextThatIsNotSmapsIsRejected) {
    EXPECT_FALSE(classify_smaps("", {}).has_value());
    EXPECT_FALSE(classify_smaps("Name:\tbash\nVmRSS:\t100 kB\n", {}).has_value());
    EXPECT_FALSE(classify_smaps("zzzz-1 rw-p\nRss: 5 kB\n", {}).has_value());
    // A broken Rss line is skipped, the rest still counts.
    const auto c = classify_smaps(mapping("1000-2000 rw-p 00000000 00:00 0  [heap]", 4) + "Rss: lots kB\n", {});
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->brk_heap, 4096u);
}

TEST(SmapsCategories, StackPointersFromTheSyscallFile) {
    EXPECT_EQ(parse_syscall_stack_pointer("230 0x0 0x0 0x7ffef19cb7c0 0x7ffef19cb800 0x0 0x0 0x7ffef19cb7a8 0x7f51522bf503\n"),
              0x7ffef19cb7a8u);
    EXPECT_EQ(parse_syscall_stack_pointer("-1 0x7ffef19cb7a8 0x7f51522bf503\n"), 0x7ffef19cb7a8u);
    EXPECT_FALSE(parse_syscall_stack_pointer("running\n").has_value());
    EXPECT_FALSE(parse_syscall_stack_pointer("").has_value());
    EXPECT_FALSE(parse_syscall_stack_pointer("1 2 zz 0x10\n").has_value());
}

std::string read_own_smaps() {
    std::ifstream in("/proc/self/smaps");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

int g_release[2] = {-1, -1};  // a pipe: threads that should block read from it until it closes

void* touch_stack(bool block) {
    volatile char buffer[512 * 1024];
    for (std::size_t i = 0; i < sizeof buffer; i += 4096) buffer[i] = 1;  // volatile stores: not optimized away
    char byte;
    if (block) (void)!read(g_release[0], &byte, 1);
    return nullptr;
}
void* touch_stack_and_block(void*) { return touch_stack(true); }
void* touch_stack_and_exit(void*) { return touch_stack(false); }

TEST(SmapsCategories, ThreadsNeverJoinedKeepTheirStacksAndAreCountedThere) {
    ASSERT_EQ(pipe(g_release), 0);
    const auto before = classify_smaps(read_own_smaps(), {});
    ASSERT_TRUE(before.has_value());
    // Threads blocked for good keep their whole touched stack; threads that exited unjoined keep their
    // mapping, but glibc gives back all but its top pages (the thread descriptor and TLS) at exit.
    std::vector<pthread_t> blocked(8), exited(8);
    for (auto& t : blocked) ASSERT_EQ(pthread_create(&t, nullptr, touch_stack_and_block, nullptr), 0);
    for (auto& t : exited) ASSERT_EQ(pthread_create(&t, nullptr, touch_stack_and_exit, nullptr), 0);
    usleep(300 * 1000);
    const auto after = classify_smaps(read_own_smaps(), {});
    close(g_release[1]);
    for (auto& t : blocked) pthread_join(t, nullptr);
    for (auto& t : exited) pthread_join(t, nullptr);
    close(g_release[0]);
    ASSERT_TRUE(after.has_value());
    EXPECT_GE(after->stacks, before->stacks + 8 * 512 * 1024 + 8 * 8192);
    // Each stack is mapped whole, more than its touched 512 KiB (glibc's default size is RLIMIT_STACK).
    EXPECT_GT(after->stacks_mapped, before->stacks_mapped + 16 * 512 * 1024);
    EXPECT_GE(after->stacks_mapped, after->stacks);
    EXPECT_LT(after->anon_other, before->anon_other + 1024 * 1024) << "the stacks are not counted as other anonymous memory";
}

TEST(SmapsCategories, AnonymousMmapsAreOtherAnonymousMemory) {
    const auto before = classify_smaps(read_own_smaps(), {});
    constexpr std::size_t kBytes = 16 << 20;
    void* block = mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(block, MAP_FAILED);
    std::memset(block, 1, kBytes);
    const auto after = classify_smaps(read_own_smaps(), {});
    munmap(block, kBytes);
    EXPECT_GE(after->anon_other, before->anon_other + kBytes);
    EXPECT_LT(after->stacks, before->stacks + (1u << 20));
}

}  // namespace
}  // namespace leakscope::sampler
