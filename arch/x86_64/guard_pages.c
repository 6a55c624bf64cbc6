/* Guard-paged device buffers (arch/x86_64/guard_pages.h). */
#include "guard_pages.h"

#include <malloc.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"

#define PAGE 4096u
#define CHUNK 0x200000u   /* a 2 MiB page: split once into 4 KiB pages, so one page table each */
#define MAX_ALIGN 64u     /* larger alignments would leave slack before the guard */
/* Made and split when the allocator is installed, before the other CPUs start: a guard page
 * carved from it later is then in no CPU's TLB (none touched it), whichever CPU carves it and
 * flushes only its own. Runs beyond it are made as needed, with the caveat of the header. */
#define ARENA (16u << 20)

/* A freed block, at its first data page: blocks of the same size are handed out again (discovery
 * frees and makes its buffers again at every rescan). Its guard pages stay unmapped. */
struct free_block {
    struct free_block *next;
    size_t pages;
};

static enum dev_buf_side side;
static uint8_t *cursor, *chunk_end; /* the page after the last block carved is a guard page */
static struct free_block *free_blocks;
static struct guard_pages_stats stats;
static int busy; /* any CPU may make or free a buffer: one at a time (a spin lock) */

static void take_busy(void)
{
    while (__atomic_exchange_n(&busy, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&busy, __ATOMIC_RELAXED))
            cpu_pause();
}

static void drop_busy(void) { __atomic_store_n(&busy, 0, __ATOMIC_RELEASE); }

/* Data pages for len bytes placed at the end with up to MAX_ALIGN - 1 bytes of slack. */
static size_t pages_for(size_t len) { return (len + MAX_ALIGN - 1 + PAGE - 1) / PAGE; }

/* A new run of chunks of at least bytes: [guard][...]. */
static int new_run(size_t bytes)
{
    bytes = (bytes + CHUNK - 1) / CHUNK * CHUNK;
    uint8_t *c = memalign(CHUNK, bytes);
    if (c == NULL)
        return -1;
    if (paging_unmap_guard((uint64_t)(uintptr_t)c) != 0)
        return -1;
    stats.guard_pages++;
    cursor = c + PAGE;
    chunk_end = c + bytes;
    return 0;
}

/* A new run with room for pages data pages and their guards. */
static int new_chunk(size_t pages) { return new_run((pages + 2) * (size_t)PAGE); }

/* The data pages of a block: from the free blocks of that size, or carved with the guard page
 * after them (the page before is the previous block's guard, or the chunk's). */
static uint8_t *take_block(size_t pages)
{
    for (struct free_block **f = &free_blocks; *f != NULL; f = &(*f)->next)
        if ((*f)->pages == pages) {
            uint8_t *d = (uint8_t *)*f;
            *f = (*f)->next;
            stats.reused++;
            return d;
        }
    if (cursor == NULL || (size_t)(chunk_end - cursor) < (pages + 1) * (size_t)PAGE)
        if (new_chunk(pages) != 0)
            return NULL;
    uint8_t *d = cursor;
    if (paging_unmap_guard((uint64_t)(uintptr_t)(d + pages * PAGE)) != 0)
        return NULL;
    cursor = d + (pages + 1) * PAGE;
    stats.data_pages += pages;
    stats.guard_pages++;
    return d;
}

static void *guard_alloc(size_t len, size_t align)
{
    if (len == 0)
        len = 1;
    size_t a = align == 0 ? 1 : align > MAX_ALIGN ? MAX_ALIGN : align;
    size_t pages = pages_for(len);
    take_busy();
    uint8_t *d = take_block(pages);
    if (d != NULL)
        stats.buffers++;
    drop_busy();
    if (d == NULL)
        return NULL;
    uint8_t *p = d;
    if (side == DEV_BUF_GUARD_END)
        p = (uint8_t *)((uintptr_t)(d + pages * PAGE - len) & ~(uintptr_t)(a - 1));
    memset(p, 0, len);
    return p;
}

static void guard_free(void *ptr, size_t len)
{
    if (len == 0)
        len = 1;
    size_t pages = pages_for(len);
    uint8_t *p = ptr, *d = p;
    if (side == DEV_BUF_GUARD_END) /* the end is at most MAX_ALIGN - 1 bytes before the guard */
        d = (uint8_t *)(((uintptr_t)(p + len) + PAGE - 1) / PAGE * PAGE) - pages * PAGE;
    struct free_block *f = (struct free_block *)d;
    take_busy();
    f->pages = pages;
    f->next = free_blocks;
    free_blocks = f;
    drop_busy();
}

static const struct dev_buf_allocator at_end = { guard_alloc, guard_free, DEV_BUF_GUARD_END };
static const struct dev_buf_allocator at_start = { guard_alloc, guard_free, DEV_BUF_GUARD_START };

const struct dev_buf_allocator *guard_pages_allocator(enum dev_buf_side s)
{
    side = s == DEV_BUF_GUARD_START ? DEV_BUF_GUARD_START : DEV_BUF_GUARD_END;
    take_busy();
    if (cursor == NULL && new_run(ARENA) == 0 &&
        paging_split((uint64_t)(uintptr_t)(cursor - PAGE), (uint64_t)(chunk_end - (cursor - PAGE))) != 0)
        cursor = chunk_end; /* out of page tables: carved lazily, from the next run */
    drop_busy();
    return side == DEV_BUF_GUARD_START ? &at_start : &at_end;
}

struct guard_pages_stats guard_pages_stats(void)
{
    take_busy();
    struct guard_pages_stats s = stats;
    drop_busy();
    return s;
}
