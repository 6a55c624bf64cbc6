/* SPC-5 checks of the other commands every logical unit has: TEST UNIT READY, REQUEST SENSE,
 * REPORT LUNS, MODE SENSE, REPORT SUPPORTED OPERATION CODES where offered, and the answers to
 * what a LUN cannot do (an unknown opcode, NACA without ACA, a LUN that is not there). */
#include <stdio.h>
#include <string.h>

#include "check/command.h"

CHECK_FN(test_unit_ready)
{
    if (l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY))
        return check_skip(why, why_len, "the LUN is not ready (no medium)");
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    if (!check_send_good(l, cdb, scsi_cdb_test_unit_ready(cdb), 0, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE)
        return check_fail(&a, why, why_len, "GOOD from a ready LUN");
    return CHECK_PASS;
}

CHECK_FN(request_sense_no_sense)
{
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    check_send_good(l, cdb, scsi_cdb_test_unit_ready(cdb), 0, &a); /* clears what is pending */
    if (!check_send_good(l, cdb, scsi_cdb_request_sense(cdb, 18), 18, &a))
        return COMMAND_LOST(&a);
    struct scsi_sense s;
    if (a.v.outcome != HBA_OUTCOME_DONE || scsi_sense_decode(l->buf, a.got, &s) != 0)
        return check_fail(&a, why, why_len, "GOOD with sense data");
    if ((l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY)) == 0 && s.key != SCSI_SENSE_NO_SENSE)
        return check_fail(&a, why, why_len, "sense key NO SENSE from a ready LUN with nothing pending");
    return CHECK_PASS;
}


CHECK_FN(invalid_opcode)
{
    uint8_t cdb[SCSI_CDB_MAX] = { 0xc3 }; /* vendor-specific range, unassigned by SPC and SBC */
    struct answer a;
    if (!check_send_good(l, cdb, 6, 0, &a))
        return COMMAND_LOST(&a);
    if (!check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_COMMAND_OPERATION_CODE, 0))
        return check_fail(&a, why, why_len, "CHECK CONDITION, ILLEGAL REQUEST 20/00 (INVALID COMMAND OPERATION CODE)");
    return CHECK_PASS;
}

