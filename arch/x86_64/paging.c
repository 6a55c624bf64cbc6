#include "paging.h"

#include <malloc.h>
#include <string.h>

#include "cpu.h"

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define PTE_USER (1ull << 2) /* the program runs in ring 3 (boot/entry.S) */
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_LARGE (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull
#define TABLE_POOL_PAGES 64
#define PAGE_2M 0x200000ull

/* The page tables boot/entry.S built, shared by every CPU; the program writes them from ring 3
 * (they are user pages like every other) and asks ring 0 only to flush. */
extern uint64_t boot_pml4[512];

static uint64_t table_pool[TABLE_POOL_PAGES][512] __attribute__((aligned(4096)));
static unsigned tables_used;

static uint64_t *table_at(uint64_t entry) { return (uint64_t *)(uintptr_t)(entry & PTE_ADDR); }

/* A zeroed page-table page: from the pool (early, before the heap), then from the heap (the guard
 * build splits a 2 MiB page per 2 MiB of guarded buffers; the heap is identity-mapped RAM). */
static uint64_t *new_table(void)
{
    uint64_t *t = tables_used < TABLE_POOL_PAGES ? table_pool[tables_used++] : memalign(4096, 4096);
    if (t != NULL)
        memset(t, 0, 4096);
    return t;
}

static uint64_t *next_level(uint64_t *table, unsigned index)
{
    if (!(table[index] & PTE_PRESENT)) {
        uint64_t *t = new_table();
        if (t == NULL)
            return NULL;
        table[index] = (uint64_t)(uintptr_t)t | PTE_PRESENT | PTE_WRITE | PTE_USER;
    }
    return table_at(table[index]);
}

int paging_map_identity(uint64_t base, uint64_t len, int mmio)
{
    uint64_t *pml4 = boot_pml4;
    for (uint64_t a = base & ~(PAGE_2M - 1); a < base + len; a += PAGE_2M) {
        uint64_t *pdpt = next_level(pml4, (a >> 39) & 511);
        uint64_t *pd = pdpt ? next_level(pdpt, (a >> 30) & 511) : NULL;
        if (pd == NULL)
            return -1;
        uint64_t *pde = &pd[(a >> 21) & 511];
        if (!(*pde & PTE_PRESENT))
            *pde = a | PTE_PRESENT | PTE_WRITE | PTE_USER | PTE_LARGE | (mmio ? PTE_PCD | PTE_PWT : 0);
    }
    return 0; /* no flush: nothing was mapped there before, and absent entries are not cached */
}

/* The 4 KiB page table under addr's 2 MiB page, made (the 2 MiB page split) if there is none. */
static uint64_t *page_table_of(uint64_t addr)
{
    uint64_t *pml4 = boot_pml4;
    uint64_t *pdpt = next_level(pml4, (addr >> 39) & 511);
    uint64_t *pd = pdpt ? next_level(pdpt, (addr >> 30) & 511) : NULL;
    if (pd == NULL)
        return NULL;
    uint64_t *pde = &pd[(addr >> 21) & 511];
    if (*pde & PTE_LARGE) {
        uint64_t *pt = new_table();
        if (pt == NULL)
            return NULL;
        uint64_t region = *pde & ~(PAGE_2M - 1) & PTE_ADDR;
        uint64_t flags = *pde & (PTE_WRITE | PTE_USER | PTE_PWT | PTE_PCD);
        for (unsigned i = 0; i < 512; i++)
            pt[i] = (region + (uint64_t)i * 4096) | PTE_PRESENT | flags;
        *pde = (uint64_t)(uintptr_t)pt | PTE_PRESENT | PTE_WRITE | PTE_USER;
    }
    return table_at(*pde);
}

static int unmap_page(uint64_t addr)
{
    uint64_t *pt = page_table_of(addr);
    if (pt == NULL)
        return -1;
    pt[(addr >> 12) & 511] = 0;
    return 0;
}

int paging_split(uint64_t base, uint64_t len)
{
    for (uint64_t a = base & ~(PAGE_2M - 1); a < base + len; a += PAGE_2M)
        if (page_table_of(a) == NULL)
            return -1;
    ring0_call(RING0_FLUSH_TLB, 0);
    return 0;
}

int paging_unmap_guard(uint64_t addr) { return paging_unmap_guards(&addr, 1); }

int paging_unmap_guards(const uint64_t *addr, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (unmap_page(addr[i]) != 0)
            return -1;
    ring0_call(RING0_FLUSH_TLB, 0); /* the 2 MiB translation may be cached (this CPU's only) */
    return 0;
}
