/* Marks what libleakscope.so exports. The library is built with -fvisibility=hidden so that only the
 * public API under include/leakscope/ is visible to the programs that link it. */
#ifndef LEAKSCOPE_EXPORT_H
#define LEAKSCOPE_EXPORT_H

#if defined(__GNUC__)
#define LEAKSCOPE_API __attribute__((visibility("default")))
#else
#define LEAKSCOPE_API
#endif

#endif