CHECK_FN(mode_sense6_length)
{
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    if (!check_send_good(l, cdb, scsi_cdb_mode_sense6(cdb, 0x3f, 255), 255, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome == HBA_OUTCOME_UNSUPPORTED && !check_is_disk(l))
        return check_skip(why, why_len, "MODE SENSE(6) is not supported here");
    if (a.v.outcome != HBA_OUTCOME_DONE || a.got < 4)
        return check_fail(&a, why, why_len, "GOOD with at least the 4-byte header");
    /* MODE DATA LENGTH counts the bytes after itself: the LUN sends that many plus one, cut at
     * the allocation length, and the transport's residual says how many came (virtio 1.2
     * 5.6.6.1: residual, the bytes not transferred). */
    unsigned sent = l->buf[0] + 1u;
    if (a.got != sent)
        return check_failf(&a, why, why_len, "%u bytes: MODE DATA LENGTH %u plus one (%s)", sent, l->buf[0],
                           a.got > sent && l->buf[sent] == 0xa5
                               ? "the bytes past it were never written: the residual is short"
                               : "the transfer and the header disagree");
    return CHECK_PASS;
}



/* ---- REQUEST SENSE (SPC-5 6.39) ---- */

static bool request_sense(const struct check_lun *l, bool desc, uint8_t alloc, struct answer *a)
{
    uint8_t cdb[SCSI_CDB_MAX];
    size_t len = scsi_cdb_request_sense(cdb, alloc);
    cdb[1] = desc ? 1 : 0;
    return check_send_good(l, cdb, len, alloc, a);
}

CHECK_FN(request_sense_allocation_length)
{
    struct answer a;
    if (!request_sense(l, false, 8, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got != 8)
        return check_fail(&a, why, why_len, "GOOD with exactly 8 bytes (the transfer ends at the allocation length)");
    return CHECK_PASS;
}

/* DESC zero: fixed format, response code 70h, at least the 18 bytes that hold ASC and ASCQ. */
CHECK_FN(request_sense_fixed_format)
{
    struct answer a;
    if (!request_sense(l, false, 252, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got < 18 || l->buf[0] != SCSI_SENSE_FIXED_CURRENT || l->buf[7] < 10)
        return check_failf(&a, why, why_len,
                "response code 70h, ADDITIONAL SENSE LENGTH at least 10 (they are %02xh and %u)",
                l->buf[0], l->buf[7]);
    return CHECK_PASS;
}

/* SPC-5 4.2.5.6: as many bytes come as the sense data has (ADDITIONAL SENSE LENGTH plus 8). */
CHECK_FN(request_sense_transfer_length)
{
    struct answer a;
    if (!request_sense(l, false, 252, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got < 8)
        return check_fail(&a, why, why_len, "GOOD with sense data");
    if (l->buf[7] + 8u != a.got)
        return check_failf(&a, why, why_len, "%u bytes: ADDITIONAL SENSE LENGTH %u plus 8", l->buf[7] + 8u, l->buf[7]);
    return CHECK_PASS;
}

/* DESC one: descriptor format (72h), or INVALID FIELD IN CDB where the LUN has none. */
CHECK_FN(request_sense_descriptor_format)
{
    struct answer a;
    if (!request_sense(l, true, 252, &a))
        return COMMAND_LOST(&a);
    if (check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0))
        return CHECK_PASS;
    if (!check_good(&a) || a.got < 8 || l->buf[0] != SCSI_SENSE_DESC_CURRENT)
        return check_failf(&a, why, why_len,
                           "descriptor-format sense (response code 72h; it is %02xh), or ILLEGAL REQUEST 24/00", l->buf[0]);
    return CHECK_PASS;
}

/* SPC-5 4.4.1: the sense data of a CHECK CONDITION is in one of the four formats and its
 * ADDITIONAL SENSE LENGTH fits what came. */
CHECK_FN(sense_format)
{
    uint8_t cdb[SCSI_CDB_MAX] = { 0xc3 };
    struct answer a;
    if (!check_send_good(l, cdb, 6, 0, &a))
        return COMMAND_LOST(&a);
    if (a.cmd.status != SCSI_STATUS_CHECK_CONDITION)
        return check_fail(&a, why, why_len, "CHECK CONDITION for opcode C3h");
    const uint8_t *s = a.cmd.sense;
    uint8_t code = (uint8_t)(s[0] & 0x7f);
    if (a.cmd.sense_len < 8 || code < SCSI_SENSE_FIXED_CURRENT || code > SCSI_SENSE_DESC_DEFERRED ||
        s[7] + 8u < (code <= SCSI_SENSE_FIXED_DEFERRED ? 14u : 8u))
        return check_fail(&a, why, why_len, "sense data with response code 70h-73h and room for ASC and ASCQ");
    return CHECK_PASS;
}

/* ---- REPORT LUNS (SPC-5 6.35) ---- */

static bool send_report_luns(const struct check_lun *l, uint8_t select, uint32_t alloc, struct answer *a)
{
    uint8_t cdb[SCSI_CDB_MAX];
    size_t len = scsi_cdb_report_luns(cdb, alloc);
    cdb[2] = select;
    return check_send_good(l, cdb, len, alloc, a);
}

/* REPORT LUNS with this SELECT REPORT, decoded: the LUNs (a list of the check's own), or NULL with
 * the SKIP or FAIL in *res; with whole, a list cut short by the check's buffer is a SKIP too. */
static const uint16_t *lun_list(const struct check_lun *l, uint8_t select, bool whole, struct answer *a,
                                struct scsi_report_luns *r, char *why, size_t why_len, enum check_result *res)
{
    static uint16_t luns[CHECK_BUF / 8];
    if (!send_report_luns(l, select, CHECK_BUF, a)) {
        *res = COMMAND_LOST(a);
        return NULL;
    }
    if (!check_good(a) || scsi_report_luns_decode(l->buf, CHECK_BUF, a->got, luns, sizeof luns / sizeof luns[0], r)) {
        *res = check_fail(a, why, why_len, "GOOD with a LUN list whose length is a multiple of 8");
        return NULL;
    }
    if (whole && r->truncated) {
        *res = check_skip(why, why_len, "the target has more LUNs than one 4 KiB list holds");
        return NULL;
    }
    return luns;
}

CHECK_FN(report_luns_lists_this_lun)
{
    struct answer a;
    struct scsi_report_luns r;
    enum check_result res;
    const uint16_t *luns = lun_list(l, 0, true, &a, &r, why, why_len, &res);
    if (luns == NULL)
        return res;
    for (size_t i = 0; i < r.count; i++)
        if (luns[i] == l->info->lun)
            return CHECK_PASS;
    return check_fail(&a, why, why_len, "this LUN in the list");
}

/* SELECT REPORT 01h (the well-known LUNs) and 02h (every LUN of the I_T nexus): a list. */
static enum check_result select_report(const struct check_lun *l, uint8_t select, char *why, size_t why_len)
{
    struct answer a;
    struct scsi_report_luns r;
    enum check_result res;
    return lun_list(l, select, false, &a, &r, why, why_len, &res) == NULL ? res : CHECK_PASS;
}

CHECK_FN(report_luns_select_report_1) { return select_report(l, 0x01, why, why_len); }
CHECK_FN(report_luns_select_report_2) { return select_report(l, 0x02, why, why_len); }

CHECK_FN(report_luns_select_report_reserved)
{
    struct answer a;
    if (!send_report_luns(l, 0x05, CHECK_BUF, &a)) /* 05h: reserved */
        return COMMAND_LOST(&a);
    if (!check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0))
        return check_fail(&a, why, why_len, "CHECK CONDITION, ILLEGAL REQUEST 24/00 for a reserved SELECT REPORT");
    return CHECK_PASS;
}

/* SPC-5 6.35: an ALLOCATION LENGTH below 16 is refused with INVALID FIELD IN CDB. */
CHECK_FN(report_luns_allocation_length_small)
{
    struct answer a;
    if (!send_report_luns(l, 0, 8, &a))
        return COMMAND_LOST(&a);
    if (!check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0))
        return check_fail(&a, why, why_len, "CHECK CONDITION, ILLEGAL REQUEST 24/00 for ALLOCATION LENGTH 8");
    return CHECK_PASS;
}

/* With room for one entry: the header and that entry, the LUN LIST LENGTH still the whole
 * list's (SPC-5 4.2.5.6). */
CHECK_FN(report_luns_truncation)
{
    struct answer a;
    if (!send_report_luns(l, 0, CHECK_BUF, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got < 8)
        return check_fail(&a, why, why_len, "GOOD with a LUN list");
    uint32_t whole = scsi_get_be32(l->buf);
    if (whole < 16)
        return check_skip(why, why_len, "the list has fewer than two LUNs: nothing to cut");
    if (!send_report_luns(l, 0, 16, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got != 16 || scsi_get_be32(l->buf) != whole)
        return check_failf(&a, why, why_len, "GOOD with exactly 16 bytes, LUN LIST LENGTH still %u", (unsigned)whole);
    return CHECK_PASS;
}

CHECK_FN(report_luns_unique)
{
    struct answer a;
    struct scsi_report_luns r;
    enum check_result res;
    const uint16_t *luns = lun_list(l, 0, false, &a, &r, why, why_len, &res);
    if (luns == NULL)
        return res;
    for (size_t i = 0; i < r.count; i++)
        for (size_t k = 0; k < i; k++)
            if (luns[i] == luns[k])
                return check_failf(&a, why, why_len, "each LUN once (LUN %u is listed twice)", luns[i]);
    return CHECK_PASS;
}

/* The target's list names exactly the LUNs discovery found on it. Run on the target's first LUN. */
CHECK_FN(report_luns_matches_inventory)
{
    struct answer a;
    struct scsi_report_luns r;
    enum check_result res;
    const uint16_t *luns = lun_list(l, 0, true, &a, &r, why, why_len, &res);
    if (luns == NULL)
        return res;
    size_t on_target = 0;
    for (size_t i = 0; i < l->inv->count; i++) {
        const struct lun_info *o = &l->inv->luns[i];
        if (o->hba != l->info->hba || o->target != l->info->target || (o->flags & LUN_REMOVED))
            continue;
        on_target++;
        bool listed = false;
        for (size_t k = 0; k < r.count && !listed; k++)
            listed = luns[k] == o->lun;
        if (!listed)
            return check_failf(&a, why, why_len, "LUN %u, which discovery found, in the list", o->lun);
    }
    if (on_target != r.count)
        return check_failf(&a, why, why_len, "%zu LUNs, as discovery found (the list has %zu)", on_target, r.count);
    return CHECK_PASS;
}

/* ---- what a LUN cannot do ---- */

/* SAM-5 5.3.3 (the CONTROL byte): NACA set where the LUN has no ACA (NORMACA zero) ends in
 * INVALID FIELD IN CDB. Sent on INQUIRY, which needs no medium. */
CHECK_FN(naca_without_aca)
{
    struct answer a;
    if (!check_send_inquiry(l, false, 0, 36, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got < 4)
        return check_fail(&a, why, why_len, "GOOD with the standard data");
    if (l->buf[3] & 0x20)
        return check_skip(why, why_len, "the LUN supports ACA (NORMACA set)");
    uint8_t cdb[SCSI_CDB_MAX];
    size_t len = scsi_cdb_inquiry(cdb, false, 0, 36);
    cdb[len - 1] = 0x04; /* NACA */
    if (!check_send_good(l, cdb, len, 36, &a))
        return COMMAND_LOST(&a);
    if (!check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0))
        return check_fail(&a, why, why_len, "CHECK CONDITION, ILLEGAL REQUEST 24/00 (NACA set, NORMACA zero)");
    return CHECK_PASS;
}

/* An address on this LUN's target that REPORT LUNS did not list (the top of the range down), as a
 * check_lun in *probe; false when every LUN number is listed. */
static bool absent_lun(const struct check_lun *l, struct check_lun *probe, struct lun_info *info)
{
    uint32_t top = l->hba->max_lun < SCSI_LUN_MAX ? l->hba->max_lun : SCSI_LUN_MAX;
    for (uint32_t lun = top + 1; lun-- > 0;) {
        bool listed = false;
        for (size_t i = 0; i < l->inv->count && !listed; i++) {
            const struct lun_info *o = &l->inv->luns[i];
            listed = o->hba == l->info->hba && o->target == l->info->target && o->lun == lun;
        }
        if (!listed) {
            *info = *l->info;
            info->lun = (uint16_t)lun;
            *probe = *l;
            probe->info = info;
            return true;
        }
    }
    return false;
}

/* Send cdb to the absent LUN of this target: false with the SKIP in *res when there is none or
 * the command was lost; *lun says which it was. */
static bool send_absent(const struct check_lun *l, const uint8_t *cdb, size_t len, uint32_t data_len,
                        struct answer *a, uint16_t *lun, char *why, size_t why_len, enum check_result *res)
{
    struct check_lun probe;
    struct lun_info info;
    if (!absent_lun(l, &probe, &info)) {
        *res = check_skip(why, why_len, "every LUN number of the target is listed");
        return false;
    }
    *lun = info.lun;
    if (!check_send_good(&probe, cdb, len, data_len, a)) {
        *res = COMMAND_LOST(a);
        return false;
    }
    return true;
}

static enum check_result absent_fail(const struct answer *a, uint16_t lun, const char *want, char *why,
                                     size_t why_len)
{
    return check_failf(a, why, why_len, "for LUN %u, which is not listed: %s", lun, want);
}

/* SPC-5 6.7.2 and SAM-5 5.9.5 (incorrect logical unit selection): INQUIRY to a LUN that is not
 * there answers with PERIPHERAL QUALIFIER 011b and DEVICE TYPE 1Fh. */
CHECK_FN(absent_lun_inquiry)
{
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    uint16_t lun;
    enum check_result res;
    if (!send_absent(l, cdb, scsi_cdb_inquiry(cdb, false, 0, 36), 36, &a, &lun, why, why_len, &res))
        return res;
    if (!check_good(&a) || a.got < 1 || l->buf[0] != 0x7f)
        return absent_fail(&a, lun, "GOOD, byte 0 7Fh (qualifier 011b, type 1Fh)", why, why_len);
    return CHECK_PASS;
}

/* SAM-5 5.9.5: other commands to it end in LOGICAL UNIT NOT SUPPORTED. */
CHECK_FN(absent_lun_test_unit_ready)
{
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    uint16_t lun;
    enum check_result res;
    if (!send_absent(l, cdb, scsi_cdb_test_unit_ready(cdb), 0, &a, &lun, why, why_len, &res))
        return res;
    if (!check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LOGICAL_UNIT_NOT_SUPPORTED, 0))
        return absent_fail(&a, lun, "CHECK CONDITION, ILLEGAL REQUEST 25/00", why, why_len);
    return CHECK_PASS;
}

/* SPC-5 6.39.1: REQUEST SENSE to it is GOOD, and the sense data says LOGICAL UNIT NOT SUPPORTED. */
CHECK_FN(absent_lun_request_sense)
{
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    uint16_t lun;
    enum check_result res;
    if (!send_absent(l, cdb, scsi_cdb_request_sense(cdb, 18), 18, &a, &lun, why, why_len, &res))
        return res;
    struct scsi_sense s;
    if (!check_good(&a) || scsi_sense_decode(l->buf, a.got, &s) != 0 || s.key != SCSI_SENSE_ILLEGAL_REQUEST ||
        s.asc != SCSI_ASC_LOGICAL_UNIT_NOT_SUPPORTED)
        return absent_fail(&a, lun, "GOOD with sense data ILLEGAL REQUEST 25/00", why, why_len);
    return CHECK_PASS;
}

/* ---- MODE SENSE (SPC-5 6.13, 6.14, 7.5) ---- */

struct mode_data {
    unsigned header;        /* 4 (6) or 8 (10) */
    unsigned data_len;      /* MODE DATA LENGTH plus the bytes before it */
    unsigned bd_len;        /* BLOCK DESCRIPTOR LENGTH */
    const uint8_t *pages;   /* after the header and descriptors */
    unsigned pages_len;
};

/* MODE SENSE(6) or (10) of page (with PC in its top bits), DBD as given; the parameter data
 * parsed into *m. false when it did not come GOOD or its lengths do not fit (why then says). */
static bool send_mode_sense(const struct check_lun *l, bool ten, uint8_t pc_page, bool dbd, uint16_t alloc,
                       struct answer *a, struct mode_data *m)
{
    uint8_t cdb[SCSI_CDB_MAX] = { 0 };
    size_t len;
    if (ten) {
        cdb[0] = SCSI_OP_MODE_SENSE10;
        cdb[2] = pc_page;
        scsi_put_be16(cdb + 7, alloc);
        len = 10;
    } else {
        len = scsi_cdb_mode_sense6(cdb, pc_page, (uint8_t)alloc);
    }
    cdb[1] = dbd ? 0x08 : 0;
    if (!check_send_good(l, cdb, len, alloc, a) || !check_good(a))
        return false;
    memset(m, 0, sizeof *m);
    const uint8_t *d = l->buf;
    m->header = ten ? 8 : 4;
    if (a->got < m->header)
        return false;
    m->data_len = ten ? scsi_get_be16(d) + 2u : d[0] + 1u;
    m->bd_len = ten ? scsi_get_be16(d + 6) : d[3];
    unsigned have = m->data_len < a->got ? m->data_len : a->got;
    if (m->header + m->bd_len > have)
        return false;
    m->pages = d + m->header + m->bd_len;
    m->pages_len = have - m->header - m->bd_len;
    return true;
}

#define MODE_UNSUPPORTED_SKIP(a)                                                                                  \
    do {                                                                                                          \
        if (!check_is_disk(l) && (a)->v.outcome == HBA_OUTCOME_UNSUPPORTED)                                      \
            return check_skip(why, why_len, "MODE SENSE is not supported here");                                 \
    } while (0)

/* send_mode_sense, or false with the SKIP (lost, or not supported on a device that need not) or
 * FAIL in *res. */
static bool mode_pages(const struct check_lun *l, bool ten, uint8_t pc_page, bool dbd, uint16_t alloc,
                       struct answer *a, struct mode_data *m, char *why, size_t why_len, enum check_result *res)
{
    if (send_mode_sense(l, ten, pc_page, dbd, alloc, a, m))
        return true;
    if (a->error[0])
        *res = COMMAND_LOST(a);
    else if (!check_is_disk(l) && a->v.outcome == HBA_OUTCOME_UNSUPPORTED)
        *res = check_skip(why, why_len, "MODE SENSE is not supported here");
    else
        *res = check_fail(a, why, why_len, "GOOD with the header");
    return false;
}

CHECK_FN(mode_sense10_length)
{
    struct answer a;
    struct mode_data m;
    enum check_result res;
    if (!mode_pages(l, true, 0x3f, false, 1024, &a, &m, why, why_len, &res))
        return res;
    if (a.got != m.data_len)
        return check_failf(&a, why, why_len, "%u bytes: MODE DATA LENGTH %u plus two", m.data_len, m.data_len - 2);
    return CHECK_PASS;
}

CHECK_FN(mode_sense6_allocation_length)
{
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    if (!check_send_good(l, cdb, scsi_cdb_mode_sense6(cdb, 0x3f, 4), 4, &a))
        return COMMAND_LOST(&a);
    MODE_UNSUPPORTED_SKIP(&a);
    if (!check_good(&a) || a.got != 4)
        return check_fail(&a, why, why_len, "GOOD with exactly 4 bytes (the transfer ends at the allocation length)");
    return CHECK_PASS;
}

/* SPC-5 6.13: DBD set, no block descriptors. */
CHECK_FN(mode_sense6_dbd)
{
    struct answer a;
    struct mode_data m;
    enum check_result res;
    if (!mode_pages(l, false, 0x3f, true, 255, &a, &m, why, why_len, &res))
        return res;
    if (m.bd_len != 0)
        return check_fail(&a, why, why_len, "BLOCK DESCRIPTOR LENGTH 0 (DBD set)");
    return CHECK_PASS;
}

/* SBC-4 6.5.2: a disk's short LBA block descriptor is 8 bytes, its LOGICAL BLOCK LENGTH the
 * block size READ CAPACITY reports. */
CHECK_FN(mode_sense6_block_descriptor)
{
    if (!check_is_disk(l))
        return check_skip(why, why_len, "not a disk");
    struct answer a;
    struct mode_data m;
    if (!send_mode_sense(l, false, 0x3f, false, 255, &a, &m)) {
        if (a.error[0])
            return COMMAND_LOST(&a);
        return check_fail(&a, why, why_len, "GOOD with the header");
    }
    if (m.bd_len == 0)
        return check_skip(why, why_len, "no block descriptor (one is optional)");
    const uint8_t *bd = l->buf + m.header;
    uint32_t block = (uint32_t)bd[5] << 16 | (uint32_t)bd[6] << 8 | bd[7];
    if (m.bd_len != 8 || block != l->info->block_size)
        return check_failf(&a, why, why_len,
                "one 8-byte descriptor with LOGICAL BLOCK LENGTH %u (it says %u in %u bytes)",
                (unsigned)l->info->block_size, (unsigned)block, m.bd_len);
    return CHECK_PASS;
}

/* Walk the mode pages; each fits, and (SPC-5 6.13) with all pages asked for they come in
 * ascending page code order. 0 or the offending page's offset + 1. */
static unsigned pages_walk(const struct mode_data *m, uint8_t *codes, unsigned max, unsigned *count)
{
    unsigned n = 0;
    int last = -1;
    for (unsigned off = 0; off + 2 <= m->pages_len;) {
        const uint8_t *p = m->pages + off;
        unsigned code = p[0] & 0x3f;
        unsigned len = (p[0] & 0x40) ? 4u + scsi_get_be16(p + 2) : 2u + p[1]; /* SPF: a subpage */
        if (off + len > m->pages_len || (int)code < last)
            return off + 1;
        if ((int)code != last && n < max)
            codes[n++] = (uint8_t)code;
        last = (int)code;
        off += len;
    }
    *count = n;
    return 0;
}

CHECK_FN(mode_sense_pages_ascending)
{
    struct answer a;
    struct mode_data m;
    enum check_result res;
    if (!mode_pages(l, true, 0x3f, true, 2048, &a, &m, why, why_len, &res))
        return res;
    uint8_t codes[64];
    unsigned n;
    unsigned bad = pages_walk(&m, codes, 64, &n);
    if (bad)
        return check_failf(&a, why, why_len, "pages that fit, in ascending page code order (the page at byte %u)",
                           m.header + m.bd_len + bad - 1);
    return CHECK_PASS;
}

/* A page the LUN does not have ends in INVALID FIELD IN CDB (SPC-5 6.13). */
CHECK_FN(mode_sense_unsupported_page)
{
    struct answer a;
    struct mode_data m;
    enum check_result res;
    if (!mode_pages(l, true, 0x3f, true, 2048, &a, &m, why, why_len, &res))
        return res;
    uint8_t codes[64];
    unsigned n;
    if (pages_walk(&m, codes, 64, &n))
        return check_skip(why, why_len, "the page list is malformed (spc.mode_sense.pages_ascending says how)");
    uint8_t code = 0x3e;
    for (unsigned i = 0; i < n; i++)
        if (codes[i] == code) {
            code--;
            i = (unsigned)-1;
        }
    if (!send_mode_sense(l, true, code, true, 255, &a, &m) && a.error[0])
        return COMMAND_LOST(&a);
    if (!check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0))
        return check_failf(&a, why, why_len,
                "CHECK CONDITION, ILLEGAL REQUEST 24/00 for page %02xh, which it does not list",
                code);
    return CHECK_PASS;
}

/* MODE SENSE(6) and (10) are two views of the same pages. */
CHECK_FN(mode_sense6_matches_10)
{
    struct answer a;
    struct mode_data m6, m10;
    enum check_result res;
    if (!mode_pages(l, false, 0x3f, true, 255, &a, &m6, why, why_len, &res))
        return res;
    uint8_t six[255];
    unsigned six_len = m6.pages_len;
    memcpy(six, m6.pages, six_len);
    if (!send_mode_sense(l, true, 0x3f, true, 255 + 4, &a, &m10)) {
        if (a.error[0])
            return COMMAND_LOST(&a);
        return check_fail(&a, why, why_len, "GOOD from MODE SENSE(10) as from (6)");
    }
    if (six_len < 255 - 4 && (m10.pages_len != six_len || memcmp(six, m10.pages, six_len) != 0))
        return check_fail(&a, why, why_len, "the same mode pages as MODE SENSE(6)");
    return CHECK_PASS;
}

/* PAGE CONTROL 01b (changeable) and 10b (default) give the same pages, with the same lengths, as
 * the current values (SPC-5 6.13, table: page control). */
static enum check_result mode_sense_pc(const struct check_lun *l, uint8_t pc, char *why, size_t why_len)
{
    struct answer a;
    struct mode_data m;
    enum check_result res;
    if (!mode_pages(l, true, 0x3f, true, 2048, &a, &m, why, why_len, &res))
        return res;
    unsigned current = m.pages_len;
    if (!send_mode_sense(l, true, (uint8_t)(pc << 6 | 0x3f), true, 2048, &a, &m)) {
        if (a.error[0])
            return COMMAND_LOST(&a);
        return check_fail(&a, why, why_len, "GOOD, as for the current values");
    }
    if (m.pages_len != current)
        return check_failf(&a, why, why_len, "%u bytes of pages, as for the current values", current);
    return CHECK_PASS;
}

CHECK_FN(mode_sense_changeable) { return mode_sense_pc(l, 1, why, why_len); }
CHECK_FN(mode_sense_default) { return mode_sense_pc(l, 2, why, why_len); }

/* PAGE CONTROL 11b: the saved values, or SAVING PARAMETERS NOT SUPPORTED (39/00) (SPC-5 6.13). */
CHECK_FN(mode_sense_saved)
{
    struct answer a;
    struct mode_data m;
    if (send_mode_sense(l, true, 0xff, true, 2048, &a, &m))
        return CHECK_PASS;
    if (a.error[0])
        return COMMAND_LOST(&a);
    MODE_UNSUPPORTED_SKIP(&a);
    if (!check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, 0x39, 0x00))
        return check_fail(&a, why, why_len, "GOOD, or ILLEGAL REQUEST 39/00 (SAVING PARAMETERS NOT SUPPORTED)");
    return CHECK_PASS;
}

