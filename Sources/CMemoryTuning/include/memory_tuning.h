// Tunes glibc's allocator for a process that streams large audio buffers (the mashup command).
//
// Why: a render allocates and frees buffers of several megabytes (a layer's slice, its stretched audio) from
// several threads. With glibc's defaults each thread may get its own arena and a freed block of that size stays
// in the arena (the dynamic mmap threshold rises to the largest block freed), so the resident size grows far past
// what is live: measured 420 MB resident for about 260 MB live in `mashup render` of a 3-minute plan.
// Buffers from 4 MiB up (a layer's audio, a stem chunk) are then mapped and unmapped one by one (given back to the system when freed), and two
// arenas serve all threads.
#ifndef MASHUP_MEMORY_TUNING_H
#define MASHUP_MEMORY_TUNING_H

/// Applies the settings above (glibc's mallopt). Call once, first thing in `main`. Returns 1 when glibc took
/// both settings, 0 otherwise (another C library: nothing changes). An environment that sets
/// MALLOC_ARENA_MAX or MALLOC_MMAP_THRESHOLD_ itself keeps its own value for that setting.
int mashup_tune_allocator(void);

/// Gives free heap memory back to the system (glibc's malloc_trim). Returns 1 when memory was released.
int mashup_trim_allocator(void);

#endif
