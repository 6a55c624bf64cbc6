#include "drivers/hba/recovery.h"

#include <inttypes.h>
#include <stdio.h>

static uint64_t cmd_wait(const struct hba *h, const struct hba_cmd *cmd)
{
    return cmd->timeout_cycles ? cmd->timeout_cycles : hba_ms_to_cycles(h, 30000);
}

static uint64_t to_ms(const struct hba *h, uint64_t cycles)
{
    uint64_t per_ms = hba_ms_to_cycles(h, 1);
    return per_ms ? cycles / per_ms : 0;
}

int hba_reset(struct hba *h)
{
    int rc = h->ops->reset(h);
    __atomic_store_n(&h->reset_wanted, false, __ATOMIC_RELAXED); /* the owner's, in a pause */
    if (rc != 0) {
        printf("lunbench: HBA %u (%s): the device did not come back after a reset: %s\n", h->index, h->name, h->error);
        h->broken = true;
        return -1;
    }
    printf("lunbench: HBA %u (%s): device reset and brought up again\n", h->index, h->name);
    return 0;
}

void hba_reset_from_poll(struct hba *h)
{
    if (!h->defer_resets) {
        hba_reset(h);
        return;
    }
    /* Release: the error text written before it is seen by the owner that acquires the flag. */
    __atomic_store_n(&h->reset_wanted, true, __ATOMIC_RELEASE);
}

/* The TMF of this kind in flight for a LUN, or NULL; kind -1: any kind. */
static struct hba_tmf *tmf_for_lun(const struct hba *h, int kind, uint8_t target, uint16_t lun)
{
    for (unsigned i = 0; i < HBA_TMF_SLOTS; i++) {
        const struct hba_tmf *t = &h->tmfs[i];
        if (t->in_flight && t->target == target && t->lun == lun && (kind < 0 || (int)t->kind == kind))
            return (struct hba_tmf *)t;
    }
    return NULL;
}

bool hba_lun_in_recovery(const struct hba *h, uint8_t target, uint16_t lun)
{
    return h->tmfs_in_flight != 0 && tmf_for_lun(h, -1, target, lun) != NULL;
}

/* An ABORT TASK still unanswered once the LOGICAL UNIT RESET sent after it was answered: the reset
 * ended the task it named, so the device had every reason to answer it (QEMU does, then) and may
 * never. Said once; its slot stays taken, since the device may still write the answer there, until
 * it is answered or the HBA is reset. */
static void report_outlived_aborts(struct hba *h, const struct hba_tmf *reset)
{
    for (unsigned i = 0; i < HBA_TMF_SLOTS; i++) {
        struct hba_tmf *t = &h->tmfs[i];
        if (!t->in_flight || t->outlived || t->kind != HBA_TMF_ABORT_TASK || t->target != reset->target ||
            t->lun != reset->lun)
            continue;
        t->outlived = true;
        h->stats.aborts_outlived++;
        printf("lunbench: HBA %u (%s) target %u LUN %u: ABORT TASK not answered in %" PRIu64 " ms, though the LOGICAL "
               "UNIT RESET after it was; its TMF slot stays taken until it is\n", h->index, h->name, t->target, t->lun,
               to_ms(h, h->ops->now(h) - t->sent_tsc));
    }
}

static void reap_tmfs(struct hba *h)
{
    struct hba_tmf *done[HBA_TMF_SLOTS];
    unsigned n = h->ops->tmf_poll(h, done, HBA_TMF_SLOTS);
    for (unsigned i = 0; i < n; i++) {
        struct hba_tmf *t = done[i];
        if (!t->in_flight)
            continue; /* not one of ours in flight: a driver bug, never a double count */
        t->in_flight = false;
        h->tmfs_in_flight--;
        if (t->response == HBA_RESPONSE_NO_ANSWER)
            printf("lunbench: HBA %u (%s) target %u LUN %u: %s was never answered (the HBA was reset)\n", h->index,
                   h->name, t->target, t->lun, hba_tmf_name(t->kind));
        else
            printf("lunbench: HBA %u (%s) target %u LUN %u: %s answered %s\n", h->index, h->name, t->target, t->lun,
                   hba_tmf_name(t->kind), hba_response_name(t->response));
    }
    for (unsigned i = 0; i < n; i++)
        if (done[i]->kind == HBA_TMF_LUN_RESET && done[i]->response != HBA_RESPONSE_NO_ANSWER)
            report_outlived_aborts(h, done[i]);
}