/* A page's PAGE LENGTH is the one its clause fixes: Caching 12h (SBC-4 6.5.5), Control 0Ah
 * (SPC-5 7.5.10). Skipped where the LUN has no such page. */
static enum check_result page_length(const struct check_lun *l, uint8_t code, uint8_t want, char *why, size_t why_len)
{
    struct answer a;
    struct mode_data m;
    if (!send_mode_sense(l, true, code, true, 255, &a, &m)) {
        if (a.error[0])
            return COMMAND_LOST(&a);
        if (check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0) ||
            a.v.outcome == HBA_OUTCOME_UNSUPPORTED)
            return check_skip(why, why_len, "the LUN has no such mode page");
        return check_fail(&a, why, why_len, "GOOD with the page");
    }
    if (m.pages_len < 2 || (m.pages[0] & 0x3f) != code || m.pages[1] != want)
        return check_failf(&a, why, why_len, "page %02xh first, with PAGE LENGTH %02xh", code, want);
    return CHECK_PASS;
}

CHECK_FN(mode_page_caching) { return page_length(l, 0x08, 0x12, why, why_len); }
CHECK_FN(mode_page_control) { return page_length(l, 0x0a, 0x0a, why, why_len); }

/* ---- REPORT SUPPORTED OPERATION CODES (SPC-5 6.34), where offered ---- */

