/* Sending a check's commands and wording its verdicts (check/command.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check/command.h"
#include "drivers/hba/sync_command.h"

bool check_send_dir(const struct check_lun *l, const uint8_t *cdb, size_t len, enum hba_dir dir, uint32_t data_len,
                    struct answer *a)
{
    memset(a, 0, sizeof *a);
    a->kind = l->hba->kind;
    struct hba_cmd *c = &a->cmd;
    c->target = l->info->target;
    c->lun = l->info->lun;
    memcpy(c->cdb, cdb, len < SCSI_CDB_MAX ? len : SCSI_CDB_MAX);
    c->cdb_len = (uint8_t)len;
    c->dir = data_len ? dir : HBA_DIR_NONE;
    c->data = data_len ? l->buf : NULL;
    c->data_len = data_len;
    c->timeout_cycles = l->timeout_cycles;
    if (data_len && dir == HBA_DIR_IN)
        memset(l->buf, 0xa5, data_len); /* so that bytes the LUN did not write are not zeros */
    if (hba_command_wait(l->hba, c, a->error, sizeof a->error) != 0)
        return false;
    hba_classify(c, &a->v);
    a->got = c->data_len - c->residual;
    return true;
}

bool check_send(const struct check_lun *l, const uint8_t *cdb, size_t len, uint32_t data_len, struct answer *a)
{
    return check_send_dir(l, cdb, len, HBA_DIR_IN, data_len, a);
}

bool check_send_good(const struct check_lun *l, const uint8_t *cdb, size_t len, uint32_t data_len, struct answer *a)
{
    for (int i = 0; i < 3; i++) {
        if (!check_send(l, cdb, len, data_len, a))
            return false;
        if (a->v.outcome != HBA_OUTCOME_UNIT_ATTENTION)
            return true;
    }
    return true;
}

bool check_send_inquiry(const struct check_lun *l, bool evpd, uint8_t page, uint16_t alloc, struct answer *a)
{
    uint8_t cdb[SCSI_CDB_MAX];
    return check_send_good(l, cdb, scsi_cdb_inquiry(cdb, evpd, page, alloc), alloc, a);
}

/* "CDB 12 00 00 00 60 00" */
static void cdb_text(const struct hba_cmd *c, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "CDB");
    for (unsigned i = 0; i < c->cdb_len && n + 4 < len; i++)
        n += (size_t)snprintf(buf + n, len - n, " %02x", c->cdb[i]);
}

enum check_result check_fail(const struct answer *a, char *why, size_t why_len, const char *expected)
{
    char cdb[80], got[180];
    cdb_text(&a->cmd, cdb, sizeof cdb);
    if (a->v.outcome == HBA_OUTCOME_DONE)
        snprintf(got, sizeof got, "GOOD, %u bytes", (unsigned)a->got);
    else
        hba_verdict_describe(a->kind, &a->cmd, &a->v, got, sizeof got);
    snprintf(why, why_len, "%s; got %s; expected %s", cdb, got, expected);
    return CHECK_FAIL;
}

enum check_result check_failf(const struct answer *a, char *why, size_t why_len, const char *fmt, ...)
{
    char expected[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(expected, sizeof expected, fmt, ap);
    va_end(ap);
    return check_fail(a, why, why_len, expected);
}

enum check_result check_skip(char *why, size_t why_len, const char *reason)
{
    snprintf(why, why_len, "%s", reason);
    return CHECK_SKIP;
}

bool check_sense_is(const struct answer *a, uint8_t key, uint8_t asc, uint8_t ascq)
{
    return a->cmd.response == HBA_RESPONSE_OK && a->cmd.status == SCSI_STATUS_CHECK_CONDITION && a->v.have_sense &&
           a->v.sense.key == key && a->v.sense.asc == asc && a->v.sense.ascq == ascq;
}

bool check_ready_disk(const struct check_lun *l)
{
    return check_is_disk(l) && !(l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY));
}

bool check_supported_pages(const struct check_lun *l, struct answer *a, uint8_t pages[64], size_t *count)
{
    if (!check_send_inquiry(l, true, SCSI_VPD_SUPPORTED_PAGES, 255, a))
        return false;
    return check_good(a) && scsi_vpd_supported_pages(l->buf, a->got, pages, 64, count) == 0;
}

bool check_page_listed(const uint8_t *pages, size_t n, uint8_t code)
{
    for (size_t i = 0; i < n; i++)
        if (pages[i] == code)
            return true;
    return false;
}

int check_vpd_page(const struct check_lun *l, uint8_t code, struct answer *a, char *why, size_t why_len,
                   enum check_result *result)
{
    uint8_t pages[64];
    size_t n = 0;
    *result = CHECK_SKIP;
    if (!check_supported_pages(l, a, pages, &n)) {
        check_skip(why, why_len, a->error[0] ? a->error : "no supported-pages list (spc.vpd.supported_pages says why)");
        return -1;
    }
    if (!check_page_listed(pages, n, code)) {
        char reason[80];
        snprintf(reason, sizeof reason, "the LUN does not offer VPD page %02x", code);
        check_skip(why, why_len, reason);
        return 0;
    }
    if (!check_send_inquiry(l, true, code, 255, a)) {
        COMMAND_LOST(a);
        return -1;
    }
    size_t page_len;
    if (!check_good(a) || scsi_vpd_header(l->buf, a->got, code, &page_len) != 0) {
        *result = check_failf(a, why, why_len, "GOOD with page %02x, as page 00 lists it", code);
        return -1;
    }
    return 1;
}

bool check_read_capacity16(const struct check_lun *l, struct answer *a, struct check_capacity *cap)
{
    uint8_t cdb[SCSI_CDB_MAX];
    if (!check_send_good(l, cdb, scsi_cdb_read_capacity16(cdb, 32), 32, a) || !check_good(a) ||
        scsi_read_capacity16_decode(l->buf, a->got, &cap->full) != 0)
        return false;
    cap->blocks = cap->full.blocks;
    cap->block_size = cap->full.block_size;
    return true;
}

void check_pattern_fill(uint8_t *buf, size_t n, uint64_t lba)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(lba * 131 + i * 7 + (i >> 8));
}

bool check_pattern_holds(const uint8_t *buf, size_t n, uint64_t lba)
{
    for (size_t i = 0; i < n; i++)
        if (buf[i] != (uint8_t)(lba * 131 + i * 7 + (i >> 8)))
            return false;
    return true;
}
