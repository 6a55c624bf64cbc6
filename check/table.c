/* The checks (check/check.h): SPC-5 and SBC-4 requirements a LUN must meet, each a function of
 * a few commands. A check says FAIL only for a "shall" of its clause; what the clause leaves
 * optional it SKIPs with the reason. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check/check.h"
#include "drivers/hba/outcome.h"
#include "drivers/hba/sync_command.h"
#include "drivers/scsi/scsi.h"

/* ---- running one command ---- */

struct answer {
    const char *kind; /* the transport, for its responses' names */
    struct hba_cmd cmd;
    struct hba_verdict v;
    uint32_t got; /* bytes transferred */
    char error[160]; /* the HBA did not take it: the check cannot judge the LUN */
};

/* Send cdb (len bytes) to the LUN with data_len bytes of data-in; the answer in *a. false when the
 * command did not come back (the HBA failed): the caller SKIPs. */
static bool send(const struct check_lun *l, const uint8_t *cdb, size_t len, uint32_t data_len, struct answer *a)
{
    memset(a, 0, sizeof *a);
    a->kind = l->hba->kind;
    struct hba_cmd *c = &a->cmd;
    c->target = l->info->target;
    c->lun = l->info->lun;
    memcpy(c->cdb, cdb, len < SCSI_CDB_MAX ? len : SCSI_CDB_MAX);
    c->cdb_len = (uint8_t)len;
    c->dir = data_len ? HBA_DIR_IN : HBA_DIR_NONE;
    c->data = data_len ? l->buf : NULL;
    c->data_len = data_len;
    c->timeout_cycles = l->timeout_cycles;
    if (data_len)
        memset(l->buf, 0xa5, data_len); /* so that bytes the LUN did not write are not zeros */
    if (hba_command_wait(l->hba, c, a->error, sizeof a->error) != 0)
        return false;
    hba_classify(c, &a->v);
    a->got = c->data_len - c->residual;
    return true;
}

/* "CDB 12 00 00 00 60 00" */
static void cdb_text(const struct hba_cmd *c, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "CDB");
    for (unsigned i = 0; i < c->cdb_len && n + 4 < len; i++)
        n += (size_t)snprintf(buf + n, len - n, " %02x", c->cdb[i]);
}

/* A FAIL line's detail: what was sent, what came back, what the clause wants. */
static enum check_result fail(const struct answer *a, char *why, size_t why_len, const char *expected)
{
    char cdb[80], got[180];
    cdb_text(&a->cmd, cdb, sizeof cdb);
    if (a->v.outcome == HBA_OUTCOME_DONE)
        snprintf(got, sizeof got, "GOOD, %" PRIu32 " bytes", a->got);
    else
        hba_verdict_describe(a->kind, &a->cmd, &a->v, got, sizeof got);
    snprintf(why, why_len, "%s; got %s; expected %s", cdb, got, expected);
    return CHECK_FAIL;
}

static enum check_result skip(char *why, size_t why_len, const char *reason)
{
    snprintf(why, why_len, "%s", reason);
    return CHECK_SKIP;
}

/* GOOD, or a UNIT ATTENTION first (the LUN reports one once after a reset): send again. */
static bool send_good(const struct check_lun *l, const uint8_t *cdb, size_t len, uint32_t data_len, struct answer *a)
{
    for (int i = 0; i < 3; i++) {
        if (!send(l, cdb, len, data_len, a))
            return false;
        if (a->v.outcome != HBA_OUTCOME_UNIT_ATTENTION)
            return true;
    }
    return true;
}

/* INQUIRY (SPC-5 6.7) with EVPD, PAGE CODE and ALLOCATION LENGTH, through send_good. */
static bool send_inquiry(const struct check_lun *l, bool evpd, uint8_t page, uint16_t alloc, struct answer *a)
{
    uint8_t cdb[SCSI_CDB_MAX];
    return send_good(l, cdb, scsi_cdb_inquiry(cdb, evpd, page, alloc), alloc, a);
}

static bool is_disk(const struct check_lun *l) { return l->info->device_type == SCSI_TYPE_DISK; }

