/* Guest memory regions and bounds-checked translation (guest_mem.h). */
#include "tools/vscsi-target/guest_mem.h"

#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void guest_mem_clear(struct guest_mem *m)
{
    for (unsigned i = 0; i < m->count; i++)
        munmap(m->regions[i].map, m->regions[i].map_len);
    memset(m, 0, sizeof(*m));
}

int guest_mem_set(struct guest_mem *m, const struct guest_region_desc *d, const int *fds, unsigned count,
                  const char **why)
{
    guest_mem_clear(m);
    int rc = 0;
    *why = NULL;
    if (count > GUEST_MEM_REGIONS) {
        *why = "more regions than the 8 without CONFIGURE_MEM_SLOTS";
        rc = -1;
    }
    for (unsigned i = 0; i < count && rc == 0; i++) {
        const struct guest_region_desc *r = &d[i];
        if (r->size == 0 || r->gpa + r->size < r->gpa || r->uva + r->size < r->uva ||
            r->mmap_offset + r->size < r->mmap_offset) {
            *why = "a region that is empty or wraps around";
            rc = -1;
            break;
        }
        size_t len = (size_t)(r->mmap_offset + r->size);
        void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
        if (p == MAP_FAILED) {
            *why = "mmap of a region failed (is the guest RAM a memfd with share=on?)";
            rc = -1;
            break;
        }
        struct guest_region *g = &m->regions[m->count++];
        g->gpa = r->gpa;
        g->size = r->size;
        g->uva = r->uva;
        g->mmap_offset = r->mmap_offset;
        g->map = p;
        g->map_len = len;
    }
    for (unsigned i = 0; i < count; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    if (rc < 0)
        guest_mem_clear(m);
    return rc;
}

static void *translate(const struct guest_mem *m, uint64_t addr, uint64_t len, bool physical)
{
    if (len == 0)
        return NULL;
    for (unsigned i = 0; i < m->count; i++) {
        const struct guest_region *g = &m->regions[i];
        uint64_t base = physical ? g->gpa : g->uva;
        if (addr >= base && addr - base < g->size && len <= g->size - (addr - base))
            return g->map + g->mmap_offset + (addr - base);
    }
    return NULL;
}

void *guest_mem_gpa(const struct guest_mem *m, uint64_t addr, uint64_t len)
{
    return translate(m, addr, len, true);
}

void *guest_mem_uva(const struct guest_mem *m, uint64_t addr, uint64_t len)
{
    return translate(m, addr, len, false);
}
