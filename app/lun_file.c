/* jobfile=H:T:L:/PATH: a file on a FAT file system on a discovered LUN (the whole disk, or its
 * first MBR or GPT partition), read through the HBA seam after discovery. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/hba/sync_command.h"
#include "fs/fat.h"
#include "machine.h"

struct lun_source {
    struct hba *hba;
    uint8_t target;
    uint16_t lun;
    uint32_t block_size;
    uint64_t timeout;
    char err[200];
};

static int read_blocks(void *ctx, uint64_t lba, uint32_t count, void *buf)
{
    struct lun_source *s = ctx;
    return hba_read_blocks(s->hba, s->target, s->lun, s->block_size, lba, count, buf, s->timeout, s->err,
                           sizeof s->err);
}

int lun_file_read(const struct scan_result *scan, const char *spec, uint64_t timeout_cycles, uint8_t **data,
                  size_t *len)
{
    unsigned h, t, l;
    int used = 0;
    if (sscanf(spec, "%u:%u:%u:%n", &h, &t, &l, &used) != 3 || used == 0 || spec[used] != '/') {
        printf("lunbench: jobfile=%s: give H:T:L:/PATH (a FAT file system on that LUN) or esp:/PATH\n", spec);
        return -1;
    }
    const char *path = spec + used;
    const struct lun_info *found = NULL;
    for (size_t i = 0; i < scan->inv.count && found == NULL; i++) {
        const struct lun_info *li = &scan->inv.luns[i];
        if (li->hba == h && li->target == t && li->lun == l)
            found = li;
    }
    if (found == NULL || h >= scan->hba_count || !scan->hba_ok[h]) {
        printf("lunbench: jobfile=%s: no LUN %u:%u:%u was discovered\n", spec, h, t, l);
        return -1;
    }
    if (found->block_size < 512 || found->block_size > FAT_BLOCK_MAX || found->blocks == 0) {
        printf("lunbench: jobfile=%s: LUN %u:%u:%u has %" PRIu64 " blocks of %" PRIu32 " bytes: no FAT there\n", spec,
               h, t, l, found->blocks, found->block_size);
        return -1;
    }
    struct lun_source ls = { scan->seams[h], (uint8_t)t, (uint16_t)l, found->block_size, timeout_cycles, "" };
    struct fat_source src = { read_blocks, &ls, found->block_size, found->blocks };
    static struct fat_volume volume; /* a block of cache: not on the stack */
    uint64_t first;
    char err[300];
    if (fat_locate(&src, &first, err, sizeof err) != 0 || fat_mount(&volume, &src, first, err, sizeof err) != 0 ||
        fat_read_file(&volume, path, JOBFILE_MAX_BYTES, data, len, err, sizeof err) != 0) {
        printf("lunbench: jobfile=%s: %s%s%s\n", spec, err, ls.err[0] ? "; the LUN said: " : "", ls.err);
        return -1;
    }
    printf("bench: job file %s from LUN %u:%u:%u (%s, %zu bytes)\n", path, h, t, l, fat_type_name(volume.type), *len);
    return 0;
}