static bool sense_is(const struct answer *a, uint8_t key, uint8_t asc, uint8_t ascq)
{
    return a->cmd.response == HBA_RESPONSE_OK && a->cmd.status == SCSI_STATUS_CHECK_CONDITION && a->v.have_sense &&
           a->v.sense.key == key && a->v.sense.asc == asc && a->v.sense.ascq == ascq;
}

#define CHECK(fn) static enum check_result fn(const struct check_lun *l, char *why, size_t why_len)
#define COMMAND_LOST(a) skip(why, why_len, (a)->error)

/* ---- SPC-5: INQUIRY ---- */

CHECK(inquiry_standard_length)
{
    struct answer a;
    if (!send_inquiry(l, false, 0, 96, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE || a.got < 36 || l->buf[4] + 5u < 36)
        return fail(&a, why, why_len, "GOOD with at least 36 bytes and ADDITIONAL LENGTH >= 31");
    return CHECK_PASS;
}

CHECK(inquiry_response_data_format)
{
    struct answer a;
    if (!send_inquiry(l, false, 0, 36, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE || a.got < 4 || (l->buf[3] & 0x0f) != 2)
        return fail(&a, why, why_len, "RESPONSE DATA FORMAT (byte 3, bits 3-0) 2");
    return CHECK_PASS;
}

CHECK(inquiry_ascii_fields)
{
    struct answer a;
    if (!send_inquiry(l, false, 0, 36, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE || a.got < 36)
        return fail(&a, why, why_len, "GOOD with 36 bytes");
    for (unsigned i = 8; i < 36; i++)
        if (l->buf[i] < 0x20 || l->buf[i] > 0x7e) {
            char what[96];
            snprintf(what, sizeof what, "bytes 8-35 in 0x20-0x7e (byte %u is 0x%02x)", i, l->buf[i]);
            return fail(&a, why, why_len, what);
        }
    return CHECK_PASS;
}

CHECK(inquiry_allocation_length)
{
    struct answer a;
    if (!send_inquiry(l, false, 0, 5, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE || a.got != 5)
        return fail(&a, why, why_len, "GOOD with exactly 5 bytes (the transfer ends at the allocation length)");
    return CHECK_PASS;
}

/* SPC-5 4.2.5.6: the device server transfers the data it has, up to the allocation length; the
 * transport's residual (virtio 1.2 5.6.6.1) says how much that was. */
CHECK(inquiry_transfer_length)
{
    struct answer a;
    if (!send_inquiry(l, false, 0, 255, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE || a.got < 5)
        return fail(&a, why, why_len, "GOOD with the standard data");
    unsigned have = l->buf[4] + 5u;
    if (a.got != (have < 255 ? have : 255)) {
        char what[120];
        snprintf(what, sizeof what, "%u bytes: ADDITIONAL LENGTH %u plus 5 (the residual counts the rest)",
                 have < 255 ? have : 255, l->buf[4]);
        return fail(&a, why, why_len, what);
    }
    return CHECK_PASS;
}

CHECK(inquiry_page_code_without_evpd)
{
    uint8_t cdb[SCSI_CDB_MAX];
    size_t len = scsi_cdb_inquiry(cdb, false, 0, 96);
    cdb[2] = 0x80; /* a page code with EVPD zero */
    struct answer a;
    if (!send_good(l, cdb, len, 96, &a))
        return COMMAND_LOST(&a);
    if (!sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0))
        return fail(&a, why, why_len, "CHECK CONDITION, ILLEGAL REQUEST 24/00 (INVALID FIELD IN CDB)");
    return CHECK_PASS;
}

/* SPC-5 4.4.2.4.2: a sense-key-specific field pointer (SKSV set, C/D one: in the CDB) should
 * name the byte; SPC makes it a "should" for INVALID FIELD IN CDB, so only a wrong one FAILs. */
CHECK(invalid_field_pointer)
{
    uint8_t cdb[SCSI_CDB_MAX];
    size_t len = scsi_cdb_inquiry(cdb, false, 0, 96);
    cdb[2] = 0x80;
    struct answer a;
    if (!send_good(l, cdb, len, 96, &a))
        return COMMAND_LOST(&a);
    if (!sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0))
        return skip(why, why_len, "the LUN did not answer 24/00 (spc.inquiry.page_code_without_evpd says how)");
    if (a.cmd.sense_len < 18 || (a.cmd.sense[0] & 0x7f) != SCSI_SENSE_FIXED_CURRENT || !(a.cmd.sense[15] & 0x80))
        return skip(why, why_len, "no sense-key-specific field (SKSV clear, or descriptor sense)");
    uint16_t pointer = scsi_get_be16(a.cmd.sense + 16);
    if (!(a.cmd.sense[15] & 0x40) || pointer != 2)
        return fail(&a, why, why_len, "a field pointer in the CDB (C/D set) at byte 2, the PAGE CODE");
    return CHECK_PASS;
}

/* ---- SPC-5: VPD pages ---- */

/* The supported-pages list (page 00), or false (a FAIL with why filled in). */
static bool supported_pages(const struct check_lun *l, struct answer *a, uint8_t *pages, size_t *count)
{
    if (!send_inquiry(l, true, 0x00, 255, a))
        return false;
    return a->v.outcome == HBA_OUTCOME_DONE && scsi_vpd_supported_pages(l->buf, a->got, pages, 64, count) == 0;
}

/* Whether the supported-pages list names page code. */
static bool page_listed(const uint8_t *pages, size_t n, uint8_t code)
{
    for (size_t i = 0; i < n; i++)
        if (pages[i] == code)
            return true;
    return false;
}

CHECK(vpd_supported_pages)
{
    struct answer a;
    uint8_t pages[64];
    size_t n = 0;
    if (!supported_pages(l, &a, pages, &n)) {
        if (a.error[0])
            return COMMAND_LOST(&a);
        return fail(&a, why, why_len, "GOOD with the Supported VPD Pages page (page code 00)");
    }
    bool has00 = false;
    for (size_t i = 0; i < n; i++) {
        has00 |= pages[i] == 0x00;
        if (i > 0 && pages[i] <= pages[i - 1])
            return fail(&a, why, why_len, "page codes in ascending order");
    }
    if (!has00)
        return fail(&a, why, why_len, "page 00 itself in the list");
    return CHECK_PASS;
}

CHECK(vpd_device_identification)
{
    struct answer a;
    uint8_t pages[64];
    size_t n = 0;
    if (!supported_pages(l, &a, pages, &n))
        return skip(why, why_len, "no supported-pages list (spc.vpd.supported_pages says why)");
    if (!page_listed(pages, n, 0x83))
        return fail(&a, why, why_len, "page 83 (Device Identification) among the supported pages");
    if (!send_inquiry(l, true, 0x83, 255, &a))
        return COMMAND_LOST(&a);
    struct scsi_vpd_devid id;
    if (a.v.outcome != HBA_OUTCOME_DONE || scsi_vpd_device_id(l->buf, a.got, &id) != 0)
        return fail(&a, why, why_len, "GOOD with a page 83 whose designators fit its length");
    return CHECK_PASS;
}

CHECK(vpd_page_codes_match)
{
    struct answer a;
    uint8_t pages[64];
    size_t n = 0;
    if (!supported_pages(l, &a, pages, &n))
        return skip(why, why_len, "no supported-pages list (spc.vpd.supported_pages says why)");
    for (size_t i = 0; i < n; i++) {
        if (!send_inquiry(l, true, pages[i], 255, &a))
            return COMMAND_LOST(&a);
        size_t page_len;
        if (a.v.outcome != HBA_OUTCOME_DONE || scsi_vpd_header(l->buf, a.got, pages[i], &page_len) != 0) {
            char what[80];
            snprintf(what, sizeof what, "GOOD with page %02x's own PAGE CODE and a length that fits", pages[i]);
            return fail(&a, why, why_len, what);
        }
    }
    return CHECK_PASS;
}

/* ---- SPC-5: TEST UNIT READY, REQUEST SENSE, REPORT LUNS, unknown opcodes ---- */

CHECK(test_unit_ready)
{
    if (l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY))
        return skip(why, why_len, "the LUN is not ready (no medium)");
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    if (!send_good(l, cdb, scsi_cdb_test_unit_ready(cdb), 0, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE)
        return fail(&a, why, why_len, "GOOD from a ready LUN");
    return CHECK_PASS;
}

CHECK(request_sense_no_sense)
{
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    send_good(l, cdb, scsi_cdb_test_unit_ready(cdb), 0, &a); /* clears what is pending */
    if (!send_good(l, cdb, scsi_cdb_request_sense(cdb, 18), 18, &a))
        return COMMAND_LOST(&a);
    struct scsi_sense s;
    if (a.v.outcome != HBA_OUTCOME_DONE || scsi_sense_decode(l->buf, a.got, &s) != 0)
        return fail(&a, why, why_len, "GOOD with sense data");
    if ((l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY)) == 0 && s.key != SCSI_SENSE_NO_SENSE)
        return fail(&a, why, why_len, "sense key NO SENSE from a ready LUN with nothing pending");
    return CHECK_PASS;
}

CHECK(report_luns_lists_this_lun)
{
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    if (!send_good(l, cdb, scsi_cdb_report_luns(cdb, CHECK_BUF), CHECK_BUF, &a))
        return COMMAND_LOST(&a);
    static uint16_t luns[CHECK_BUF / 8];
    struct scsi_report_luns r;
    if (a.v.outcome != HBA_OUTCOME_DONE ||
        scsi_report_luns_decode(l->buf, CHECK_BUF, a.got, luns, sizeof luns / sizeof luns[0], &r) != 0)
        return fail(&a, why, why_len, "GOOD with a LUN list whose length is a multiple of 8");
    if (r.truncated)
        return skip(why, why_len, "the target has more LUNs than one 4 KiB list holds");
    for (size_t i = 0; i < r.count; i++)
        if (luns[i] == l->info->lun)
            return CHECK_PASS;
    return fail(&a, why, why_len, "this LUN in the list");
}

CHECK(invalid_opcode)
{
    uint8_t cdb[SCSI_CDB_MAX] = { 0xc3 }; /* vendor-specific range, unassigned by SPC and SBC */
    struct answer a;
    if (!send_good(l, cdb, 6, 0, &a))
        return COMMAND_LOST(&a);
    if (!sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_COMMAND_OPERATION_CODE, 0))
        return fail(&a, why, why_len, "CHECK CONDITION, ILLEGAL REQUEST 20/00 (INVALID COMMAND OPERATION CODE)");
    return CHECK_PASS;
}

/* ---- SBC-4 ---- */

struct capacity {
    uint64_t blocks;
    uint32_t block_size;
};

static bool read_capacity16(const struct check_lun *l, struct answer *a, struct capacity *cap)
{
    uint8_t cdb[SCSI_CDB_MAX];
    struct scsi_capacity c;
    if (!send_good(l, cdb, scsi_cdb_read_capacity16(cdb, 32), 32, a) || a->v.outcome != HBA_OUTCOME_DONE ||
        scsi_read_capacity16_decode(l->buf, a->got, &c) != 0)
        return false;
    *cap = (struct capacity){ c.blocks, c.block_size };
    return true;
}

CHECK(readcap16_matches_readcap10)
{
    if (!is_disk(l))
        return skip(why, why_len, "not a disk");
    struct answer a16, a10;
    struct capacity c16;
    if (!read_capacity16(l, &a16, &c16))
        return skip(why, why_len, "no READ CAPACITY(16) answer");
    uint8_t cdb[SCSI_CDB_MAX];
    if (!send_good(l, cdb, scsi_cdb_read_capacity10(cdb), 8, &a10))
        return COMMAND_LOST(&a10);
    struct scsi_capacity c10;
    bool needs_16 = false;
    if (a10.v.outcome != HBA_OUTCOME_DONE || scsi_read_capacity10_decode(l->buf, a10.got, &c10, &needs_16) != 0)
        return fail(&a10, why, why_len, "GOOD with a capacity");
    /* SBC-4 5.20.2: past 2^32 - 1 blocks, RETURNED LOGICAL BLOCK ADDRESS is FFFFFFFFh. */
    bool match = c16.blocks - 1 > 0xfffffffeull ? needs_16
                                                : !needs_16 && c10.blocks == c16.blocks && c10.block_size == c16.block_size;
    if (!match) {
        char what[120];
        snprintf(what, sizeof what, "the capacity of READ CAPACITY(16): %" PRIu64 " blocks of %" PRIu32, c16.blocks,
                 c16.block_size);
        return fail(&a10, why, why_len, what);
    }
    return CHECK_PASS;
}

static enum check_result read_at(const struct check_lun *l, bool last, bool sixteen, char *why, size_t why_len)
{
    if (!is_disk(l) || (l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY)))
        return skip(why, why_len, "not a ready disk");
    if (l->info->block_size > CHECK_BUF)
        return skip(why, why_len, "blocks larger than the check's buffer");
    uint64_t lba = last ? l->info->blocks - 1 : 0;
    if (!sixteen && lba > 0xffffffffull)
        return skip(why, why_len, "the last LBA needs READ(16)");
    uint8_t cdb[SCSI_CDB_MAX] = { 0 };
    size_t len;
    if (sixteen) {
        len = scsi_cdb_read16(cdb, lba, 1);
    } else {
        len = scsi_cdb_read10(cdb, (uint32_t)lba, 1);
    }
    struct answer a;
    if (!send_good(l, cdb, len, l->info->block_size, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE || a.got != l->info->block_size)
        return fail(&a, why, why_len, "GOOD with one whole block");
    return CHECK_PASS;
}

CHECK(read10_first_lba) { return read_at(l, false, false, why, why_len); }
CHECK(read16_last_lba) { return read_at(l, true, true, why, why_len); }

CHECK(read_past_the_end)
{
    if (!is_disk(l) || (l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY)))
        return skip(why, why_len, "not a ready disk");
    uint8_t cdb[SCSI_CDB_MAX];
    size_t len = scsi_cdb_read16(cdb, l->info->blocks, 1);
    struct answer a;
    if (!send_good(l, cdb, len, l->info->block_size <= CHECK_BUF ? l->info->block_size : CHECK_BUF, &a))
        return COMMAND_LOST(&a);
    if (!sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00))
        return fail(&a, why, why_len, "CHECK CONDITION, ILLEGAL REQUEST 21/00 (LOGICAL BLOCK ADDRESS OUT OF RANGE)");
    return CHECK_PASS;
}

