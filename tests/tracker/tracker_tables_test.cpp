// The tracker's tables on their own: the live table grows and shrinks with the live set, the stack depot
// gives one id per distinct stack even when threads race to insert it, mapped regions split like the
// kernel's.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "clone_sentinel.hpp"
#include "fork_state.hpp"
#include "live_table.hpp"
#include "mapped_regions.hpp"
#include "stack_depot.hpp"

namespace leakscope::tracker {
namespace {

TEST(TrackerTables, LiveTableFollowsTheLiveSetUpAndDown) {
    static LiveTable table;  // big (filter, shards): not on the stack
    const std::size_t empty_footprint = table.footprint_bytes();
    constexpr std::uint64_t kBlocks = 200000;
    for (std::uint64_t i = 0; i < kBlocks; ++i)
        ASSERT_TRUE(table.insert(0x7f0000000000ull + i * 48, LiveEntry{0, i, static_cast<LocalStackId>(i % 7), 1}));
    EXPECT_EQ(table.size(), kBlocks);
    const std::size_t full_footprint = table.footprint_bytes();
    EXPECT_LT(full_footprint, kBlocks * sizeof(LiveEntry) * 5) << "proportional to the live set";
    LiveEntry out{};
    for (std::uint64_t i = 0; i < kBlocks; i += 2) {
        ASSERT_TRUE(table.remove(0x7f0000000000ull + i * 48, out));
        EXPECT_EQ(out.bytes, i);
        EXPECT_EQ(out.stack, i % 7);
    }
    EXPECT_FALSE(table.remove(0x7f0000000000ull, out)) << "already removed";
    for (std::uint64_t i = 1; i < kBlocks; i += 2) ASSERT_TRUE(table.remove(0x7f0000000000ull + i * 48, out));
    EXPECT_EQ(table.size(), 0u);
    EXPECT_LT(table.footprint_bytes(), full_footprint / 8) << "shrinks back when the blocks are freed";
    EXPECT_GE(table.footprint_bytes(), empty_footprint);
}

TEST(TrackerTables, LiveTableMatchesAReferenceUnderChurn) {
    // A churning live set (removals in random order, so entries move back into every kind of gap,
    // including across the end of a shard's slot array) against std::map.
    static LiveTable table;
    std::map<std::uint64_t, std::uint64_t> reference;
    std::uint64_t x = 88172645463325252ull;
    auto next = [&x] { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x; };
    LiveEntry out{};
    for (int step = 0; step < 400000; ++step) {
        const std::uint64_t address = 0x7f0000000000ull + (next() % 6000) * 16;  // one 64 MiB region: 8 shards
        if (reference.count(address)) {
            ASSERT_TRUE(table.remove(address, out)) << step;
            ASSERT_EQ(out.bytes, reference[address]) << step;
            reference.erase(address);
        } else {
            ASSERT_FALSE(table.remove(address, out)) << step;
            ASSERT_TRUE(table.insert(address, LiveEntry{0, static_cast<std::uint64_t>(step), 1, 1}));
            reference[address] = static_cast<std::uint64_t>(step);
        }
    }
    EXPECT_EQ(table.size(), reference.size());
    for (const auto& [address, bytes] : reference) {
        ASSERT_TRUE(table.remove(address, out));
        EXPECT_EQ(out.bytes, bytes);
    }
    EXPECT_EQ(table.size(), 0u);
}

TEST(TrackerTables, LiveTableReplacesAMissedFree) {
    static LiveTable table;
    ASSERT_TRUE(table.insert(0x1000, LiveEntry{0, 10, 3, 1}));
    LiveEntry replaced{};
    ASSERT_TRUE(table.insert(0x1000, LiveEntry{0, 20, 4, 1}, &replaced));
    EXPECT_EQ(replaced.bytes, 10u);
    EXPECT_EQ(replaced.stack, 3u);
    EXPECT_EQ(table.size(), 1u);
}

TEST(TrackerTables, LiveTableKeepsEntriesThatDoNotPackWhole) {
    // Sampling mode's weights and blocks of 4 GiB or more do not fit a 16-byte entry: they live in the
    // shard's table of whole entries, next to packed ones of the same shard, and a missed free is found
    // whichever table holds the address.
    static LiveTable table;
    const std::uint64_t base = 0x7f0000000000ull;
    ASSERT_TRUE(table.insert(base, LiveEntry{0, 100, 5, 1}));                         // packed
    ASSERT_TRUE(table.insert(base + 16, LiveEntry{0, 5ull << 32, 6, 1}));             // 20 GiB
    ASSERT_TRUE(table.insert(base + 32, LiveEntry{0, 524288, 7, 3}));                 // a sampling weight
    ASSERT_TRUE(table.insert(base + 48, LiveEntry{0, UINT32_MAX, 8, 1}));             // the largest packed size
    EXPECT_EQ(table.size(), 4u);
    LiveEntry out{};
    ASSERT_TRUE(table.remove(base + 16, out));
    EXPECT_EQ(out.address, base + 16);
    EXPECT_EQ(out.bytes, 5ull << 32);
    EXPECT_EQ(out.stack, 6u);
    EXPECT_EQ(out.count_weight, 1u);
    ASSERT_TRUE(table.remove(base + 32, out));
    EXPECT_EQ(out.bytes, 524288u);
    EXPECT_EQ(out.count_weight, 3u);
    ASSERT_TRUE(table.remove(base + 48, out));
    EXPECT_EQ(out.bytes, UINT32_MAX);

    LiveEntry replaced{};
    ASSERT_TRUE(table.insert(base, LiveEntry{0, 7, 9, 2}, &replaced)) << "a wide entry over a packed one";
    EXPECT_EQ(replaced.address, base);
    EXPECT_EQ(replaced.bytes, 100u);
    EXPECT_EQ(replaced.stack, 5u);
    EXPECT_EQ(table.size(), 1u);
    replaced = LiveEntry{};
    ASSERT_TRUE(table.insert(base, LiveEntry{0, 8, 10, 1}, &replaced)) << "a packed entry over a wide one";
    EXPECT_EQ(replaced.bytes, 7u);
    EXPECT_EQ(replaced.count_weight, 2u);
    EXPECT_EQ(table.size(), 1u);
    ASSERT_TRUE(table.remove(base, out));
    EXPECT_EQ(out.bytes, 8u);
    EXPECT_EQ(out.stack, 10u);
    EXPECT_FALSE(table.remove(base, out));
    EXPECT_EQ(out.address, 0u) << "nothing found, nothing returned";
    EXPECT_EQ(table.size(), 0u);
}

TEST(TrackerTables, LiveTableMatchesAReferenceUnderChurnOfBothKinds) {
    // Packed and whole entries mixed in the same shards, against std::map: frees of unknown addresses,
    // missed frees (an address inserted again), growth and shrinking of both tables.
    static LiveTable table;
    std::map<std::uint64_t, LiveEntry> reference;
    std::mt19937_64 random(7);
    LiveEntry out{};
    for (int step = 0; step < 300000; ++step) {
        const std::uint64_t address = 0x7f0000000000ull + (random() % 5000) * 16;
        const std::uint64_t roll = random() % 10;
        if (roll < 4) {
            const bool known = reference.count(address) != 0;
            ASSERT_EQ(table.remove(address, out), known) << step;
            if (known) {
                const LiveEntry& expected = reference[address];
                ASSERT_EQ(out.bytes, expected.bytes) << step;
                ASSERT_EQ(out.stack, expected.stack) << step;
                ASSERT_EQ(out.count_weight, expected.count_weight) << step;
                reference.erase(address);
            }
        } else {
            const bool wide = roll == 9;
            const LiveEntry entry{0, wide && step % 2 ? (std::uint64_t{1} << 33) + static_cast<std::uint64_t>(step) : static_cast<std::uint64_t>(step),
                                  static_cast<LocalStackId>(step % 1000), wide && step % 2 == 0 ? 4u : 1u};
            LiveEntry replaced{};
            ASSERT_TRUE(table.insert(address, entry, &replaced));
            auto it = reference.find(address);
            if (it != reference.end()) {
                ASSERT_EQ(replaced.address, address) << step;
                ASSERT_EQ(replaced.bytes, it->second.bytes) << step;
                ASSERT_EQ(replaced.count_weight, it->second.count_weight) << step;
            } else {
                ASSERT_EQ(replaced.address, 0u) << step;
            }
            reference[address] = entry;
        }
        if (step % 50000 == 0) {
            ASSERT_EQ(table.size(), reference.size()) << step;
        }
    }
    for (const auto& [address, entry] : reference) {
        ASSERT_TRUE(table.remove(address, out));
        EXPECT_EQ(out.bytes, entry.bytes);
    }
    EXPECT_EQ(table.size(), 0u);
}

TEST(TrackerTables, LiveTableUnderConcurrentInsertsAndRemoves) {
    // Four threads churn blocks at the same time, two of them in the same 64 MiB region (the same
    // shards and locks), each also freeing addresses it never inserted; every entry comes back intact.
    static LiveTable table;
    constexpr int kThreads = 4, kSlots = 3000, kSteps = 200000;
    std::atomic<int> ready{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            // Threads 0 and 1 interleave in one region (even and odd 16-byte slots); 2 and 3 have their own.
            const std::uint64_t region = 0x7f0000000000ull + (t < 2 ? 0 : static_cast<std::uint64_t>(t) << 26);
            auto address_of = [&](int slot) {
                return t < 2 ? region + (static_cast<std::uint64_t>(slot) * 2 + static_cast<std::uint64_t>(t)) * 16
                             : region + static_cast<std::uint64_t>(slot) * 16;
            };
            std::vector<std::uint64_t> held(kSlots, 0);  // bytes + 1 of the slot's block, 0 = none
            std::mt19937_64 random(static_cast<std::uint64_t>(t) + 1);
            ready.fetch_add(1);
            while (ready.load() < kThreads) {
            }
            LiveEntry out{};
            for (int step = 0; step < kSteps; ++step) {
                const int slot = static_cast<int>(random() % kSlots);
                const std::uint64_t address = address_of(slot);
                if (held[slot]) {
                    if (!table.remove(address, out) || out.bytes + 1 != held[slot] || out.stack != static_cast<LocalStackId>(slot))
                        failures.fetch_add(1);
                    held[slot] = 0;
                } else {
                    if (table.remove(address, out)) failures.fetch_add(1);  // never inserted: unknown
                    const std::uint64_t bytes = step % 7 == 0 ? (std::uint64_t{1} << 32) + static_cast<std::uint64_t>(step)
                                                              : static_cast<std::uint64_t>(step);
                    if (!table.insert(address, LiveEntry{0, bytes, static_cast<LocalStackId>(slot), 1})) failures.fetch_add(1);
                    held[slot] = bytes + 1;
                }
            }
            for (int slot = 0; slot < kSlots; ++slot)
                if (held[slot] && (!table.remove(address_of(slot), out) || out.bytes + 1 != held[slot])) failures.fetch_add(1);
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(table.size(), 0u);
}

TEST(TrackerTables, PresenceFilterNeverSaysAbsentForAPresentBlock) {
    static LiveTable table;
    table.enable_presence_filter();
    for (std::uint64_t i = 0; i < 5000; ++i) table.insert(0x5000000 + i * 4096, LiveEntry{0, 1, 0, 1});
    for (std::uint64_t i = 0; i < 5000; ++i) ASSERT_TRUE(table.maybe_contains(0x5000000 + i * 4096));
    LiveEntry out{};
    for (std::uint64_t i = 0; i < 5000; ++i) table.remove(0x5000000 + i * 4096, out);
    int maybe = 0;
    for (std::uint64_t i = 0; i < 5000; ++i) maybe += table.maybe_contains(0x5000000 + i * 4096);
    EXPECT_EQ(maybe, 0) << "counters go back to zero";
}

// The fast paths of free and realloc have no test for null or the bootstrap pool's blocks: their filter
// bits are pinned, and must stay so through clear() (attach --track again) and entries coming and going
// in the same slots. A clear bit there would send free(nullptr) to read below address 0.
TEST(TrackerTables, PresenceFilterKeepsPinnedAddressesThroughClear) {
    static LiveTable table;
    alignas(64) static unsigned char pool[4096];
    const auto start = reinterpret_cast<std::uint64_t>(pool);
    table.enable_presence_filter(start, 200);
    auto all_pinned = [&] {
        bool pinned = table.maybe_contains(0);
        for (std::uint64_t offset = 0; offset < 200; offset += 16) pinned = pinned && table.maybe_contains(start + offset);
        return pinned;
    };
    EXPECT_TRUE(all_pinned());
    LiveEntry out{};
    for (std::uint64_t offset = 0; offset < 200; offset += 16) {
        table.insert(start + offset, LiveEntry{0, 1, 0, 1});
        table.remove(start + offset, out);
    }
    EXPECT_TRUE(all_pinned()) << "a removed entry cleared a pinned bit";
    for (std::uint64_t i = 0; i < 1000; ++i) table.insert(0x7000000 + i * 4096, LiveEntry{0, 1, 0, 1});
    table.clear();
    EXPECT_TRUE(all_pinned()) << "clear() dropped a pinned bit";
    int maybe = 0;
    for (std::uint64_t i = 0; i < 1000; ++i) maybe += table.maybe_contains(0x7000000 + i * 4096);
    EXPECT_LT(maybe, 30) << "clear() must forget the entries themselves (a few share a pinned slot)";
}

// A forked child's table starts over without rewriting what already reads as new (the pages stay shared
// with the parent): after it the table is byte for byte a new one, whatever it held (packed and whole
// entries in many shards, the filter open with aligned samples, pinned slots), and works as one.
TEST(TrackerTables, LiveTableStartsOverInAForkedChildAsANewOne) {
    static LiveTable table;
    static const LiveTable fresh;
    alignas(64) static unsigned char pool[4096];
    table.enable_presence_filter(reinterpret_cast<std::uint64_t>(pool), 200);
    table.open_fast_release(true);
    for (std::uint64_t i = 0; i < 3000; ++i)
        ASSERT_TRUE(table.insert(0x7f0000000000ull + i * 4096 + (i % 3) * (std::uint64_t{1} << 26),
                                 LiveEntry{0, i % 2 ? 100 : std::uint64_t{5} << 32, 1, static_cast<std::uint32_t>(1 + i % 2)}));
    ASSERT_NE(std::memcmp(&table, &fresh, sizeof table), 0);
    table.start_over_in_child();
    EXPECT_EQ(std::memcmp(&table, &fresh, sizeof table), 0) << "not the state of a new table";
    EXPECT_EQ(table.size(), 0u);
    table.enable_presence_filter();
    LiveEntry out{};
    EXPECT_FALSE(table.remove(0x7f0000000000ull + 4096, out)) << "the parent's entries are not the child's";
    ASSERT_TRUE(table.insert(0x7f0000000000ull + 4096, LiveEntry{0, 7, 2, 1}));
    EXPECT_TRUE(table.maybe_contains(0x7f0000000000ull + 4096));
    ASSERT_TRUE(table.remove(0x7f0000000000ull + 4096, out));
    EXPECT_EQ(out.bytes, 7u);
}

// The cheaper start-over of a forked child: the parent's entries are gone, its filter stays as it was
// (pins, open bits, the parent's blocks' counts: "maybe", never a miss), nothing of it written, and the
// table works as a new one.
TEST(TrackerTables, LiveTableForgetsTheParentsEntriesKeepingItsFilter) {
    static LiveTable table;
    alignas(4096) static unsigned char pool[4096];
    table.enable_presence_filter(reinterpret_cast<std::uint64_t>(pool), 200, 4096);
    table.open_fast_release(false);
    for (std::uint64_t i = 0; i < 40; ++i)
        ASSERT_TRUE(table.insert(0x7f0000000000ull + i * 4096, LiveEntry{0, i % 2 ? 100 : std::uint64_t{5} << 32, 1, 2}));
    static LiveTable filter_before;
    std::memcpy(static_cast<void*>(&filter_before), &table, sizeof table);
    ASSERT_TRUE(table.forget_parent_entries_in_child(64));
    EXPECT_EQ(table.size(), 0u);
    // The filter reads as the parent's did, address for address.
    int differ = 0;
    for (std::uint64_t i = 0; i < 20000; ++i) {
        const std::uint64_t address = 0x7f0000000000ull + i * 2048;
        differ += table.maybe_contains(address) != filter_before.maybe_contains(address) ||
                  table.fast_release_allowed(address) != filter_before.fast_release_allowed(address);
    }
    EXPECT_EQ(differ, 0);
    EXPECT_FALSE(table.fast_release_allowed(0)) << "null stays pinned";
    EXPECT_FALSE(table.fast_release_allowed(reinterpret_cast<std::uint64_t>(pool))) << "the pool stays pinned";
    LiveEntry out{};
    for (std::uint64_t i = 0; i < 40; ++i) {
        const std::uint64_t address = 0x7f0000000000ull + i * 4096;
        EXPECT_TRUE(table.maybe_contains(address)) << "a parent's block still reads maybe (its free finds no entry)";
        EXPECT_FALSE(table.fast_release_allowed(address));
        EXPECT_FALSE(table.remove(address, out)) << "the parent's entries are not the child's";
    }
    ASSERT_TRUE(table.insert(0x7f0000000000ull + 4096, LiveEntry{0, 7, 2, 1}));
    ASSERT_TRUE(table.remove(0x7f0000000000ull + 4096, out));
    EXPECT_EQ(out.bytes, 7u);
    EXPECT_TRUE(table.maybe_contains(0x7f0000000000ull + 4096)) << "the parent's count is left, above the child's";
    ASSERT_TRUE(table.insert(0x6f0000000000ull, LiveEntry{0, 9, 3, 1}));
    EXPECT_FALSE(table.fast_release_allowed(0x6f0000000000ull)) << "the child's own block goes to the general path";
    ASSERT_TRUE(table.remove(0x6f0000000000ull, out));
}

// More of the parent's blocks than the child may keep counting, or a filter lock held at the fork (a count
// and its bit half changed): nothing is changed, and the caller starts the table over.
TEST(TrackerTables, LiveTableKeepsNoFilterItCannotTrust) {
    static LiveTable table;
    static LiveTable copy;
    table.enable_presence_filter();
    table.open_fast_release(false);
    for (std::uint64_t i = 0; i < 100; ++i) ASSERT_TRUE(table.insert(0x7f0000000000ull + i * 4096, LiveEntry{0, 8, 1, 1}));
    std::memcpy(static_cast<void*>(&copy), &table, sizeof table);
    EXPECT_FALSE(table.forget_parent_entries_in_child(16)) << "100 blocks' slots: more than 16";
    EXPECT_EQ(std::memcmp(&copy, &table, sizeof table), 0) << "refused, it changed nothing";
    EXPECT_EQ(table.size(), 100u);
    table.start_over_in_child();
    EXPECT_EQ(table.size(), 0u);
}

// fork_state.hpp: the pages of every lock the fork handlers take reach a forked child zeroed (free), with
// the clone sentinel and the transport's reset words, while the parent's stay as they were.
TEST(TrackerTables, ForkStateReachesAForkedChildZeroed) {
    arm_clone_sentinel();
    if (!fork_state_wiped_in_children()) GTEST_SKIP() << "no MADV_WIPEONFORK (kernel before 4.14)";
    EXPECT_FALSE(in_raw_clone_child());
    g_fork_state.depot_shards[5].lock.lock();
    g_fork_state.depot_chunks.lock.lock();
    g_fork_state.mapped.lock.lock();
    ASSERT_EQ(pthread_mutex_lock(&g_fork_state.transport_mutex), 0);
    g_fork_state.transport.thread_pid.store(getpid());
    g_fork_state.transport.thread_started.store(true);
    const pid_t child = fork();
    if (child == 0) {
        const bool zeroed = in_raw_clone_child() && !g_fork_state.depot_shards[5].lock.held() &&
                            !g_fork_state.depot_chunks.lock.held() && !g_fork_state.mapped.lock.held() &&
                            pthread_mutex_trylock(&g_fork_state.transport_mutex) == 0 &&
                            g_fork_state.transport.thread_pid.load() == 0 && !g_fork_state.transport.thread_started.load();
        _exit(zeroed ? 0 : 1);
    }
    ASSERT_GT(child, 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child's copy was not all zero";
    EXPECT_FALSE(in_raw_clone_child()) << "the parent keeps its sentinel";
    EXPECT_TRUE(g_fork_state.depot_shards[5].lock.held()) << "and its locks";
    EXPECT_EQ(g_fork_state.transport.thread_pid.load(), getpid());
    g_fork_state.transport.thread_started.store(false);
    g_fork_state.transport.thread_pid.store(0);
    EXPECT_EQ(pthread_mutex_unlock(&g_fork_state.transport_mutex), 0);
    g_fork_state.mapped.lock.unlock();
    g_fork_state.depot_chunks.lock.unlock();
    g_fork_state.depot_shards[5].lock.unlock();
}

// free's fast path reads nothing but this filter (no gate of the thread's): closed, it must say "maybe"
// for every address (full tracking, per-call counting, before the real functions are known, after a
// detach); open, exactly the presence filter, null pinned.
TEST(TrackerTables, FastFreeIsTheFilterOnlyWhileOpen) {
    static LiveTable table;
    table.enable_presence_filter();
    auto allowed = [&](std::uint64_t first, int n) {
        int count = 0;
        for (int i = 0; i < n; ++i) count += table.fast_release_allowed(first + static_cast<std::uint64_t>(i) * 4096);
        return count;
    };
    EXPECT_EQ(allowed(0x9000000, 5000), 0) << "closed from the start";
    table.open_fast_release(false);
    EXPECT_FALSE(table.fast_release_allowed(0)) << "null's bit is pinned";
    for (std::uint64_t i = 0; i < 200; ++i) table.insert(0x5000000 + i * 4096, LiveEntry{0, 1, 0, 1});
    EXPECT_EQ(allowed(0x5000000, 200), 0) << "a block in the table went to the real free";
    EXPECT_GT(allowed(0x9000000, 5000), 4500) << "absent blocks take the fast free (a few share a slot)";
    table.close_fast_release();
    EXPECT_EQ(allowed(0x9000000, 5000), 0) << "closed again";
    int maybe = 0;
    for (std::uint64_t i = 0; i < 200; ++i) maybe += table.maybe_contains(0x5000000 + i * 4096);
    EXPECT_EQ(maybe, 200) << "the general paths' test does not depend on the fast one";
    LiveEntry out{};
    for (std::uint64_t i = 0; i < 200; ++i) table.remove(0x5000000 + i * 4096, out);
    EXPECT_EQ(allowed(0x5000000, 200), 0) << "a remove while closed cleared a fast bit";
    table.open_fast_release(false);
    EXPECT_GT(allowed(0x5000000, 200), 180) << "reopened: the bits follow the counts again";
}

// Opened for sampled blocks on the boundary (glibc), free's fast test is the address first: every block
// off a 4096-byte boundary goes straight to the real free whatever the filter holds, one on it only when
// the filter says it is absent (null and the table's blocks go on); closed, everything goes on again.
TEST(TrackerTables, FastFreeIsTheAddressFirstWhileOpenForAlignedSamples) {
    static LiveTable table;
    table.enable_presence_filter();
    table.open_fast_release(true);
    EXPECT_TRUE(table.aligned_release_open());
    EXPECT_FALSE(table.fast_release_allowed(0)) << "null goes on";
    // 256 blocks on the boundary in the table, and every 16-byte step after each: one of each 4096
    // bytes may share a filter slot with a block of the table, the others never do.
    for (std::uint64_t i = 0; i < 256; ++i) table.insert(0x5000000 + i * 4096, LiveEntry{0, 1, 0, 1});
    int present_allowed = 0, off_boundary_allowed = 0;
    for (std::uint64_t i = 0; i < 256; ++i) {
        present_allowed += table.fast_release_allowed(0x5000000 + i * 4096);
        for (std::uint64_t step = 16; step < 4096; step += 16) off_boundary_allowed += table.fast_release_allowed(0x5000000 + i * 4096 + step);
    }
    EXPECT_EQ(present_allowed, 0) << "a sampled block on the boundary went to the real free";
    EXPECT_EQ(off_boundary_allowed, 256 * 255) << "a block off the boundary was sent to the general path";
    int absent_allowed = 0;
    for (std::uint64_t i = 0; i < 1000; ++i) absent_allowed += table.fast_release_allowed(0x9000000 + i * 4096);
    EXPECT_GT(absent_allowed, 900) << "blocks on the boundary absent from the table take the fast free (a few share a slot)";
    table.close_fast_release();
    EXPECT_FALSE(table.aligned_release_open());
    int allowed = 0;
    for (std::uint64_t i = 0; i < 4096; ++i) allowed += table.fast_release_allowed(0x7000000 + i * 16);
    EXPECT_EQ(allowed, 0) << "closed: every free goes on";
}

// The fast free's bits, set and cleared by threads whose blocks lie in neighbouring slots (each thread
// every fourth slot of one run of 64, one word of bits shared by all four): while a thread's block is in
// the table, free's fast test must never let it through, whatever the other threads add and remove next
// to it. A bit written by a plain load and store of its word, not an atomic or/and, fails here (checked).
TEST(TrackerTables, FastFreeNeverPassesAPresentBlockUnderConcurrentChurn) {
    static LiveTable table;
    table.enable_presence_filter();
    table.open_fast_release(false);
    // An address in filter slot `slot` (the top 14 bits of the low 32 bits times 0x9e3779b1): that
    // product's inverse mod 2^32 applied to the slot's first hash value (Newton's iteration).
    std::uint32_t inverse = 0x9e3779b1u;
    for (int i = 0; i < 5; ++i) inverse *= 2u - 0x9e3779b1u * inverse;
    auto address_in_slot = [&](std::uint32_t slot, std::uint64_t high) {
        return high << 32 | static_cast<std::uint32_t>((slot << 18) * inverse);
    };
    ASSERT_EQ(static_cast<std::uint32_t>(address_in_slot(1234, 0)) * 0x9e3779b1u >> 18, 1234u);
    constexpr int kThreads = 4, kRounds = 50000, kHeld = 8, kRun = 64;
    std::atomic<int> passed_while_present{0}, ready{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            ready.fetch_add(1);
            while (ready.load() < kThreads) {
            }
            std::uint64_t held[kHeld] = {};
            LiveEntry out{};
            for (int round = 0; round < kRounds; ++round) {
                const int i = round % kHeld;
                if (held[i]) table.remove(held[i], out);
                // Slots 4000 + 4j + t, j = 0..15 in turn; the round in the high bits keeps them distinct.
                const auto slot = static_cast<std::uint32_t>(4000 + (round % (kRun / kThreads)) * kThreads + t);
                held[i] = address_in_slot(slot, static_cast<std::uint64_t>(round) + 1);
                table.insert(held[i], LiveEntry{0, 100, 0, 7});  // a sampling weight: the wide table
                for (std::uint64_t address : held)
                    if (address && table.fast_release_allowed(address)) passed_while_present.fetch_add(1);
            }
            for (std::uint64_t address : held)
                if (address) table.remove(address, out);
        });
    for (auto& th : threads) th.join();
    EXPECT_EQ(passed_while_present.load(), 0) << "a block in the table would have gone straight to the real free";
    int allowed = 0;
    for (std::uint32_t slot = 4000; slot < 4000 + kRun; ++slot) allowed += table.fast_release_allowed(address_in_slot(slot, 1));
    EXPECT_EQ(allowed, kRun) << "all removed: the slots take the fast free again";
}

TEST(TrackerTables, DepotGivesOneIdPerStackUnderConcurrentInserts) {
    static StackDepot depot;
    constexpr int kStacks = 3000, kThreads = 4;
    std::vector<std::vector<LocalStackId>> ids(kThreads, std::vector<LocalStackId>(kStacks));
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            ready.fetch_add(1);
            while (ready.load() < kThreads) {
            }
            for (int s = 0; s < kStacks; ++s) {
                std::uint64_t frames[3] = {0x400000u + static_cast<std::uint64_t>(s), 0x500000, static_cast<std::uint64_t>(s % 5)};
                ids[t][s] = depot.intern(frames, 1 + s % 3);
            }
        });
    for (auto& th : threads) th.join();
    std::set<LocalStackId> distinct(ids[0].begin(), ids[0].end());
    EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kStacks));
    EXPECT_EQ(distinct.count(kUnknownStack), 0u);
    for (int t = 1; t < kThreads; ++t) EXPECT_EQ(ids[t], ids[0]) << "every thread got the same id for the same stack";
    const StackRecord* rec = depot.ready_record(ids[0][7]);
    ASSERT_NE(rec, nullptr);
    EXPECT_EQ(rec->frame_count, 1u + 7 % 3);
    EXPECT_EQ(rec->frames[0], 0x400007u);
    EXPECT_EQ(depot.intern(nullptr, 0), kUnknownStack);
}

