/* Identity mapping beyond the 4 GiB that boot/entry.S maps, and the stack guard page. */
#ifndef ARCH_X86_64_PAGING_H
#define ARCH_X86_64_PAGING_H

#include <stdint.h>

/* Identity-map [base, base + len) with 2 MiB pages where nothing is mapped yet (uncached when
 * mmio). Returns 0, or -1 when the page-table pool is exhausted. */
int paging_map_identity(uint64_t base, uint64_t len, int mmio);

/* Unmap the 4 KiB page at addr (splitting its 2 MiB page): a stack overflow then faults. */
int paging_unmap_guard(uint64_t addr);
/* The same for n pages, with one TLB flush. Only this CPU's TLB is flushed: a CPU that cached the
 * 2 MiB translation before keeps it until its next CR3 load. */
int paging_unmap_guards(const uint64_t *addr, unsigned n);
/* Map [base, base + len) with 4 KiB pages from now on (the same memory, split once), flushing this
 * CPU's TLB: a page unmapped there later is then in no TLB that never touched it. */
int paging_split(uint64_t base, uint64_t len);

#endif