CHECK(read10_transfer_length_zero)
{
    if (!is_disk(l) || (l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY)))
        return skip(why, why_len, "not a ready disk");
    uint8_t cdb[SCSI_CDB_MAX];
    size_t len = scsi_cdb_read10(cdb, 0, 0);
    struct answer a;
    if (!send_good(l, cdb, len, 0, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE)
        return fail(&a, why, why_len, "GOOD (a transfer length of zero reads nothing and is no error)");
    return CHECK_PASS;
}

CHECK(synchronize_cache)
{
    if (!is_disk(l) || (l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY)))
        return skip(why, why_len, "not a ready disk");
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    if (!send_good(l, cdb, scsi_cdb_synchronize_cache10(cdb, 0, 0), 0, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE)
        return fail(&a, why, why_len, "GOOD");
    return CHECK_PASS;
}

CHECK(mode_sense6_length)
{
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    if (!send_good(l, cdb, scsi_cdb_mode_sense6(cdb, 0x3f, 255), 255, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome == HBA_OUTCOME_UNSUPPORTED && !is_disk(l))
        return skip(why, why_len, "MODE SENSE(6) is not supported here");
    if (a.v.outcome != HBA_OUTCOME_DONE || a.got < 4)
        return fail(&a, why, why_len, "GOOD with at least the 4-byte header");
    /* MODE DATA LENGTH counts the bytes after itself: the LUN sends that many plus one, cut at
     * the allocation length, and the transport's residual says how many came (virtio 1.2
     * 5.6.6.1: residual, the bytes not transferred). */
    unsigned sent = l->buf[0] + 1u;
    if (a.got != sent) {
        char what[160];
        snprintf(what, sizeof what, "%u bytes: MODE DATA LENGTH %u plus one (%s)", sent, l->buf[0],
                 a.got > sent && l->buf[sent] == 0xa5 ? "the bytes past it were never written: the residual is short"
                                                      : "the transfer and the header disagree");
        return fail(&a, why, why_len, what);
    }
    return CHECK_PASS;
}

CHECK(inquiry_qualifier_connected)
{
    struct answer a;
    if (!send_inquiry(l, false, 0, 36, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE || a.got < 1 || (l->buf[0] >> 5) != SCSI_PQ_CONNECTED)
        return fail(&a, why, why_len, "PERIPHERAL QUALIFIER 000b from a LUN REPORT LUNS listed and that answers");
    return CHECK_PASS;
}

CHECK(vpd_serial_ascii)
{
    struct answer a;
    uint8_t pages[64];
    size_t n = 0;
    if (!supported_pages(l, &a, pages, &n))
        return skip(why, why_len, "no supported-pages list (spc.vpd.supported_pages says why)");
    if (!page_listed(pages, n, 0x80))
        return skip(why, why_len, "the LUN offers no Unit Serial Number page (it is optional)");
    if (!send_inquiry(l, true, 0x80, 255, &a))
        return COMMAND_LOST(&a);
    size_t len;
    if (a.v.outcome != HBA_OUTCOME_DONE || scsi_vpd_header(l->buf, a.got, 0x80, &len) != 0)
        return fail(&a, why, why_len, "GOOD with page 80");
    for (size_t i = 4; i < 4 + len && i < a.got; i++)
        if (l->buf[i] < 0x20 || l->buf[i] > 0x7e)
            return fail(&a, why, why_len, "PRODUCT SERIAL NUMBER in ASCII graphic codes (20h-7Eh)");
    return CHECK_PASS;
}

CHECK(report_luns_select_report_2)
{
    uint8_t cdb[SCSI_CDB_MAX];
    size_t len = scsi_cdb_report_luns(cdb, CHECK_BUF);
    cdb[2] = 0x02; /* SELECT REPORT 02h: every LUN of the I_T nexus */
    struct answer a;
    if (!send_good(l, cdb, len, CHECK_BUF, &a))
        return COMMAND_LOST(&a);
    static uint16_t luns[CHECK_BUF / 8];
    struct scsi_report_luns r;
    if (a.v.outcome != HBA_OUTCOME_DONE ||
        scsi_report_luns_decode(l->buf, CHECK_BUF, a.got, luns, sizeof luns / sizeof luns[0], &r) != 0)
        return fail(&a, why, why_len, "GOOD with a LUN list whose length is a multiple of 8");
    return CHECK_PASS;
}

CHECK(read10_last_lba) { return read_at(l, true, false, why, why_len); }

CHECK(read_across_the_end)
{
    if (!is_disk(l) || (l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY)))
        return skip(why, why_len, "not a ready disk");
    if (2u * l->info->block_size > CHECK_BUF)
        return skip(why, why_len, "blocks larger than the check's buffer");
    uint8_t cdb[SCSI_CDB_MAX];
    size_t len = scsi_cdb_read16(cdb, l->info->blocks - 1, 2); /* the last block and one past it */
    struct answer a;
    if (!send_good(l, cdb, len, 2 * l->info->block_size, &a))
        return COMMAND_LOST(&a);
    if (!sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00))
        return fail(&a, why, why_len, "CHECK CONDITION, ILLEGAL REQUEST 21/00 (the range passes the last LBA)");
    return CHECK_PASS;
}

