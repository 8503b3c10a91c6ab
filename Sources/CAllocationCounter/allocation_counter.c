// Heap allocation counter for the "no allocation in process" benchmark; see include/allocation_counter.h.
#include "allocation_counter.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);

// Thread-local (local-exec TLS in the executable: no allocation to reach it), so other threads' allocations
// during a measurement are not counted.
static __thread int counting;
static __thread long counted;

static inline void note(void) {
    if (counting) counted += 1;
}

void mashup_allocation_count_begin(void) {
    counted = 0;
    counting = 1;
}

long mashup_allocation_count_end(void) {
    counting = 0;
    return counted;
}

int mashup_allocation_counter_active(void) {
    mashup_allocation_count_begin();
    void *volatile probe = malloc(16);
    free(probe);
    return mashup_allocation_count_end() == 1;
}

void *malloc(size_t size) {
    note();
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    note();
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    note();
    return __libc_realloc(pointer, size);
}

void free(void *pointer) { __libc_free(pointer); }

void *memalign(size_t alignment, size_t size) {
    note();
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    note();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    note();
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *result = pointer;
    return 0;
}

void *valloc(size_t size) {
    note();
    return __libc_memalign((size_t)sysconf(_SC_PAGESIZE), size);
}