/* Send a TMF for cmd's LUN. 0, or -1 when no slot is free (the caller waits) or the HBA refused.
 * Aborts take at most half the slots: an abort may go unanswered until its LUN is reset (QEMU
 * answers once the request is cancelled), so slots full of aborts would leave no room for the LUN
 * resets that answer them. */
static int send_tmf(struct hba *h, enum hba_tmf_kind kind, struct hba_cmd *cmd, uint64_t now)
{
    struct hba_tmf *t = NULL;
    unsigned aborts = 0;
    for (unsigned i = 0; i < HBA_TMF_SLOTS; i++) {
        if (!h->tmfs[i].in_flight)
            t = t != NULL ? t : &h->tmfs[i];
        else
            aborts += h->tmfs[i].kind == HBA_TMF_ABORT_TASK;
    }
    if (t == NULL || (kind == HBA_TMF_ABORT_TASK && aborts >= HBA_TMF_SLOTS / 2))
        return -1;
    *t = (struct hba_tmf){ .kind = kind, .target = cmd->target, .lun = cmd->lun,
                           .task = kind == HBA_TMF_ABORT_TASK ? cmd : NULL, .sent_tsc = now };
    if (h->ops->tmf_submit(h, t) != 0)
        return -1;
    t->in_flight = true;
    h->tmfs_in_flight++;
    if (kind == HBA_TMF_ABORT_TASK)
        h->stats.aborts++;
    else
        h->stats.lun_resets++;
    return 0;
}

static void report_step(const struct hba *h, const struct hba_cmd *cmd, uint64_t now, const char *step)
{
    char what[64];
    hba_cmd_describe(cmd, what, sizeof what);
    printf("lunbench: HBA %u (%s) target %u LUN %u: %s (tag 0x%" PRIx64 ") did not complete in %" PRIu64
           " ms; sending %s\n", h->index, h->name, cmd->target, cmd->lun, what, cmd->tag,
           to_ms(h, now - cmd->submit_tsc), step);
}

/* Take the next recovery step for a command past its deadline. Returns false once the HBA was
 * reset (every queue's state changed: stop looking at this round's list). */
