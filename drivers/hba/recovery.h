/*
 * Deadline recovery over the HBA seam, for every HBA kind, without waiting: a command past its
 * deadline gets ABORT TASK; still there one timeout later, LOGICAL UNIT RESET; still there, the
 * HBA is reset (SAM-5 7: task management functions, in the order of their reach). One TMF per LUN
 * is in flight at a time, and the TMF slots are the HBA's own. While a LUN is being recovered the
 * other LUNs keep running; hba_lun_in_recovery tells a caller to give that LUN no new commands.
 * An HBA without task management (tmf_unsupported: virtio-blk) goes to the reset at once.
 * Each step and each command that comes back after one is reported with HBA, target, LUN,
 * command and how long it took.
 */
#ifndef DRIVERS_HBA_RECOVERY_H
#define DRIVERS_HBA_RECOVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/hba/hba.h"

#define HBA_DEADLINE_CHECK_MS 10 /* how often the deadlines are looked at */

/* The rest of hba_poll, for n commands the driver handed back: reports on the ones that needed
 * recovery, TMF answers, deadlines. */
unsigned hba_poll_recovery(struct hba *h, struct hba_cmd **done, unsigned n);

/* Poll request queue q: finished commands into done[] (at most max); TMF answers are reaped and,
 * every HBA_DEADLINE_CHECK_MS, every queue's deadlines looked at. Returns how many. */
static inline unsigned hba_poll(struct hba *h, unsigned q, struct hba_cmd **done, unsigned max)
{
    unsigned n = h->ops->poll(h, q, done, max);
    /* The hot path, inline: nothing being recovered and no check due (the driver has just read
     * the clock for the last completion). */
    if (n > 0 && h->tmfs_in_flight == 0 && h->cmds_in_recovery == 0 && done[n - 1]->complete_tsc < h->next_deadline_check)
        return n;
    return hba_poll_recovery(h, done, n);
}

/* Whether a TMF for this LUN is in flight. */
bool hba_lun_in_recovery(const struct hba *h, uint8_t target, uint16_t lun);

/* Reset the HBA now and report it. 0, or -1 when it did not come back (h->broken). */
int hba_reset(struct hba *h);

/* What a queue's poller does when the device needs a reset (a used ring it cannot believe,
 * DEVICE_NEEDS_RESET): reset it now, or, with defer_resets, ask the owner to (reset_wanted). */
void hba_reset_from_poll(struct hba *h);

/* Whether polling may go on: not broken, and no reset asked for. */
static inline bool hba_pollable(const struct hba *h)
{
    return !h->broken && !__atomic_load_n(&h->reset_wanted, __ATOMIC_RELAXED);
}

#endif
