// LEAKSCOPE_TEST_UNDER_ASAN is defined in a build with AddressSanitizer, whose allocator and instrumented
// frames some tracker tests cannot assume. gcc says __SANITIZE_ADDRESS__, clang __has_feature (not a
// preprocessor expression gcc 12 can parse).
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define LEAKSCOPE_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LEAKSCOPE_TEST_UNDER_ASAN 1
#endif
#endif