/* The all-commands list in l->buf: 1, 0 not offered (why says), -1 a FAIL or SKIP in *r. */
static int supported_opcodes(const struct check_lun *l, struct answer *a, char *why, size_t why_len,
                             enum check_result *r)
{
    uint8_t cdb[SCSI_CDB_MAX] = { SCSI_OP_MAINTENANCE_IN, 0x0c };
    scsi_put_be32(cdb + 6, CHECK_BUF);
    if (!check_send_good(l, cdb, 12, CHECK_BUF, a)) {
        *r = COMMAND_LOST(a);
        return -1;
    }
    if (a->v.outcome == HBA_OUTCOME_UNSUPPORTED ||
        check_sense_is(a, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0)) {
        *r = check_skip(why, why_len, "REPORT SUPPORTED OPERATION CODES is not offered (it is optional)");
        return 0;
    }
    if ((l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY)) && a->v.outcome == HBA_OUTCOME_NOT_READY) {
        *r = check_skip(why, why_len, "the LUN is not ready (no medium)");
        return 0;
    }
    uint32_t len = a->got >= 4 ? scsi_get_be32(l->buf) : 0;
    if (!check_good(a) || a->got < 4 || (len + 4 < a->got)) {
        *r = check_fail(a, why, why_len, "GOOD with COMMAND DATA LENGTH covering what was sent");
        return -1;
    }
    return 1;
}