/* ---- SAM-5 task management, virtio-scsi ---- */

static enum check_result tmf(const struct check_lun *l, enum hba_tmf_kind kind, struct hba_cmd *task,
                             struct hba_tmf *t, char *why, size_t why_len)
{
    *t = (struct hba_tmf){ .kind = kind, .target = l->info->target, .lun = l->info->lun, .task = task };
    char err[160];
    if (hba_tmf_wait(l->hba, t, l->timeout_cycles, err, sizeof err) != 0)
        return skip(why, why_len, err);
    return CHECK_PASS;
}

/* SAM-5 7.2: ABORT TASK for a task the LUN does not have is no error: FUNCTION COMPLETE. The tag
 * is one no command of ours carries (ours are queue << 16 | slot). */
CHECK(abort_task_no_such_task)
{
    struct hba_cmd ghost = { .tag = 0xfedcba9876543210ull };
    struct hba_tmf t;
    enum check_result r = tmf(l, HBA_TMF_ABORT_TASK, &ghost, &t, why, why_len);
    if (r != CHECK_PASS)
        return r;
    if (t.response != HBA_RESPONSE_OK && t.response != HBA_RESPONSE_FUNCTION_SUCCEEDED) {
        snprintf(why, why_len, "ABORT TASK of tag 0xfedcba9876543210; got %s; expected FUNCTION COMPLETE",
                 hba_response_name(t.response));
        return CHECK_FAIL;
    }
    return CHECK_PASS;
}

