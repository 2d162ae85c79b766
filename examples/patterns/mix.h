/* SplitMix64's finalizer: the examples' deterministic pseudo-random choices (keys, sizes, which request
 * fails) drawn from a counter, the same in every run, so that a program's truth holds run after run.
 * For C and C++ programs alike. */
#pragma once

#include <stdint.h>

static inline uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}
