/* Task management (SAM-5 7) and the virtio-scsi transport (virtio 1.2 5.6): the TMFs and what
 * each leaves behind, the responses the device owes for targets it does not have and buffers
 * that do not fit, and its configuration against what discovery found. */
#include <stdio.h>
#include <string.h>

#include "check/command.h"
#include "drivers/hba/sync_command.h"

/* Send one TMF to the LUN and wait for its answer in *t; a SKIP when none came, or when the
 * transport has none to send. */
static enum check_result tmf_answered(const struct check_lun *l, enum hba_tmf_kind kind, struct hba_cmd *task,
                                  struct hba_tmf *t, char *why, size_t why_len)
{
    if (l->hba->tmf_unsupported)
        return check_skip(why, why_len, "the transport has no task management (virtio-blk)");
    *t = (struct hba_tmf){ .kind = kind, .target = l->info->target, .lun = l->info->lun, .task = task };
    char err[160];
    if (hba_tmf_wait(l->hba, t, l->timeout_cycles, err, sizeof err) != 0)
        return check_skip(why, why_len, err);
    return CHECK_PASS;
}

/* The TMF's answer against the ones its clause allows: FUNCTION COMPLETE, and where said
 * FUNCTION REJECTED (not supported) or FUNCTION SUCCEEDED. */
static enum check_result tmf_answer(const struct hba_tmf *t, bool rejected_ok, bool succeeded_ok, char *why,
                                    size_t why_len)
{
    if (t->response == HBA_RESPONSE_OK || (rejected_ok && t->response == HBA_RESPONSE_FUNCTION_REJECTED) ||
        (succeeded_ok && t->response == HBA_RESPONSE_FUNCTION_SUCCEEDED))
        return CHECK_PASS;
    snprintf(why, why_len, "%s; got %s; expected FUNCTION COMPLETE%s", hba_tmf_name(t->kind),
             hba_response_name(t->response), rejected_ok ? " (or FUNCTION REJECTED where it is not supported)" : "");
    return CHECK_FAIL;
}

/* Send the TMF and judge its answer: a ghost tag for the kinds that name a task, one no command
 * of ours carries (ours are queue << 16 | slot). */
static enum check_result tmf_check(const struct check_lun *l, enum hba_tmf_kind kind, bool rejected_ok,
                                   bool succeeded_ok, char *why, size_t why_len)
{
    struct hba_cmd ghost = { .tag = 0xfedcba9876543210ull };
    struct hba_tmf t;
    bool names_a_task = kind == HBA_TMF_ABORT_TASK || kind == HBA_TMF_QUERY_TASK;
    enum check_result r = tmf_answered(l, kind, names_a_task ? &ghost : NULL, &t, why, why_len);
    return r != CHECK_PASS ? r : tmf_answer(&t, rejected_ok, succeeded_ok, why, why_len);
}

/* The LUN answers TEST UNIT READY first, so that what comes after the TMF is the TMF's doing. */
static bool quiet(const struct check_lun *l, struct answer *a)
{
    uint8_t cdb[SCSI_CDB_MAX];
    return check_send_good(l, cdb, scsi_cdb_test_unit_ready(cdb), 0, a);
}

/* A reset TMF: FUNCTION COMPLETE, then the first command reports UNIT ATTENTION 29/xx and the one
 * after it is GOOD (the attention is reported once). */
static enum check_result reset_then_attention(const struct check_lun *l, enum hba_tmf_kind kind, char *why,
                                              size_t why_len)
{
    if (l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY))
        return check_skip(why, why_len, "the LUN is not ready (no medium)");
    struct answer a;
    quiet(l, &a);
    enum check_result r = tmf_check(l, kind, false, false, why, why_len);
    if (r != CHECK_PASS)
        return r;
    uint8_t cdb[SCSI_CDB_MAX];
    if (!check_send(l, cdb, scsi_cdb_test_unit_ready(cdb), 0, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_UNIT_ATTENTION || a.v.sense.asc != SCSI_ASC_POWER_ON_OR_RESET)
        return check_failf(&a, why, why_len, "the first command after the %s: CHECK CONDITION, UNIT ATTENTION 29/xx",
                           hba_tmf_name(kind));
    if (!check_send(l, cdb, scsi_cdb_test_unit_ready(cdb), 0, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a))
        return check_fail(&a, why, why_len, "the second command: GOOD (the attention is reported once)");
    return CHECK_PASS;
}