/* SAM-5 7.7 and 6.x: a LOGICAL UNIT RESET establishes a UNIT ATTENTION (29/xx) that the next
 * command reports, and only that one. */
CHECK(lun_reset_unit_attention)
{
    if (l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY))
        return skip(why, why_len, "the LUN is not ready (no medium)");
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    send_good(l, cdb, scsi_cdb_test_unit_ready(cdb), 0, &a); /* nothing pending before */
    struct hba_tmf t;
    enum check_result r = tmf(l, HBA_TMF_LUN_RESET, NULL, &t, why, why_len);
    if (r != CHECK_PASS)
        return r;
    if (t.response != HBA_RESPONSE_OK) {
        snprintf(why, why_len, "LOGICAL UNIT RESET; got %s; expected FUNCTION COMPLETE", hba_response_name(t.response));
        return CHECK_FAIL;
    }
    if (!send(l, cdb, scsi_cdb_test_unit_ready(cdb), 0, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_UNIT_ATTENTION || a.v.sense.asc != SCSI_ASC_POWER_ON_OR_RESET)
        return fail(&a, why, why_len, "the first command after the reset: CHECK CONDITION, UNIT ATTENTION 29/xx");
    if (!send(l, cdb, scsi_cdb_test_unit_ready(cdb), 0, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE)
        return fail(&a, why, why_len, "the second command: GOOD (the attention is reported once)");
    return CHECK_PASS;
}

/* virtio 1.2 5.6.6.1: a command to a target that does not exist answers BAD_TARGET. */
CHECK(bad_target)
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
        if (!send(&probe, cdb, scsi_cdb_report_luns(cdb, 16), 16, &a))
            return COMMAND_LOST(&a);
        if (a.cmd.response == HBA_RESPONSE_BAD_TARGET)
            return CHECK_PASS;
        if (a.v.outcome == HBA_OUTCOME_DONE)
            continue; /* a target with LUNs: try the next one down */
        return fail(&a, why, why_len, "virtio-scsi response BAD_TARGET for a target without LUNs");
    }
    return skip(why, why_len, "every target number has LUNs");
}

