/*
 * Buffers with guard pages, as an ASan or Electric Fence build would place them: the target's
 * SCSI emulation writes its data-in answer into one and reads the data-out bytes from another,
 * and each buffer ends exactly where an inaccessible page begins (another lies before its first
 * page), so a write or read one byte past the end is a SIGSEGV with a backtrace, in the optimized
 * build as in the ASan one, instead of silent damage to the heap. Guest memory gets the same
 * treatment in guest_mem.c: a guard page before and after each region's mapping.
 */
#ifndef TOOLS_VSCSI_TARGET_GUARD_BUF_H
#define TOOLS_VSCSI_TARGET_GUARD_BUF_H

#include <stddef.h>
#include <stdint.h>

struct guard_buf {
    uint8_t *base; /* the first accessible byte; NULL: nothing mapped yet */
    size_t cap;    /* accessible bytes, a multiple of the page size */
};

/* need bytes whose last one is the last before the trailing guard page (need 0: the address of
 * that page, to be read from nowhere). The mapping grows as needed and is kept. NULL when
 * mapping fails. */
uint8_t *guard_buf_get(struct guard_buf *g, size_t need);
void guard_buf_free(struct guard_buf *g);

/* Reserve [guard][len rounded up to pages][guard] and return the start of the middle, where the
 * caller maps what it wants (MAP_FIXED) or which it makes accessible; NULL on failure. The whole
 * reservation is *total bytes from the returned address minus one page. */
void *guard_reserve(size_t len, size_t *total);

#endif
