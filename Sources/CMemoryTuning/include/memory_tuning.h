// Tunes glibc's allocator for a process that streams large audio buffers (the mashup command).
//
// Why: a render allocates and frees buffers of several megabytes (a layer's slice, its stretched audio) from
// several threads. With glibc's defaults each thread may get its own arena and a freed block of that size stays
// in the arena (the dynamic mmap threshold rises to the largest block freed), so the resident size grows far past
// what is live: measured 420 MB resident for about 260 MB live in `mashup render` of a 3-minute plan.
// So two arenas serve all threads, with fixed thresholds instead of the dynamic ones:
// - buffers from 32 MiB up (glibc's largest mmap threshold) are mapped and unmapped one by one, given back to the
//   system when freed;
// - smaller ones (a layer's audio, a stem chunk's working arrays, 1-30 MB) come from the arenas, whose free top is
//   kept up to 64 MiB (trim threshold) and grown 16 MiB at a time (top pad). With every buffer from 4 MiB mapped
//   afresh and the arenas trimmed past 128 KiB, a 3-minute render spent 2.2 s of its 9.9 s CPU in the kernel
//   zeroing and faulting in fresh pages; with these settings 0.5 s, for 30-60 MB more peak resident (about 200 MB,
//   flat from 3- to 10-minute renders; `scripts/bench/render_memory.py`).
#ifndef MASHUP_MEMORY_TUNING_H
#define MASHUP_MEMORY_TUNING_H

/// Applies the settings above (glibc's mallopt). Call once, first thing in `main`. Returns 1 when glibc took
/// every setting, 0 otherwise (another C library: nothing changes). An environment that sets
/// MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_ or MALLOC_TOP_PAD_ itself keeps its own value
/// for that setting.
int mashup_tune_allocator(void);

/// Gives free heap memory back to the system (glibc's malloc_trim). Returns 1 when memory was released.
int mashup_trim_allocator(void);

#endif
