#include "drivers/hba/outcome.h"

#include <stdio.h>
#include <string.h>

static enum hba_change unit_attention_change(const struct scsi_sense *s)
{
    if (s->asc == SCSI_ASC_PARAMETERS_CHANGED && s->ascq == SCSI_ASCQ_CAPACITY_DATA_HAS_CHANGED)
        return HBA_CHANGE_CAPACITY;
    if (s->asc == SCSI_ASC_OPERATING_CONDITIONS_CHANGED && s->ascq == SCSI_ASCQ_REPORTED_LUNS_DATA_HAS_CHANGED)
        return HBA_CHANGE_LUN_INVENTORY;
    if (s->asc == SCSI_ASC_POWER_ON_OR_RESET)
        return HBA_CHANGE_RESET;
    return HBA_CHANGE_OTHER;
}

static enum hba_outcome from_sense(const struct scsi_sense *s, struct hba_verdict *v)
{
    switch (s->key) {
    case SCSI_SENSE_UNIT_ATTENTION:
        v->change = unit_attention_change(s);
        return HBA_OUTCOME_UNIT_ATTENTION;
    case SCSI_SENSE_NOT_READY:
        v->no_medium = s->asc == SCSI_ASC_MEDIUM_NOT_PRESENT;
        return HBA_OUTCOME_NOT_READY;
    case SCSI_SENSE_ILLEGAL_REQUEST:
        /* QEMU's answer for a LUN that left a target that still has others (SPC-5 4.6.4). */
        if (s->asc == SCSI_ASC_LOGICAL_UNIT_NOT_SUPPORTED && s->ascq == 0)
            return HBA_OUTCOME_GONE;
        if ((s->asc == SCSI_ASC_INVALID_COMMAND_OPERATION_CODE || s->asc == SCSI_ASC_INVALID_FIELD_IN_CDB) &&
            s->ascq == 0)
            return HBA_OUTCOME_UNSUPPORTED;
        return HBA_OUTCOME_CHECK_CONDITION;
    case SCSI_SENSE_MEDIUM_ERROR:
    case SCSI_SENSE_HARDWARE_ERROR:
        return HBA_OUTCOME_MEDIUM_ERROR;
    case SCSI_SENSE_DATA_PROTECT:
        return HBA_OUTCOME_WRITE_PROTECTED;
    default:
        return HBA_OUTCOME_CHECK_CONDITION;
    }
}

void hba_classify(const struct hba_cmd *cmd, struct hba_verdict *v)
{
    memset(v, 0, sizeof *v);
    switch (cmd->response) {
    case HBA_RESPONSE_OK: break;
    case HBA_RESPONSE_BAD_TARGET:
    case HBA_RESPONSE_INCORRECT_LUN: v->outcome = HBA_OUTCOME_GONE; return;
    case HBA_RESPONSE_ABORTED:
    case HBA_RESPONSE_RESET: v->outcome = HBA_OUTCOME_CANCELLED; return;
    case HBA_RESPONSE_LOST: v->outcome = HBA_OUTCOME_LOST; return;
    case HBA_RESPONSE_BUSY: v->outcome = HBA_OUTCOME_BUSY; return;
    default: v->outcome = HBA_OUTCOME_TRANSPORT_ERROR; return;
    }
    v->have_sense = cmd->sense_len > 0 && cmd->sense_len <= HBA_SENSE_MAX &&
                    scsi_sense_decode(cmd->sense, cmd->sense_len, &v->sense) == 0;
    switch (cmd->status) {
    case SCSI_STATUS_GOOD: v->outcome = HBA_OUTCOME_DONE; return;
    case SCSI_STATUS_BUSY:
    case SCSI_STATUS_TASK_SET_FULL: v->outcome = HBA_OUTCOME_BUSY; return;
    case SCSI_STATUS_CHECK_CONDITION:
        /* Deferred sense (SPC-5 4.4.3) tells of an earlier command, not this one: an error to
         * report, never a reason to retry this one or to think its LUN gone. */
        v->outcome = v->have_sense && !v->sense.deferred ? from_sense(&v->sense, v) : HBA_OUTCOME_CHECK_CONDITION;
        return;
    default: v->outcome = HBA_OUTCOME_STATUS; return;
    }
}

const char *hba_outcome_name(enum hba_outcome outcome)
{
    static const char *const names[HBA_OUTCOME_COUNT] = {
        [HBA_OUTCOME_DONE] = "done",
        [HBA_OUTCOME_UNIT_ATTENTION] = "unit attention",
        [HBA_OUTCOME_GONE] = "gone",
        [HBA_OUTCOME_CANCELLED] = "cancelled",
        [HBA_OUTCOME_LOST] = "lost",
        [HBA_OUTCOME_BUSY] = "busy",
        [HBA_OUTCOME_NOT_READY] = "not ready",
        [HBA_OUTCOME_UNSUPPORTED] = "unsupported",
        [HBA_OUTCOME_MEDIUM_ERROR] = "medium error",
        [HBA_OUTCOME_WRITE_PROTECTED] = "write-protected",
        [HBA_OUTCOME_CHECK_CONDITION] = "check condition",
        [HBA_OUTCOME_STATUS] = "status",
        [HBA_OUTCOME_TRANSPORT_ERROR] = "transport error",
    };
    return (unsigned)outcome < HBA_OUTCOME_COUNT ? names[outcome] : "unknown";
}

void hba_verdict_describe(const char *transport, const struct hba_cmd *cmd, const struct hba_verdict *v, char *buf,
                          size_t len)
{
    if (cmd->response != HBA_RESPONSE_OK) {
        snprintf(buf, len, "%s response %s", transport, hba_response_name(cmd->response));
    } else if (cmd->status == SCSI_STATUS_CHECK_CONDITION && v->have_sense) {
        const char *asc = scsi_asc_name(v->sense.asc, v->sense.ascq);
        snprintf(buf, len, "CHECK CONDITION, sense %s %02x/%02x (%s)", scsi_sense_key_name(v->sense.key), v->sense.asc,
                 v->sense.ascq, asc ? asc : "no description");
    } else if (cmd->status == SCSI_STATUS_CHECK_CONDITION) {
        snprintf(buf, len, "CHECK CONDITION without usable sense data");
    } else {
        snprintf(buf, len, "status %s", scsi_status_name(cmd->status));
    }
}
