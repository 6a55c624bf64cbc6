/*
 * Memory the device writes, or whose device-given lengths lunbench reads by: response headers and
 * sense, data-in buffers, event buffers, used rings, the REPORT LUNS / INQUIRY / VPD buffers.
 * Every such buffer comes from here, so that the guard build (build/lunbench-guard.elf,
 * arch/x86_64/guard_pages.h) can place each one against an unmapped page: a read or copy that a
 * device-given length or index drives one byte past the buffer (or, guarding starts, before it)
 * is then a page fault naming the address, not a silent read of a neighbour. The normal build
 * takes them from the heap. Pure code: the host tests run the heap allocator.
 *
 * The device writes by DMA and ignores the guest's page tables: a device that writes past a
 * buffer is not caught here (its writes are bounded by the descriptor lengths lunbench gives it).
 */
#ifndef LIB_DEV_BUF_H
#define LIB_DEV_BUF_H

#include <stdbool.h>
#include <stddef.h>

/* Where a guarding allocator puts the buffer: against the page after it, or the page before. */
enum dev_buf_side { DEV_BUF_GUARD_NONE, DEV_BUF_GUARD_END, DEV_BUF_GUARD_START };

struct dev_buf_allocator {
    /* len zeroed bytes aligned to align (a power of two); NULL when out of memory. */
    void *(*alloc)(size_t len, size_t align);
    /* Give back what alloc returned for this len. */
    void (*free)(void *p, size_t len);
    enum dev_buf_side side;
};

/* Use a for every later allocation (before the first: buffers are freed by the allocator that
 * made them). NULL: the heap's. */
void dev_buf_use(const struct dev_buf_allocator *a);
enum dev_buf_side dev_buf_side(void);

void *dev_buf_alloc(size_t len, size_t align);
void dev_buf_free(void *p, size_t len);

/* Where to put len bytes in a buffer of cap bytes from dev_buf_alloc: its end when ends are
 * guarded (the byte after them is then the guard page), else its start. */
static inline void *dev_buf_window(void *buf, size_t cap, size_t len)
{
    return dev_buf_side() == DEV_BUF_GUARD_END && len <= cap ? (char *)buf + (cap - len) : buf;
}

#endif