// fork's lock_all against inserts that open new record chunks (an insert holds its shard's lock when it
// takes the chunk lock): taken chunk lock first, the two waited for each other for ever, so a regression
// hangs here (ctest's timeout). The inserter starts only once the locking loop runs: on a loaded machine
// it once finished all its inserts before the main thread's first round (CI after session 29).
TEST(TrackerTables, DepotLocksForForkWhileInsertsOpenChunks) {
    static StackDepot depot;
    constexpr std::uint64_t kInserts = 5 * StackDepot::kChunkSize;
    std::atomic<bool> locking{false}, done{false};
    std::vector<LocalStackId> ids(kInserts + 1, kUnknownStack);
    std::thread inserter([&] {
        while (!locking.load()) std::this_thread::yield();
        for (std::uint64_t i = 1; i <= kInserts; ++i) {
            const std::uint64_t frames[2] = {0x1000 + i, 0x2000};
            ids[i] = depot.intern(frames, 2);
        }
        done.store(true);
    });
    do {
        depot.lock_all();
        depot.unlock_all();
        locking.store(true);
    } while (!done.load());
    inserter.join();
    // No insert was lost or given another stack's id while the depot was locked and unlocked under it.
    for (std::uint64_t i = 1; i <= kInserts; ++i) {
        ASSERT_NE(ids[i], kUnknownStack) << "insert " << i;
        const std::uint64_t frames[2] = {0x1000 + i, 0x2000};
        ASSERT_EQ(depot.intern(frames, 2), ids[i]) << "insert " << i;
    }
}

