// See include/memory_tuning.h.
#include "memory_tuning.h"

#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int mashup_tune_allocator(void) {
#if defined(__GLIBC__)
    int ok = 1;
    if (getenv("MALLOC_ARENA_MAX") == NULL) ok &= mallopt(M_ARENA_MAX, 2);
    if (getenv("MALLOC_MMAP_THRESHOLD_") == NULL) ok &= mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    if (getenv("MALLOC_TRIM_THRESHOLD_") == NULL) ok &= mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
    if (getenv("MALLOC_TOP_PAD_") == NULL) ok &= mallopt(M_TOP_PAD, 16 * 1024 * 1024);
    return ok ? 1 : 0;
#else
    return 0;
#endif
}

int mashup_trim_allocator(void) {
#if defined(__GLIBC__)
    return malloc_trim(0);
#else
    return 0;
#endif
}
