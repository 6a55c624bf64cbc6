/* The topology and its O(1) LUN lookup (lun_table.h). */
#include "tools/vscsi-target/lun_table.h"

#include <stdlib.h>
#include <string.h>

static bool ascending(const uint16_t *v, size_t n, unsigned limit)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] >= limit || (i > 0 && v[i] <= v[i - 1]))
            return false;
    return true;
}

int lun_table_init(struct lun_table *t, const uint16_t *targets, size_t ntargets, const uint16_t *luns,
                   size_t nluns, uint64_t blocks, uint32_t block_size, enum block_store_kind kind, bool wce,
                   const char **why)
{
    memset(t, 0, sizeof(*t));
    if (!ascending(targets, ntargets, LUN_TABLE_TARGETS) || !ascending(luns, nluns, LUN_TABLE_LUNS)) {
        *why = "targets must be ascending in 0..255 and LUNs ascending in 0..16383";
        return -1;
    }
    if (block_size == 0 || blocks == 0 || blocks > UINT64_MAX / block_size) {
        *why = "a LUN needs a non-zero size that fits 64 bits";
        return -1;
    }
    for (size_t i = 0; i < ntargets; i++) {
        struct lun_target *tg = &t->targets[targets[i]];
        tg->luns = calloc(LUN_TABLE_LUNS, sizeof(*tg->luns));
        tg->present = calloc(nluns ? nluns : 1, sizeof(*tg->present));
        struct lun *block = calloc(nluns ? nluns : 1, sizeof(*block)); /* one allocation per target */
        if (!tg->luns || !tg->present || !block) {
            free(block);
            lun_table_free(t);
            *why = "out of memory for the LUN table";
            return -1;
        }
        for (size_t j = 0; j < nluns; j++) {
            struct lun *l = &block[j];
            l->target = (uint8_t)targets[i];
            l->lun = luns[j];
            l->block_size = block_size;
            l->blocks = blocks;
            l->ua_pending = true; /* SPC-5 6.2: POWER ON, RESET, OR BUS DEVICE RESET OCCURRED */
            l->ua_asc = 0x29;
            l->ua_ascq = 0x00;
            block_store_init(&l->store, kind, blocks * block_size);
            l->wce = wce;
            write_cache_init(&l->cache, block_size);
            tg->luns[luns[j]] = l;
            tg->present[j] = luns[j];
        }
        tg->count = nluns;
        t->lun_count += nluns;
    }
    return 0;
}

void lun_table_free(struct lun_table *t)
{
    for (unsigned i = 0; i < LUN_TABLE_TARGETS; i++) {
        struct lun_target *tg = &t->targets[i];
        if (!tg->luns)
            continue;
        struct lun *block = tg->count ? tg->luns[tg->present[0]] : NULL;
        for (size_t j = 0; j < tg->count; j++)
        {
            block_store_free(&tg->luns[tg->present[j]]->store);
            write_cache_free(&tg->luns[tg->present[j]]->cache);
        }
        free(block);
        free(tg->luns);
        free(tg->present);
    }
    memset(t, 0, sizeof(*t));
}

size_t lun_table_bytes(const struct lun_table *t)
{
    size_t bytes = sizeof(*t);
    for (unsigned i = 0; i < LUN_TABLE_TARGETS; i++)
        if (t->targets[i].luns)
            bytes += LUN_TABLE_LUNS * sizeof(struct lun *) + t->targets[i].count * (sizeof(struct lun) + 2);
    return bytes;
}