/* SAM-5 7.2: ABORT TASK of a task the LUN does not have is no error: FUNCTION COMPLETE. */
CHECK_FN(abort_task_no_such_task) { return tmf_check(l, HBA_TMF_ABORT_TASK, false, true, why, why_len); }

/* SAM-5 7.7: a LOGICAL UNIT RESET establishes a UNIT ATTENTION the next command reports. */
CHECK_FN(lun_reset_unit_attention) { return reset_then_attention(l, HBA_TMF_LUN_RESET, why, why_len); }

/* SAM-5 7.6: I_T NEXUS RESET does so on every LUN of the target (29/07, I_T NEXUS LOSS OCCURRED;
 * QEMU says 29/00). The other LUNs' attentions wait for their next command, which retries. Once
 * per target: it resets every LUN there, so sent per LUN it would cost LUNs squared resets. */
CHECK_FN(i_t_nexus_reset) { return reset_then_attention(l, HBA_TMF_I_T_NEXUS_RESET, why, why_len); }

/* SAM-5 7.3: ABORT TASK SET is FUNCTION COMPLETE and, unlike a reset, leaves no UNIT ATTENTION
 * for the initiator that sent it. */
CHECK_FN(abort_task_set)
{
    if (l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY))
        return check_skip(why, why_len, "the LUN is not ready (no medium)");
    struct answer a;
    quiet(l, &a);
    enum check_result r = tmf_check(l, HBA_TMF_ABORT_TASK_SET, false, false, why, why_len);
    if (r != CHECK_PASS)
        return r;
    uint8_t cdb[SCSI_CDB_MAX];
    if (!check_send(l, cdb, scsi_cdb_test_unit_ready(cdb), 0, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a))
        return check_fail(&a, why, why_len, "GOOD after ABORT TASK SET (it establishes no UNIT ATTENTION)");
    return CHECK_PASS;
}

/* SAM-5 7.4: CLEAR TASK SET, where supported. */
CHECK_FN(clear_task_set) { return tmf_check(l, HBA_TMF_CLEAR_TASK_SET, true, false, why, why_len); }

/* SAM-5 7.8: QUERY TASK of a task the LUN does not have is FUNCTION COMPLETE (SUCCEEDED would
 * say it is there); a LUN without QUERY TASK rejects it. */
CHECK_FN(query_task_no_such_task) { return tmf_check(l, HBA_TMF_QUERY_TASK, true, false, why, why_len); }

/* SAM-5 7.9: QUERY TASK SET with nothing in flight: FUNCTION COMPLETE. */
CHECK_FN(query_task_set_idle) { return tmf_check(l, HBA_TMF_QUERY_TASK_SET, true, false, why, why_len); }

/* ---- virtio-scsi ---- */

/* virtio 1.2 5.6.6.1: a command to a target that does not exist answers BAD_TARGET. */
CHECK_FN(bad_target)
{
    const struct hba *h = l->hba;
    bool used[256] = { false };
    used[l->info->target] = true;
    /* The inventory is not at hand here: a target the LUN's own REPORT LUNS cannot tell about is
     * taken from the top of the range, where topologies rarely reach. */
    int free_target = -1;
    for (int t = h->max_target; t >= 0 && free_target < 0; t--) {
        if (used[t])
            continue;
        uint8_t cdb[SCSI_CDB_MAX];
        struct check_lun probe = *l;
        struct lun_info info = *l->info;
        info.target = (uint8_t)t;
        info.lun = 0;
        probe.info = &info;
        struct answer a;
        if (!check_send(&probe, cdb, scsi_cdb_report_luns(cdb, 16), 16, &a))
            return COMMAND_LOST(&a);
        if (a.cmd.response == HBA_RESPONSE_BAD_TARGET)
            return CHECK_PASS;
        if (a.v.outcome == HBA_OUTCOME_DONE)
            continue; /* a target with LUNs: try the next one down */
        return check_fail(&a, why, why_len, "virtio-scsi response BAD_TARGET for a target without LUNs");
    }
    return check_skip(why, why_len, "every target number has LUNs");
}


/* virtio 1.2 5.6.4: max_target and max_lun bound the addresses the device has: every target and
 * LUN discovery found on this HBA lies within them. */
CHECK_FN(config_bounds)
{
    const struct hba *h = l->hba;
    for (size_t i = 0; i < l->inv->count; i++) {
        const struct lun_info *o = &l->inv->luns[i];
        if (o->hba != l->info->hba || (o->target <= h->max_target && o->lun <= h->max_lun))
            continue;
        snprintf(why, why_len, "LUN %u:%u:%u answered, outside max_target %u and max_lun %u of the configuration",
                 o->hba, o->target, o->lun, h->max_target, (unsigned)h->max_lun);
        return CHECK_FAIL;
    }
    return CHECK_PASS;
}

