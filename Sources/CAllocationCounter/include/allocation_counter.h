// Counts heap allocations made by the calling thread between `begin` and `end` (Benchmarks only).
//
// The Benchmarks executable links this target, whose malloc family (malloc, calloc, realloc, posix_memalign,
// aligned_alloc, memalign, valloc) takes precedence over glibc's for the whole process (ELF symbol interposition:
// the executable is searched first) and forwards to glibc's __libc_* entry points. glibc 2.34 removed
// __malloc_hook, so interposition is the way to see every allocation, the Swift runtime's included.
#ifndef MASHUP_ALLOCATION_COUNTER_H
#define MASHUP_ALLOCATION_COUNTER_H

/// Starts counting the calling thread's allocations (from zero).
void mashup_allocation_count_begin(void);

/// Stops counting and returns the number of allocations the calling thread made since `begin`.
long mashup_allocation_count_end(void);

/// 1 when this counter's malloc is the one the process uses (a self-check), else 0.
int mashup_allocation_counter_active(void);

#endif