/* Whether the list names opcode; false also when a descriptor does not fit. */
static bool opcode_listed(const struct check_lun *l, uint32_t got, uint8_t opcode, bool *well_formed)
{
    uint32_t end = 4 + scsi_get_be32(l->buf);
    if (end > got)
        end = got;
    *well_formed = true;
    bool found = false;
    for (uint32_t off = 4; off < end;) {
        if (off + 8 > end) {
            *well_formed = false;
            return found;
        }
        found |= l->buf[off] == opcode;
        off += 8 + ((l->buf[off + 5] & 0x02) ? 12u : 0u); /* CTDP: a timeouts descriptor follows */
    }
    return found;
}

CHECK_FN(rsoc_well_formed)
{
    struct answer a;
    enum check_result r;
    if (supported_opcodes(l, &a, why, why_len, &r) <= 0)
        return r;
    bool ok;
    opcode_listed(l, a.got, SCSI_OP_INQUIRY, &ok);
    if (!ok)
        return check_fail(&a, why, why_len, "command descriptors of 8 bytes (20 with CTDP) that fit the list");
    return CHECK_PASS;
}

CHECK_FN(rsoc_lists_mandatory)
{
    struct answer a;
    enum check_result r;
    if (supported_opcodes(l, &a, why, why_len, &r) <= 0)
        return r;
    static const uint8_t mandatory[] = { SCSI_OP_INQUIRY, SCSI_OP_TEST_UNIT_READY, SCSI_OP_REQUEST_SENSE,
                                         SCSI_OP_REPORT_LUNS };
    for (size_t i = 0; i < sizeof mandatory; i++) {
        bool ok;
        if (!opcode_listed(l, a.got, mandatory[i], &ok))
            return check_failf(&a, why, why_len, "opcode %02xh, which SPC makes mandatory, in the list", mandatory[i]);
    }
    return CHECK_PASS;
}

