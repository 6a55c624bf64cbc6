/* What every HBA shares: response and TMF names and the one-line name of a command. */
#include "drivers/hba/hba.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *hba_response_name(enum hba_response response)
{
    static const char *const names[HBA_RESPONSE_COUNT] = {
        [HBA_RESPONSE_OK] = "OK",
        [HBA_RESPONSE_OVERRUN] = "OVERRUN",
        [HBA_RESPONSE_ABORTED] = "ABORTED",
        [HBA_RESPONSE_BAD_TARGET] = "BAD_TARGET",
        [HBA_RESPONSE_RESET] = "RESET",
        [HBA_RESPONSE_BUSY] = "BUSY",
        [HBA_RESPONSE_TRANSPORT_FAILURE] = "TRANSPORT_FAILURE",
        [HBA_RESPONSE_TARGET_FAILURE] = "TARGET_FAILURE",
        [HBA_RESPONSE_NEXUS_FAILURE] = "NEXUS_FAILURE",
        [HBA_RESPONSE_FAILURE] = "FAILURE",
        [HBA_RESPONSE_FUNCTION_SUCCEEDED] = "FUNCTION_SUCCEEDED",
        [HBA_RESPONSE_FUNCTION_REJECTED] = "FUNCTION_REJECTED",
        [HBA_RESPONSE_INCORRECT_LUN] = "INCORRECT_LUN",
        [HBA_RESPONSE_LOST] = "lost in an HBA reset",
        [HBA_RESPONSE_NO_ANSWER] = "no answer before an HBA reset",
    };
    return (unsigned)response < HBA_RESPONSE_COUNT ? names[response] : "unknown response";
}

const char *hba_tmf_name(enum hba_tmf_kind kind)
{
    static const char *const names[HBA_TMF_KIND_COUNT] = {
        [HBA_TMF_ABORT_TASK] = "ABORT TASK",
        [HBA_TMF_LUN_RESET] = "LOGICAL UNIT RESET",
        [HBA_TMF_ABORT_TASK_SET] = "ABORT TASK SET",
        [HBA_TMF_CLEAR_TASK_SET] = "CLEAR TASK SET",
        [HBA_TMF_I_T_NEXUS_RESET] = "I_T NEXUS RESET",
        [HBA_TMF_QUERY_TASK] = "QUERY TASK",
        [HBA_TMF_QUERY_TASK_SET] = "QUERY TASK SET",
    };
    return (unsigned)kind < HBA_TMF_KIND_COUNT ? names[kind] : "unknown TMF";
}

void hba_cmd_describe(const struct hba_cmd *cmd, char *buf, size_t len)
{
    const char *name = scsi_cdb_name(cmd->cdb, cmd->cdb_len);
    if (cmd->cdb_len == 10 && (cmd->cdb[0] == SCSI_OP_READ10 || cmd->cdb[0] == SCSI_OP_WRITE10))
        snprintf(buf, len, "%s LBA %" PRIu32, name, scsi_get_be32(cmd->cdb + 2));
    else if (cmd->cdb_len == 16 && (cmd->cdb[0] == SCSI_OP_READ16 || cmd->cdb[0] == SCSI_OP_WRITE16))
        snprintf(buf, len, "%s LBA %" PRIu64, name, scsi_get_be64(cmd->cdb + 2));
    else
        snprintf(buf, len, "%s", name);
}

void hba_queue_totals(const struct hba *h, struct hba_queue_stats *sum)
{
    memset(sum, 0, sizeof *sum);
    for (unsigned q = 0; q < HBA_MAX_QUEUES; q++) {
        const struct hba_queue_stats *s = &h->queue_stats[q];
        sum->submitted += s->submitted;
        sum->completed += s->completed;
        sum->notifies += s->notifies;
        sum->notifies_suppressed += s->notifies_suppressed;
    }
}