const struct check_def check_table[] = {
    { "spc.inquiry.qualifier_connected", "SPC-5 6.7.2", "INQUIRY of a listed LUN: PERIPHERAL QUALIFIER 000b", inquiry_qualifier_connected },
    { "spc.inquiry.standard.length", "SPC-5 6.7.2", "INQUIRY (96 bytes): GOOD, at least 36 bytes, ADDITIONAL LENGTH at least 31", inquiry_standard_length },
    { "spc.inquiry.standard.response_data_format", "SPC-5 6.7.2", "INQUIRY: RESPONSE DATA FORMAT is 2", inquiry_response_data_format },
    { "spc.inquiry.standard.ascii_fields", "SPC-5 4.3.1", "INQUIRY: vendor, product and revision are printable ASCII (20h-7Eh)", inquiry_ascii_fields },
    { "spc.inquiry.allocation_length", "SPC-5 4.2.5.6", "INQUIRY with ALLOCATION LENGTH 5: GOOD, exactly 5 bytes", inquiry_allocation_length },
    { "spc.inquiry.transfer_length", "SPC-5 4.2.5.6", "INQUIRY (255 bytes): as many bytes come as ADDITIONAL LENGTH plus 5 says", inquiry_transfer_length },
    { "spc.inquiry.page_code_without_evpd", "SPC-5 6.7.1", "INQUIRY, EVPD 0, PAGE CODE 80h: ILLEGAL REQUEST 24/00", inquiry_page_code_without_evpd },
    { "spc.sense.invalid_field_pointer", "SPC-5 4.4.2.4.2", "that 24/00, when it has a sense-key-specific field: the pointer names CDB byte 2", invalid_field_pointer },
    { "spc.vpd.supported_pages", "SPC-5 7.7.16", "INQUIRY page 00: GOOD, page codes ascending, 00 itself listed", vpd_supported_pages },
    { "spc.vpd.device_identification", "SPC-5 7.7.6", "page 83 is listed and its designators fit its length", vpd_device_identification },
    { "spc.vpd.serial_ascii", "SPC-5 7.7.18", "page 80, when offered: the serial number in ASCII graphic codes", vpd_serial_ascii },
    { "spc.vpd.page_codes_match", "SPC-5 7.7.1", "every listed page answers with its own PAGE CODE and a length that fits", vpd_page_codes_match },
    { "spc.test_unit_ready", "SPC-5 6.47", "TEST UNIT READY on a ready LUN: GOOD", test_unit_ready },
    { "spc.request_sense.no_sense", "SPC-5 6.39", "REQUEST SENSE with nothing pending: GOOD, sense key NO SENSE", request_sense_no_sense },
    { "spc.report_luns.lists_this_lun", "SPC-5 6.35", "REPORT LUNS: GOOD, the list names this LUN", report_luns_lists_this_lun },
    { "spc.report_luns.select_report_2", "SPC-5 6.35", "REPORT LUNS, SELECT REPORT 02h: GOOD, a well-formed list", report_luns_select_report_2 },
    { "spc.invalid_opcode", "SPC-5 4.4.2.4", "opcode C3h: ILLEGAL REQUEST 20/00", invalid_opcode },
    { "sbc.readcap16.matches_readcap10", "SBC-4 5.20.2", "READ CAPACITY(10) gives READ CAPACITY(16)'s capacity, or FFFFFFFFh past 2^32 - 1 blocks", readcap16_matches_readcap10 },
    { "sbc.read10.first_lba", "SBC-4 5.14", "READ(10) of LBA 0: GOOD, one whole block", read10_first_lba },
    { "sbc.read10.last_lba", "SBC-4 5.14", "READ(10) of the last LBA (below 2^32): GOOD, one whole block", read10_last_lba },
    { "sbc.read16.last_lba", "SBC-4 5.16", "READ(16) of the last LBA: GOOD, one whole block", read16_last_lba },
    { "sbc.read16.past_the_end", "SBC-4 4.5", "READ(16) of the LBA after the last: ILLEGAL REQUEST 21/00", read_past_the_end },
    { "sbc.read16.across_the_end", "SBC-4 4.5", "READ(16) of the last LBA and the one after: ILLEGAL REQUEST 21/00", read_across_the_end },
    { "sbc.read10.transfer_length_zero", "SBC-4 5.14", "READ(10) of 0 blocks: GOOD, no data", read10_transfer_length_zero },
    { "sbc.synchronize_cache", "SBC-4 5.24", "SYNCHRONIZE CACHE(10) of the whole LUN: GOOD", synchronize_cache },
    { "sam.tmf.abort_task_no_such_task", "SAM-5 7.2", "ABORT TASK of a tag no command has: FUNCTION COMPLETE", abort_task_no_such_task },
    { "sam.tmf.lun_reset_unit_attention", "SAM-5 7.7", "LOGICAL UNIT RESET: FUNCTION COMPLETE; the next command UNIT ATTENTION 29/xx, the one after GOOD", lun_reset_unit_attention },
    { "virtio.scsi.bad_target", "virtio 1.2 5.6.6.1", "REPORT LUNS to a target without LUNs: response BAD_TARGET", bad_target, true },
    { "spc.mode_sense6.length", "SPC-5 7.5.6", "MODE SENSE(6), all pages: GOOD, MODE DATA LENGTH covers what was sent", mode_sense6_length },
};
const size_t check_table_count = sizeof check_table / sizeof check_table[0];
