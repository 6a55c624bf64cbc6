/* sbrk over the heap range that app/main.c picks from the memory map. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "heap.h"

#undef errno
extern int errno;

static uintptr_t heap_base, heap_end, heap_brk;

void heap_init(uint64_t base, uint64_t end)
{
    heap_base = heap_brk = (uintptr_t)base;
    heap_end = (uintptr_t)end;
}

uint64_t heap_size(void) { return heap_end - heap_base; }
uint64_t heap_used(void) { return heap_brk - heap_base; }

void *sbrk(ptrdiff_t increment)
{
    if (increment < 0 ? (uintptr_t)-increment > heap_brk - heap_base : (uintptr_t)increment > heap_end - heap_brk) {
        errno = ENOMEM;
        return (void *)-1;
    }
    uintptr_t old = heap_brk;
    heap_brk += (uintptr_t)increment;
    return (void *)old;
}

