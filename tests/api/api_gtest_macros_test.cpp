// EXPECT_NO_LEAK / ASSERT_NO_LEAK: pass on clean bodies, fail with the rate and warm-up in the message.
#include <gtest/gtest-spi.h>

#include <string>
#include <vector>

#include "leakscope/gtest.hpp"

namespace {

struct Node {
    Node* next;
};
// Globals, because EXPECT_FATAL_FAILURE's statement may not use the test's locals.
Node* leaked_head = nullptr;
void leak_one_node() { leaked_head = new Node{leaked_head}; }
void free_leaked_nodes() {
    while (leaked_head) delete std::exchange(leaked_head, leaked_head->next);
}

void assert_no_leak_on_a_leaking_body() {
    ASSERT_NO_LEAK(600, [] { leak_one_node(); });
}

TEST(ApiGtestMacros, CleanBodyPasses) {
    EXPECT_NO_LEAK(500, [] { std::vector<int> scratch(100, 1); });
    ASSERT_NO_LEAK(500, [] { std::string text(200, 't'); });
}

TEST(ApiGtestMacros, WarmupPasses) {
    std::vector<char> cache;
    EXPECT_NO_LEAK(500, [&] {
        if (cache.empty()) cache.resize(4 << 20);
    });
}

TEST(ApiGtestMacros, CommasInsideTheBodyAreFine) {
    std::vector<std::pair<int, int>> pairs;
    EXPECT_NO_LEAK(300, [&, limit = 3] {
        std::pair<int, int> p{1, limit};
        (void)p;
    });
}

TEST(ApiGtestMacros, ExpectFailsWithRateAndWarmup) {
    EXPECT_NONFATAL_FAILURE(
        {
            std::vector<char> warm;
            EXPECT_NO_LEAK(600, [&] {
                if (warm.empty()) warm.resize(1 << 20);
                leak_one_node();
            });
        },
        "B per cycle");
    free_leaked_nodes();
    EXPECT_NONFATAL_FAILURE(
        {
            std::vector<char> warm;
            EXPECT_NO_LEAK(600, [&] {
                if (warm.empty()) warm.resize(1 << 20);
                leak_one_node();
            });
        },
        "warm-up of");
    free_leaked_nodes();
}

TEST(ApiGtestMacros, AssertIsFatal) {
    EXPECT_FATAL_FAILURE(assert_no_leak_on_a_leaking_body(), "memory grows per cycle over 600 cycles");
    free_leaked_nodes();
}

TEST(ApiGtestMacros, DanglingElseBindsToTheCallersIf) {
    bool reached_else = false;
    const bool condition = false;
    if (condition)
        EXPECT_NO_LEAK(10, [] {});
    else
        reached_else = true;
    EXPECT_TRUE(reached_else);
}

}  // namespace
