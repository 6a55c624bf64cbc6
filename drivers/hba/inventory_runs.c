/* Runs of alike LUNs in an inventory (inventory_runs.h). */
#include "drivers/hba/inventory_runs.h"

#include <string.h>

/* b continues a run whose last LUN is a. */
static int continues(const struct lun_info *a, const struct lun_info *b)
{
    return b->hba == a->hba && b->target == a->target && b->lun == a->lun + 1 && b->blocks == a->blocks &&
           b->block_size == a->block_size && b->errors == a->errors && b->flags == a->flags &&
           b->device_type == a->device_type && b->p_type == a->p_type && b->lbppbe == a->lbppbe &&
           !strcmp(b->vendor, a->vendor) && !strcmp(b->product, a->product) && !strcmp(b->revision, a->revision);
}

size_t inventory_run_length(const struct inventory *inv, size_t i)
{
    if (i >= inv->count)
        return 0;
    size_t n = 1;
    while (i + n < inv->count && continues(&inv->luns[i + n - 1], &inv->luns[i + n]))
        n++;
    return n;
}
