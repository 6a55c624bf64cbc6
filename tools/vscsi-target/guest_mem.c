/* Guest memory regions and bounds-checked translation (guest_mem.h). */
#include "tools/vscsi-target/guest_mem.h"

#include "tools/vscsi-target/guard_buf.h"

#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void guest_mem_clear(struct guest_mem *m)
{
    for (unsigned i = 0; i < m->count; i++)
        munmap(m->regions[i].map - m->regions[i].guard, m->regions[i].map_len + 2 * m->regions[i].guard);
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
        size_t len = (size_t)(r->mmap_offset + r->size), total = 0;
        /* Inside a reservation with an inaccessible page on either side: a copy that ran past a
         * region's end would fault rather than touch whatever the host mapped next to it. */
        uint8_t *p = guard_reserve(len, &total);
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        if (p && mmap(p, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fds[i], 0) == MAP_FAILED) {
            munmap(p - page, total);
            p = NULL;
        }
        if (!p) {
            *why = "mmap of a region failed (is the guest RAM a memfd with share=on?)";
            rc = -1;
            break;
        }
        /* The reserved pages past len (when it is not a page multiple) stay inaccessible too. */
        struct guest_region *g = &m->regions[m->count++];
        g->gpa = r->gpa;
        g->size = r->size;
        g->uva = r->uva;
        g->mmap_offset = r->mmap_offset;
        g->map = p;
        g->map_len = total - 2 * page;
        g->guard = page;
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