static bool escalate(struct hba *h, struct hba_cmd *cmd, uint64_t now)
{
    if (h->tmf_unsupported) {
        /* No ABORT TASK or LUN reset to try (virtio-blk): the device reset is the only step. */
        report_step(h, cmd, now, "a device reset (this HBA has no task management)");
        hba_reset(h);
        return false;
    }
    uint64_t wait = cmd_wait(h, cmd);
    struct hba_tmf *reset = tmf_for_lun(h, HBA_TMF_LUN_RESET, cmd->target, cmd->lun);
    if (reset != NULL) {
        /* A LUN reset covers every command of the LUN: wait for it, for one timeout. */
        if (now - reset->sent_tsc < wait) {
            cmd->deadline = reset->sent_tsc + wait;
            return true;
        }
        printf("lunbench: HBA %u (%s) target %u LUN %u: LOGICAL UNIT RESET not answered in %" PRIu64
               " ms; resetting the HBA\n", h->index, h->name, cmd->target, cmd->lun, to_ms(h, now - reset->sent_tsc));
        hba_reset(h);
        return false;
    }
    if (cmd->recovery == HBA_RECOVERY_LUN_RESET_SENT) {
        report_step(h, cmd, now, "a device reset"); /* the LUN reset was answered, the command is still out */
        hba_reset(h);
        return false;
    }
    enum hba_tmf_kind kind = HBA_TMF_LUN_RESET;
    if (cmd->recovery == HBA_RECOVERY_NONE) {
        /* One ABORT TASK per LUN at a time; one that goes unanswered for a timeout (QEMU answers
         * an abort only once the request is cancelled) leaves the LUN reset. */
        struct hba_tmf *abort = tmf_for_lun(h, HBA_TMF_ABORT_TASK, cmd->target, cmd->lun);
        if (abort != NULL && now - abort->sent_tsc < wait) {
            cmd->deadline = abort->sent_tsc + wait;
            return true;
        }
        if (abort == NULL)
            kind = HBA_TMF_ABORT_TASK;
    }
    if (send_tmf(h, kind, cmd, now) != 0 && (reap_tmfs(h), send_tmf(h, kind, cmd, now) != 0)) {
        /* No slot for it, even with the answers that came meanwhile: wait for the next check,
         * unless a TMF has gone unanswered for two timeouts (an abort's LUN reset would have
         * answered it by then), which leaves only the reset. */
        const struct hba_tmf *oldest = NULL;
        for (unsigned i = 0; i < HBA_TMF_SLOTS; i++)
            if (h->tmfs[i].in_flight && (oldest == NULL || h->tmfs[i].sent_tsc < oldest->sent_tsc))
                oldest = &h->tmfs[i];
        if (oldest != NULL && now - oldest->sent_tsc >= 2 * wait) {
            printf("lunbench: HBA %u (%s): no TMF slot free and %s to target %u LUN %u not answered in %" PRIu64
                   " ms; resetting the HBA\n", h->index, h->name, hba_tmf_name(oldest->kind), oldest->target, oldest->lun,
                   to_ms(h, now - oldest->sent_tsc));
            hba_reset(h);
            return false;
        }
        cmd->deadline = now + hba_ms_to_cycles(h, HBA_DEADLINE_CHECK_MS);
        return true;
    }
    report_step(h, cmd, now, hba_tmf_name(kind));
    if (cmd->recovery == HBA_RECOVERY_NONE)
        h->cmds_in_recovery++;
    cmd->recovery = kind == HBA_TMF_ABORT_TASK ? HBA_RECOVERY_ABORT_SENT : HBA_RECOVERY_LUN_RESET_SENT;
    cmd->recovery_tsc = now;
    cmd->deadline = now + wait;
    return true;
}

static void check_deadlines(struct hba *h, uint64_t now)
{
    h->next_deadline_check = now + hba_ms_to_cycles(h, HBA_DEADLINE_CHECK_MS);
    enum { BATCH = 16 };
    struct hba_cmd *late[BATCH];
    for (unsigned q = 0; q < h->num_queues && !h->broken; q++) {
        unsigned n = h->ops->overdue(h, q, now, late, BATCH);
        for (unsigned i = 0; i < n; i++)
            if (!escalate(h, late[i], now))
                return;
    }
}

/* A command that needed recovery is back: say how long it was out and what freed it. */
static void report_recovered(const struct hba *h, const struct hba_cmd *cmd)
{
    char what[64];
    hba_cmd_describe(cmd, what, sizeof what);
    printf("lunbench: HBA %u (%s) target %u LUN %u: %s came back (%s) after %" PRIu64 " ms, past %s\n", h->index,
           h->name, cmd->target, cmd->lun, what, hba_response_name(cmd->response),
           to_ms(h, cmd->complete_tsc - cmd->submit_tsc),
           cmd->recovery == HBA_RECOVERY_ABORT_SENT ? "ABORT TASK" : "LOGICAL UNIT RESET");
}

unsigned hba_poll_recovery(struct hba *h, struct hba_cmd **done, unsigned n)
{
    uint64_t start = n > 0 ? done[n - 1]->complete_tsc : h->ops->now(h);
    bool recovered = false;
    for (unsigned i = 0; i < n; i++) {
        if (done[i]->recovery != HBA_RECOVERY_NONE) {
            report_recovered(h, done[i]);
            recovered = true;
            if (h->cmds_in_recovery > 0)
                h->cmds_in_recovery--;
        }
    }
    if (!recovered && h->tmfs_in_flight == 0 && start < h->next_deadline_check)
        return n;
    if (h->tmfs_in_flight != 0)
        reap_tmfs(h);
    if (start >= h->next_deadline_check && !h->broken)
        check_deadlines(h, start);
    /* Reports, TMFs and deadline checks are recovery, not the driver's cost per I/O. */
    h->stats.recovery_cycles += h->ops->now(h) - start;
    return n;
}