const struct check_def check_spc_commands[] = {
    { "spc.test_unit_ready", "SPC-5 6.47", "TEST UNIT READY on a ready LUN: GOOD", test_unit_ready },
    { "spc.request_sense.no_sense", "SPC-5 6.39", "REQUEST SENSE with nothing pending: GOOD, sense key NO SENSE", request_sense_no_sense },
    { "spc.request_sense.allocation_length", "SPC-5 4.2.5.6", "REQUEST SENSE with ALLOCATION LENGTH 8: exactly 8 bytes", request_sense_allocation_length },
    { "spc.request_sense.fixed_format", "SPC-5 6.39", "REQUEST SENSE, DESC 0: fixed format (70h), ADDITIONAL SENSE LENGTH at least 10", request_sense_fixed_format },
    { "spc.request_sense.transfer_length", "SPC-5 4.2.5.6", "REQUEST SENSE (252 bytes): as many bytes come as ADDITIONAL SENSE LENGTH plus 8 says", request_sense_transfer_length },
    { "spc.request_sense.descriptor_format", "SPC-5 6.39", "REQUEST SENSE, DESC 1: descriptor format (72h), or ILLEGAL REQUEST 24/00", request_sense_descriptor_format },
    { "spc.sense.format", "SPC-5 4.4.1", "the sense data of a CHECK CONDITION: response code 70h-73h, room for ASC and ASCQ", sense_format },
    { "spc.report_luns.lists_this_lun", "SPC-5 6.35", "REPORT LUNS: GOOD, the list names this LUN", report_luns_lists_this_lun },
    { "spc.report_luns.select_report_1", "SPC-5 6.35", "REPORT LUNS, SELECT REPORT 01h: GOOD, a well-formed list", report_luns_select_report_1, CHECK_PER_TARGET },
    { "spc.report_luns.select_report_2", "SPC-5 6.35", "REPORT LUNS, SELECT REPORT 02h: GOOD, a well-formed list", report_luns_select_report_2 },
    { "spc.report_luns.select_report_reserved", "SPC-5 6.35", "REPORT LUNS, SELECT REPORT 05h (reserved): ILLEGAL REQUEST 24/00", report_luns_select_report_reserved, CHECK_PER_TARGET },
    { "spc.report_luns.allocation_length_small", "SPC-5 6.35", "REPORT LUNS with ALLOCATION LENGTH 8: ILLEGAL REQUEST 24/00", report_luns_allocation_length_small, CHECK_PER_TARGET },
    { "spc.report_luns.truncation", "SPC-5 4.2.5.6", "REPORT LUNS with room for one entry: 16 bytes, LUN LIST LENGTH unchanged", report_luns_truncation, CHECK_PER_TARGET },
    { "spc.report_luns.unique", "SPC-5 6.35", "REPORT LUNS: no LUN listed twice", report_luns_unique, CHECK_PER_TARGET },
    { "spc.report_luns.matches_inventory", "SPC-5 6.35", "REPORT LUNS on a target's first LUN: exactly the LUNs discovery found there", report_luns_matches_inventory, CHECK_PER_TARGET },
    { "spc.invalid_opcode", "SPC-5 4.4.2.4", "opcode C3h: ILLEGAL REQUEST 20/00", invalid_opcode },
    { "spc.cdb.naca_without_aca", "SAM-5 5.3.3", "INQUIRY with NACA set where NORMACA is zero: ILLEGAL REQUEST 24/00", naca_without_aca },
    { "spc.absent_lun.inquiry", "SAM-5 5.9.5", "INQUIRY to a LUN REPORT LUNS does not list: GOOD, byte 0 7Fh", absent_lun_inquiry, CHECK_PER_TARGET },
    { "spc.absent_lun.test_unit_ready", "SAM-5 5.9.5", "TEST UNIT READY to that LUN: ILLEGAL REQUEST 25/00", absent_lun_test_unit_ready, CHECK_PER_TARGET },
    { "spc.absent_lun.request_sense", "SPC-5 6.39.1", "REQUEST SENSE to that LUN: GOOD, sense data ILLEGAL REQUEST 25/00", absent_lun_request_sense, CHECK_PER_TARGET },
    { "spc.mode_sense6.length", "SPC-5 7.5.6", "MODE SENSE(6), all pages: GOOD, MODE DATA LENGTH covers what was sent", mode_sense6_length },
    { "spc.mode_sense10.length", "SPC-5 7.5.6", "MODE SENSE(10), all pages: GOOD, MODE DATA LENGTH plus 2 is what was sent", mode_sense10_length },
    { "spc.mode_sense6.allocation_length", "SPC-5 4.2.5.6", "MODE SENSE(6) with ALLOCATION LENGTH 4: exactly the header", mode_sense6_allocation_length },
    { "spc.mode_sense6.dbd", "SPC-5 6.13", "MODE SENSE(6) with DBD: BLOCK DESCRIPTOR LENGTH 0", mode_sense6_dbd },
    { "sbc.mode_sense6.block_descriptor", "SBC-4 6.5.2", "a disk's block descriptor: 8 bytes, LOGICAL BLOCK LENGTH the block size", mode_sense6_block_descriptor },
    { "spc.mode_sense.pages_ascending", "SPC-5 6.13", "MODE SENSE(10), all pages: pages that fit, in ascending page code order", mode_sense_pages_ascending },
    { "spc.mode_sense.unsupported_page", "SPC-5 6.13", "MODE SENSE(10) of a page it does not list: ILLEGAL REQUEST 24/00", mode_sense_unsupported_page },
    { "spc.mode_sense6.matches_10", "SPC-5 6.13", "MODE SENSE(6) and (10) with DBD: the same pages", mode_sense6_matches_10 },
    { "spc.mode_sense.changeable", "SPC-5 6.13", "PAGE CONTROL 01b (changeable): GOOD, pages as long as the current ones", mode_sense_changeable },
    { "spc.mode_sense.default", "SPC-5 6.13", "PAGE CONTROL 10b (default): GOOD, pages as long as the current ones", mode_sense_default },
    { "spc.mode_sense.saved", "SPC-5 6.13", "PAGE CONTROL 11b (saved): GOOD, or ILLEGAL REQUEST 39/00", mode_sense_saved },
    { "sbc.mode_page.caching", "SBC-4 6.5.5", "the Caching mode page (08h), when there: PAGE LENGTH 12h", mode_page_caching },
    { "spc.mode_page.control", "SPC-5 7.5.10", "the Control mode page (0Ah), when there: PAGE LENGTH 0Ah", mode_page_control },
    { "spc.rsoc.well_formed", "SPC-5 6.34", "REPORT SUPPORTED OPERATION CODES, when offered: descriptors that fit", rsoc_well_formed },
    { "spc.rsoc.lists_mandatory", "SPC-5 6.34", "that list names INQUIRY, TEST UNIT READY, REQUEST SENSE, REPORT LUNS", rsoc_lists_mandatory },
};
const size_t check_spc_commands_count = sizeof check_spc_commands / sizeof check_spc_commands[0];
