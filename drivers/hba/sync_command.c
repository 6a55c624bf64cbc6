#include "drivers/hba/sync_command.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "drivers/hba/outcome.h"
#include "drivers/hba/recovery.h"

#define MAX_TRIES 4

int hba_command_wait(struct hba *h, struct hba_cmd *cmd, char *err, size_t err_len)
{
    if (hba_submit(h, 0, cmd) != 0) {
        snprintf(err, err_len, "HBA %u (%s) does not take commands%s%s", h->index, h->name, h->error[0] ? ": " : "",
                 h->error);
        return -1;
    }
    hba_kick(h, 0);
    struct hba_cmd *done = NULL;
    /* The recovery inside hba_poll brings every command back, answered or lost in a reset. */
    while (done == NULL && !h->broken)
        hba_poll(h, 0, &done, 1);
    if (done == NULL) {
        snprintf(err, err_len, "HBA %u (%s) stopped working: %s", h->index, h->name, h->error);
        return -1;
    }
    return 0;
}

int hba_tmf_wait(struct hba *h, struct hba_tmf *tmf, uint64_t timeout_cycles, char *err, size_t err_len)
{
    if (h->tmfs_in_flight != 0) {
        snprintf(err, err_len, "HBA %u (%s) is recovering a LUN: no TMF of ours now", h->index, h->name);
        return -1;
    }
    if (h->ops->tmf_submit(h, tmf) != 0) {
        snprintf(err, err_len, "HBA %u (%s) took no TMF", h->index, h->name);
        return -1;
    }
    uint64_t start = h->ops->now(h);
    while (!h->broken) {
        struct hba_tmf *done[HBA_TMF_SLOTS];
        unsigned n = h->ops->tmf_poll(h, done, HBA_TMF_SLOTS);
        for (unsigned i = 0; i < n; i++)
            if (done[i] == tmf)
                return 0;
        if (h->ops->now(h) - start > timeout_cycles) {
            snprintf(err, err_len, "the TMF was not answered in time");
            return -1;
        }
    }
    snprintf(err, err_len, "HBA %u (%s) stopped working: %s", h->index, h->name, h->error);
    return -1;
}

int hba_read_blocks(struct hba *h, uint8_t target, uint16_t lun, uint32_t block_size, uint64_t lba, uint32_t count,
                    void *buf, uint64_t timeout_cycles, char *err, size_t err_len)
{
    if (count == 0 || block_size == 0 || (uint64_t)count * block_size > HBA_BLOCK_READ_MAX) {
        snprintf(err, err_len, "a read of %" PRIu32 " blocks of %" PRIu32 " bytes is out of range", count, block_size);
        return -1;
    }
    struct hba_cmd cmd;
    for (unsigned attempt = 1;; attempt++) {
        memset(&cmd, 0, sizeof cmd);
        cmd.target = target;
        cmd.lun = lun;
        cmd.cdb_len = (uint8_t)scsi_cdb_rw(cmd.cdb, false, lba, count);
        cmd.dir = HBA_DIR_IN;
        cmd.data = buf;
        cmd.data_len = count * block_size;
        cmd.timeout_cycles = timeout_cycles;
        if (hba_command_wait(h, &cmd, err, err_len) != 0)
            return -1;
        struct hba_verdict v;
        hba_classify(&cmd, &v);
        if (v.outcome == HBA_OUTCOME_DONE && cmd.residual == 0)
            return 0;
        bool again = v.outcome == HBA_OUTCOME_UNIT_ATTENTION || v.outcome == HBA_OUTCOME_BUSY ||
                     v.outcome == HBA_OUTCOME_LOST;
        if (!again || attempt == MAX_TRIES) {
            char what[64], why[160];
            hba_cmd_describe(&cmd, what, sizeof what);
            if (v.outcome == HBA_OUTCOME_DONE)
                snprintf(why, sizeof why, "transferred %" PRIu32 " of %" PRIu32 " bytes", cmd.data_len - cmd.residual,
                         cmd.data_len);
            else
                hba_verdict_describe(h->kind, &cmd, &v, why, sizeof why);
            snprintf(err, err_len, "%s: %s", what, why);
            return -1;
        }
    }
}
