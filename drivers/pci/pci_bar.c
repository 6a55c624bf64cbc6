/* BAR decoding and the address allocator used to place unassigned BARs and bridge windows. */
#include <string.h>

#include "pci.h"

enum pci_bar_kind pci_bar_decode(uint32_t orig_lo, uint32_t orig_hi, uint32_t probe_lo, uint32_t probe_hi,
                                 struct pci_bar *bar)
{
    memset(bar, 0, sizeof *bar);
    if (probe_lo == 0 || probe_lo == 0xffffffffu) {
        /* Nothing reads back writable (unimplemented), or the function vanished. */
        return PCI_BAR_NONE;
    }
    if (orig_lo & 1u) {
        /* I/O BAR: bits 31:2 are the address; the upper 16 bits may read back as 0 on
         * devices that decode only 64 KiB of I/O space. */
        uint32_t mask = probe_lo & ~0x3u;
        if ((mask & 0xffff0000u) == 0)
            mask |= 0xffff0000u;
        bar->kind = PCI_BAR_IO;
        bar->size = (uint64_t)(~mask + 1u);
        bar->addr = orig_lo & ~0x3u;
    } else {
        uint32_t type = (orig_lo >> 1) & 0x3u;
        bar->prefetchable = (orig_lo & 0x8u) != 0;
        if (type == 0x2) {
            uint64_t mask = ((uint64_t)probe_hi << 32) | (probe_lo & ~0xfu);
            if (mask == 0)
                return PCI_BAR_NONE;
            bar->kind = PCI_BAR_MEM64;
            bar->size = ~mask + 1u;
            bar->addr = ((uint64_t)orig_hi << 32) | (orig_lo & ~0xfu);
        } else {
            uint32_t mask = probe_lo & ~0xfu;
            if (mask == 0)
                return PCI_BAR_NONE;
            bar->kind = PCI_BAR_MEM32;
            bar->size = (uint64_t)(~mask + 1u);
            bar->addr = orig_lo & ~0xfu;
        }
    }
    /* A size that is not a power of two means the read-back was garbage. */
    if (bar->size == 0 || (bar->size & (bar->size - 1)) != 0) {
        bar->kind = PCI_BAR_NONE;
        return PCI_BAR_NONE;
    }
    bar->assigned = bar->addr != 0;
    return bar->kind;
}

static uint64_t align_up(uint64_t v, uint64_t align, bool *overflow)
{
    uint64_t r = (v + align - 1) & ~(align - 1);
    if (r < v)
        *overflow = true;
    return r;
}

bool pci_range_alloc(uint64_t *next, uint64_t end, uint64_t size, uint64_t align, const uint64_t (*used)[2],
                     size_t used_count, uint64_t *addr)
{
    if (size == 0 || align == 0 || (align & (align - 1)) != 0)
        return false;
    bool overflow = false;
    uint64_t a = align_up(*next, align, &overflow);
    /* Each pass either succeeds or moves a past one used range, so used_count + 1 passes do. */
    for (size_t pass = 0; pass <= used_count && !overflow; pass++) {
        if (a > end || size > end - a)
            return false;
        bool moved = false;
        for (size_t i = 0; i < used_count; i++) {
            if (a < used[i][1] && used[i][0] < a + size) {
                a = align_up(used[i][1], align, &overflow);
                moved = true;
                break;
            }
        }
        if (!moved) {
            *addr = a;
            *next = a + size;
            return true;
        }
    }
    return false;
}
