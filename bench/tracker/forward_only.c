/* The floor under any LD_PRELOAD allocation tracker: a preloaded library whose hooks only forward to
 * glibc's allocator (a jump each, to the __libc_ names glibc exports). run_end_to_end.sh preloads it
 * alone; whatever a tracker costs beyond this is its own work. glibc only. */
#include <stddef.h>

extern void* __libc_malloc(size_t);
extern void __libc_free(void*);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);

void* malloc(size_t size) { return __libc_malloc(size); }
void free(void* p) { __libc_free(p); }
void* calloc(size_t count, size_t size) { return __libc_calloc(count, size); }
void* realloc(void* p, size_t size) { return __libc_realloc(p, size); }