// A chunk of records is 256 KiB of fresh pages that only the records in use may touch: constructing all
// 4,096 at once made every process that interned one stack resident in all 64 pages (and every fork of it
// copy them), where a shell interns a few dozen.
TEST(TrackerTables, DepotTouchesOnlyThePagesOfTheRecordsItHolds) {
    static StackDepot depot;
    constexpr std::uint64_t kStacks = 30;
    LocalStackId first = kUnknownStack;
    for (std::uint64_t i = 0; i < kStacks; ++i) {
        const std::uint64_t frames[2] = {0x7000 + i, 0x8000};
        const LocalStackId id = depot.intern(frames, 2);
        ASSERT_NE(id, kUnknownStack);
        if (i == 0) first = id;
        const StackRecord* record = depot.ready_record(id);
        ASSERT_NE(record, nullptr);
        EXPECT_EQ(record->frame_count, 2u);
        EXPECT_EQ(record->allocated_count.load(), 0u) << "a fresh record starts at zero without being constructed";
    }
    const auto* chunk = &depot.record(first) - (first & (StackDepot::kChunkSize - 1));
    const std::size_t chunk_bytes = StackDepot::kChunkSize * sizeof(StackRecord);
    std::vector<unsigned char> resident(chunk_bytes / 4096);
    ASSERT_EQ(mincore(const_cast<StackRecord*>(chunk), chunk_bytes, resident.data()), 0) << std::strerror(errno);
    std::size_t pages = 0;
    for (const unsigned char page : resident) pages += page & 1;
    const std::size_t holding = (kStacks + 1) * sizeof(StackRecord) / 4096 + 1;  // ids start at 1
    EXPECT_LE(pages, holding) << "of the chunk's " << resident.size() << " pages";
}

