#include "memmap.h"

#include <stdbool.h>
#include <stdio.h>

/* Higher wins where ranges overlap. Unknown types count as reserved: never hand them out. */
static int type_rank(uint32_t type)
{
    switch (type) {
    case MEMMAP_RAM: return 0;
    case MEMMAP_ACPI_RECLAIMABLE: return 1;
    case MEMMAP_ACPI_NVS: return 2;
    case MEMMAP_UNUSABLE: return 4;
    default: return 3;
    }
}

static uint64_t entry_end(const struct memmap_entry *e)
{
    return e->length > UINT64_MAX - e->base ? UINT64_MAX : e->base + e->length;
}

static void sort_u64(uint64_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

int memmap_normalise(struct memmap_entry *entries, size_t count, size_t capacity)
{
    enum { MAX_INPUT = 256 };
    struct memmap_entry in[MAX_INPUT];
    uint64_t points[2 * MAX_INPUT];
    size_t n_in = 0, n_points = 0;

    if (count > capacity)
        return -1;
    for (size_t i = 0; i < count; i++) {
        if (entries[i].length == 0)
            continue;
        if (n_in == MAX_INPUT)
            return -1;
        in[n_in] = entries[i];
        points[n_points++] = entries[i].base;
        points[n_points++] = entry_end(&entries[i]);
        n_in++;
    }
    sort_u64(points, n_points);

    /* Sweep the elementary intervals between consecutive boundaries; each takes the
     * highest-ranked type of the entries that cover it. */
    size_t out = 0;
    for (size_t p = 0; p + 1 < n_points; p++) {
        uint64_t lo = points[p], hi = points[p + 1];
        if (lo == hi)
            continue;
        bool covered = false;
        uint32_t type = 0;
        for (size_t i = 0; i < n_in; i++) {
            if (in[i].base <= lo && entry_end(&in[i]) >= hi &&
                (!covered || type_rank(in[i].type) > type_rank(type))) {
                type = in[i].type;
                covered = true;
            }
        }
        if (!covered)
            continue;
        if (out > 0 && entries[out - 1].type == type && entry_end(&entries[out - 1]) == lo) {
            entries[out - 1].length += hi - lo;
            continue;
        }
        if (out == capacity)
            return -1;
        entries[out++] = (struct memmap_entry){ .base = lo, .length = hi - lo, .type = type };
    }
    return (int)out;
}

const char *memmap_type_name(uint32_t type, char buf[16])
{
    switch (type) {
    case MEMMAP_RAM: return "RAM";
    case MEMMAP_RESERVED: return "reserved";
    case MEMMAP_ACPI_RECLAIMABLE: return "ACPI";
    case MEMMAP_ACPI_NVS: return "ACPI NVS";
    case MEMMAP_UNUSABLE: return "unusable";
    default: snprintf(buf, 16, "type %u", (unsigned)type); return buf;
    }
}

uint64_t memmap_total(const struct memmap_entry *entries, size_t count, uint32_t type)
{
    uint64_t total = 0;
    for (size_t i = 0; i < count; i++)
        if (entries[i].type == type)
            total += entries[i].length;
    return total;
}

bool memmap_largest_free(const struct memmap_entry *entries, size_t count, const struct memmap_range *excluded,
                         size_t excluded_count, uint64_t min, uint64_t max, struct memmap_range *out)
{
    bool found = false;
    for (size_t i = 0; i < count; i++) {
        if (entries[i].type != MEMMAP_RAM)
            continue;
        uint64_t lo = entries[i].base < min ? min : entries[i].base;
        uint64_t end = entry_end(&entries[i]);
        uint64_t hi = end > max ? max : end;
        /* Walk the gaps between the excluded ranges that fall in [lo, hi). */
        while (lo < hi) {
            bool inside = false;
            uint64_t gap_end = hi;
            for (size_t x = 0; x < excluded_count; x++) {
                const struct memmap_range *r = &excluded[x];
                if (r->base <= lo && lo < r->end) {
                    lo = r->end; /* skip the excluded range and look again */
                    inside = true;
                    break;
                }
                if (r->base > lo && r->base < gap_end)
                    gap_end = r->base;
            }
            if (inside)
                continue;
            if (!found || gap_end - lo > out->end - out->base) {
                *out = (struct memmap_range){ .base = lo, .end = gap_end };
                found = true;
            }
            lo = gap_end;
        }
    }
    return found;
}
