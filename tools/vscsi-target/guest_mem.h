/*
 * Guest memory as QEMU shares it over vhost-user (SET_MEM_TABLE): up to 8 regions, each a file
 * descriptor (the memfd behind -object memory-backend-memfd,share=on) mapped here. Addresses
 * come in two kinds: guest-physical (in descriptors) and QEMU's own virtual addresses (in
 * SET_VRING_ADDR). Every translation is checked to lie wholly inside one region: nothing the
 * guest or QEMU writes can make the target touch memory outside the mappings; and a guard page
 * before and after each mapping turns a bug that did into a crash.
 */
#ifndef TOOLS_VSCSI_TARGET_GUEST_MEM_H
#define TOOLS_VSCSI_TARGET_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_REGIONS 8 /* VHOST_MEMORY_BASELINE_NREGIONS: without CONFIGURE_MEM_SLOTS */

struct guest_region {
    uint64_t gpa, size, uva, mmap_offset;
    uint8_t *map; /* the mapping of the whole fd range [0, mmap_offset + size) */
    size_t map_len; /* bytes from map, rounded up to pages */
    size_t guard;   /* the inaccessible bytes before map and after map + map_len */
};

struct guest_mem {
    struct guest_region regions[GUEST_MEM_REGIONS];
    unsigned count;
};

/* One region as the message describes it. */
struct guest_region_desc {
    uint64_t gpa, size, uva, mmap_offset;
};

/* Replace the table: unmap the old regions, map count new ones from fds (closed here either way).
 * Returns 0, or -1 with why set when a region is empty, overflows, or mmap fails (the table is
 * then empty). */
int guest_mem_set(struct guest_mem *m, const struct guest_region_desc *d, const int *fds, unsigned count,
                  const char **why);
void guest_mem_clear(struct guest_mem *m);

/* The host address of [addr, addr + len) in guest-physical (gpa) or QEMU-virtual (uva) space, or
 * NULL unless the whole range lies in one region. len 0 is refused too. */
void *guest_mem_gpa(const struct guest_mem *m, uint64_t addr, uint64_t len);
void *guest_mem_uva(const struct guest_mem *m, uint64_t addr, uint64_t len);

#endif