TEST(TrackerTables, StackMemoAnswersAsTheDepotDoes) {
    // A thread's memo of its last stack may only shortcut the depot for the very same frames: stacks that
    // differ in the last frame, in one middle frame, or only in length get their own ids.
    static StackDepot depot;
    static StackMemo memo;
    std::mt19937 random(3);
    const std::uint64_t base[5] = {0x401000, 0x402000, 0x403000, 0x404000, 0x405000};
    std::map<std::vector<std::uint64_t>, LocalStackId> expected;
    for (int i = 0; i < 20000; ++i) {
        std::vector<std::uint64_t> frames(base, base + 1 + random() % 5);
        if (random() % 3 == 0) frames[random() % frames.size()] += 1 + random() % 2;
        const int repeats = 1 + static_cast<int>(random() % 3);  // runs of one stack, as in a loop
        for (int r = 0; r < repeats; ++r) {
            LocalStackId id = memo.intern(depot, frames.data(), frames.size());
            ASSERT_EQ(id, depot.intern(frames.data(), frames.size())) << "memo and depot disagree at " << i;
            auto [it, fresh] = expected.emplace(frames, id);
            ASSERT_EQ(it->second, id) << "one stack, one id";
        }
    }
    std::set<LocalStackId> ids;
    for (const auto& [frames, id] : expected) ids.insert(id);
    EXPECT_EQ(ids.size(), expected.size()) << "different stacks, different ids";
    std::uint64_t deep[64] = {};
    for (std::size_t i = 0; i < 64; ++i) deep[i] = 0x500000 + i;
    EXPECT_EQ(memo.intern(depot, deep, 64), depot.intern(deep, 64));
    deep[63] += 1;  // differs in the outermost frame only
    EXPECT_EQ(memo.intern(depot, deep, 64), depot.intern(deep, 64));
    EXPECT_NE(memo.intern(depot, deep, 64), memo.intern(depot, deep, 63));
    EXPECT_EQ(memo.intern(depot, nullptr, 0), kUnknownStack);
}

