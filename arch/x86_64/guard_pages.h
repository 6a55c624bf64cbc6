/*
 * The guard build's allocator of device-written buffers (lib/dev_buf.h): each buffer has pages of
 * its own between two unmapped pages, and sits against one of them (its end, or its start), so
 * that lunbench's own read or copy one byte past it (or before it) is a page fault whose report
 * names the address (arch/x86_64/trap.c). Only build/lunbench-guard.elf installs it.
 *
 * What it cannot see: the device writes by DMA, which ignores the guest's page tables (a device
 * writing past a buffer is bounded by the descriptor lengths, not by this); a wrong offset that
 * stays inside a buffer; a buffer whose alignment leaves slack before the guard (at most 63
 * bytes: buffers are aligned to at most 64 here); and, for a buffer beyond the first 16 MiB of them
 * (split before the other CPUs start), a CPU other than the one that made it that had cached the
 * 2 MiB translation, until its next CR3 load (the TLB flush is the calling CPU's).
 */
#ifndef ARCH_X86_64_GUARD_PAGES_H
#define ARCH_X86_64_GUARD_PAGES_H

#include <stdint.h>

#include "lib/dev_buf.h"

/* The allocator for side (DEV_BUF_GUARD_END or DEV_BUF_GUARD_START), for dev_buf_use. */
const struct dev_buf_allocator *guard_pages_allocator(enum dev_buf_side side);

/* What it has made so far: buffers, pages mapped for them, guard pages unmapped. */
struct guard_pages_stats {
    uint64_t buffers, data_pages, guard_pages, reused;
};
struct guard_pages_stats guard_pages_stats(void);

#endif
