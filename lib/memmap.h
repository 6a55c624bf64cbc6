/* The physical memory map: one normalised list, whatever the boot protocol gave. */
#ifndef LIB_MEMMAP_H
#define LIB_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* E820 / Multiboot / PVH share these type numbers (ACPI 6.4 table 15.312). */
enum memmap_type {
    MEMMAP_RAM = 1,
    MEMMAP_RESERVED = 2,
    MEMMAP_ACPI_RECLAIMABLE = 3,
    MEMMAP_ACPI_NVS = 4,
    MEMMAP_UNUSABLE = 5,
};

struct memmap_entry {
    uint64_t base;
    uint64_t length;
    uint32_t type;
};

/*
 * Sort the map, drop zero-length entries and resolve overlaps: where entries overlap, the more
 * restrictive type wins (unusable > reserved and unknown > ACPI NVS > ACPI reclaimable > RAM), so
 * that nothing a loader marked as not-RAM is ever handed out. Adjacent ranges of one type are
 * merged. An entry whose end passes 2^64 is clipped there.
 *
 * Works in place on entries[0..count) with room for capacity entries (resolving overlaps can split
 * a range; 2 * count - 1 entries always suffice). Returns the new count, or -1 if the result
 * would not fit (the array is then unspecified).
 */
int memmap_normalise(struct memmap_entry *entries, size_t count, size_t capacity);

/* A short name for a type: "RAM", "reserved", "ACPI", "ACPI NVS", "unusable", "type N". */
const char *memmap_type_name(uint32_t type, char buf[16]);

/* Total length of the entries of one type. */
uint64_t memmap_total(const struct memmap_entry *entries, size_t count, uint32_t type);

/* A physical range, end exclusive. */
struct memmap_range {
    uint64_t base, end;
};

/*
 * The largest range of RAM within [min, max) that overlaps none of the excluded ranges (the
 * kernel image, the loader's modules). The map must be normalised. Returns false when no RAM is
 * left.
 */
bool memmap_largest_free(const struct memmap_entry *entries, size_t count, const struct memmap_range *excluded,
                         size_t excluded_count, uint64_t min, uint64_t max, struct memmap_range *out);

#endif