std::vector<std::pair<LocalStackId, std::int64_t>> g_released;
void remember(LocalStackId stack, std::int64_t bytes, std::int64_t) { g_released.emplace_back(stack, bytes); }

TEST(TrackerTables, MappedRegionsSplitTrimAndRemove) {
    static MappedRegions regions{&ForkState::mapped};
    g_released.clear();
    ASSERT_TRUE(regions.add(0x100000, 0x8000, 5));
    ASSERT_TRUE(regions.add(0x200000, 0x2000, 6));
    regions.remove(0x102000, 0x1000, remember);  // a hole: two pieces remain
    EXPECT_EQ(regions.mapped_bytes(), 0x7000 + 0x2000);
    MappedRegion r{};
    EXPECT_TRUE(regions.find(0x101000, r));
    EXPECT_FALSE(regions.find(0x102800, r)) << "inside the hole";
    EXPECT_TRUE(regions.find(0x107000, r));
    EXPECT_EQ(r.stack, 5u);
    regions.remove(0x0, 0x300000, remember);  // everything, across both stacks
    EXPECT_EQ(regions.mapped_bytes(), 0);
    std::int64_t released5 = 0, released6 = 0;
    for (auto [stack, bytes] : g_released) (stack == 5 ? released5 : released6) += bytes;
    EXPECT_EQ(released5, 0x8000);
    EXPECT_EQ(released6, 0x2000);
}

}  // namespace
}  // namespace leakscope::tracker
