/*
 * The target's topology: up to 256 targets with up to 16384 LUNs each (virtio-scsi's max_target
 * 255 and max_lun 16383, virtio 1.2 5.6.4), every LUN a disk of its own block store. A LUN is
 * found in O(1): one table of 16384 pointers per target that has LUNs; LUNs not configured are
 * NULL, targets without LUNs have no table (they answer BAD_TARGET, 5.6.6.1). Pure.
 */
#ifndef TOOLS_VSCSI_TARGET_LUN_TABLE_H
#define TOOLS_VSCSI_TARGET_LUN_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/vscsi-target/block_store.h"
#include "tools/vscsi-target/write_cache.h"

#define LUN_TABLE_TARGETS 256
#define LUN_TABLE_LUNS 16384

struct lun {
    uint8_t target;
    uint16_t lun;
    uint32_t block_size;
    uint64_t blocks;
    /* A UNIT ATTENTION waiting for the next command (SPC-5 5.14): power on first, then resets. */
    bool ua_pending;
    uint8_t ua_asc, ua_ascq;
    struct block_store store; /* the medium */
    bool wce;                 /* a volatile write cache (the Caching page's WCE) in front of it */
    bool gone;                /* a vanish fault took it away: commands see no LUN here */
    struct write_cache cache;
};

struct lun_target {
    struct lun **luns;    /* LUN_TABLE_LUNS entries */
    uint16_t *present;    /* the configured LUN numbers, ascending (REPORT LUNS) */
    size_t count;
};

struct lun_table {
    struct lun_target targets[LUN_TABLE_TARGETS];
    size_t lun_count;
};

/* Every LUN of a (target, LUN) list pair: targets[] x luns[], each of blocks x block_size bytes
 * in a store of kind (with a volatile write cache when wce), with a power-on UNIT ATTENTION
 * pending. The lists must be ascending and
 * inside the limits. Returns 0, or -1 with why set (a static message) when they are not or
 * memory runs out. */
int lun_table_init(struct lun_table *t, const uint16_t *targets, size_t ntargets, const uint16_t *luns,
                   size_t nluns, uint64_t blocks, uint32_t block_size, enum block_store_kind kind, bool wce,
                   const char **why);
void lun_table_free(struct lun_table *t);

static inline bool lun_table_has_target(const struct lun_table *t, unsigned target)
{
    return target < LUN_TABLE_TARGETS && t->targets[target].luns != NULL;
}

/* The LUN, or NULL when it is not configured (or its target has no LUNs). */
static inline struct lun *lun_table_find(const struct lun_table *t, unsigned target, unsigned lun)
{
    if (!lun_table_has_target(t, target) || lun >= LUN_TABLE_LUNS)
        return NULL;
    return t->targets[target].luns[lun];
}

/* Bytes of memory the table takes beyond the stores' pages (the log reports it). */
size_t lun_table_bytes(const struct lun_table *t);

#endif