/* READ(10) of two blocks into a buffer of one, and of one block into a buffer of two. */
static bool read_into(const struct check_lun *l, uint16_t blocks, uint32_t buf_blocks, struct answer *a)
{
    uint8_t cdb[SCSI_CDB_MAX];
    return check_send_good(l, cdb, scsi_cdb_read10(cdb, 0, blocks), buf_blocks * l->info->block_size, a);
}

/* virtio 1.2 5.6.6.1: OVERRUN when the CDB asks for more data than the buffers hold. */
CHECK_FN(overrun)
{
    if (!check_ready_disk(l) || l->info->blocks < 2)
        return NOT_A_READY_DISK();
    if (l->info->block_size > CHECK_BUF)
        return check_skip(why, why_len, "blocks larger than the check's buffer");
    struct answer a;
    if (!read_into(l, 2, 1, &a))
        return COMMAND_LOST(&a);
    if (a.cmd.response != HBA_RESPONSE_OVERRUN)
        return check_fail(&a, why, why_len, "virtio-scsi response OVERRUN (two blocks asked for, room for one)");
    return CHECK_PASS;
}

/* virtio 1.2 5.6.6.1: the residual is what the buffers held beyond the transfer. */
CHECK_FN(residual_left)
{
    if (!check_ready_disk(l))
        return NOT_A_READY_DISK();
    if (2u * l->info->block_size > CHECK_BUF)
        return check_skip(why, why_len, "blocks larger than the check's buffer");
    struct answer a;
    if (!read_into(l, 1, 2, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.cmd.residual != l->info->block_size)
        return check_failf(&a, why, why_len, "GOOD with residual %u (one block asked for, room for two; %s)",
                           (unsigned)l->info->block_size,
                           a.cmd.residual == a.cmd.data_len
                               ? "the whole buffer is what lunbench reads when the device said that much or more"
                               : "the residual is the device's");
    return CHECK_PASS;
}

const struct check_def check_task[] = {
    { "sam.tmf.abort_task_no_such_task", "SAM-5 7.2", "ABORT TASK of a tag no command has: FUNCTION COMPLETE", abort_task_no_such_task },
    { "sam.tmf.abort_task_set", "SAM-5 7.3", "ABORT TASK SET: FUNCTION COMPLETE; the next command GOOD (no UNIT ATTENTION)", abort_task_set },
    { "sam.tmf.clear_task_set", "SAM-5 7.4", "CLEAR TASK SET: FUNCTION COMPLETE, or FUNCTION REJECTED where not supported", clear_task_set },
    { "sam.tmf.lun_reset_unit_attention", "SAM-5 7.7", "LOGICAL UNIT RESET: FUNCTION COMPLETE; the next command UNIT ATTENTION 29/xx, the one after GOOD", lun_reset_unit_attention },
    { "sam.tmf.i_t_nexus_reset", "SAM-5 7.6", "I_T NEXUS RESET: FUNCTION COMPLETE; the next command UNIT ATTENTION 29/xx, the one after GOOD", i_t_nexus_reset, CHECK_PER_TARGET },
    { "sam.tmf.query_task_no_such_task", "SAM-5 7.8", "QUERY TASK of a tag no command has: FUNCTION COMPLETE (or REJECTED)", query_task_no_such_task },
    { "sam.tmf.query_task_set_idle", "SAM-5 7.9", "QUERY TASK SET with nothing in flight: FUNCTION COMPLETE (or REJECTED)", query_task_set_idle },
    { "virtio.scsi.bad_target", "virtio 1.2 5.6.6.1", "REPORT LUNS to a target without LUNs: response BAD_TARGET", bad_target, CHECK_PER_HBA },
    { "virtio.scsi.config.bounds", "virtio 1.2 5.6.4", "every target and LUN found within max_target and max_lun", config_bounds, CHECK_PER_HBA },
    { "virtio.scsi.overrun", "virtio 1.2 5.6.6.1", "READ(10) of 2 blocks into room for 1: response OVERRUN", overrun },
    { "virtio.scsi.residual", "virtio 1.2 5.6.6.1", "READ(10) of 1 block into room for 2: GOOD, residual one block", residual_left },
};
const size_t check_task_count = sizeof check_task / sizeof check_task[0];
