/* SPC-5 checks of INQUIRY: the standard data (6.7.2) and the VPD pages (7.7). A check says FAIL
 * only for a "shall" of its clause; what the clause leaves optional it SKIPs with the reason. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check/command.h"

/* ---- SPC-5: INQUIRY ---- */

CHECK_FN(inquiry_standard_length)
{
    struct answer a;
    if (!check_send_inquiry(l, false, 0, 96, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE || a.got < 36 || l->buf[4] + 5u < 36)
        return check_fail(&a, why, why_len, "GOOD with at least 36 bytes and ADDITIONAL LENGTH >= 31");
    return CHECK_PASS;
}

CHECK_FN(inquiry_response_data_format)
{
    struct answer a;
    if (!check_send_inquiry(l, false, 0, 36, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE || a.got < 4 || (l->buf[3] & 0x0f) != 2)
        return check_fail(&a, why, why_len, "RESPONSE DATA FORMAT (byte 3, bits 3-0) 2");
    return CHECK_PASS;
}

CHECK_FN(inquiry_ascii_fields)
{
    struct answer a;
    if (!check_send_inquiry(l, false, 0, 36, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE || a.got < 36)
        return check_fail(&a, why, why_len, "GOOD with 36 bytes");
    for (unsigned i = 8; i < 36; i++)
        if (l->buf[i] < 0x20 || l->buf[i] > 0x7e)
            return check_failf(&a, why, why_len, "bytes 8-35 in 0x20-0x7e (byte %u is 0x%02x)", i, l->buf[i]);
    return CHECK_PASS;
}

CHECK_FN(inquiry_allocation_length)
{
    struct answer a;
    if (!check_send_inquiry(l, false, 0, 5, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE || a.got != 5)
        return check_fail(&a, why, why_len, "GOOD with exactly 5 bytes (the transfer ends at the allocation length)");
    return CHECK_PASS;
}

/* SPC-5 4.2.5.6: the device server transfers the data it has, up to the allocation length; the
 * transport's residual (virtio 1.2 5.6.6.1) says how much that was. */
CHECK_FN(inquiry_transfer_length)
{
    struct answer a;
    if (!check_send_inquiry(l, false, 0, 255, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE || a.got < 5)
        return check_fail(&a, why, why_len, "GOOD with the standard data");
    unsigned have = l->buf[4] + 5u;
    if (a.got != (have < 255 ? have : 255))
        return check_failf(&a, why, why_len, "%u bytes: ADDITIONAL LENGTH %u plus 5 (the residual counts the rest)",
                           have < 255 ? have : 255, l->buf[4]);
    return CHECK_PASS;
}

CHECK_FN(inquiry_page_code_without_evpd)
{
    uint8_t cdb[SCSI_CDB_MAX];
    size_t len = scsi_cdb_inquiry(cdb, false, 0, 96);
    cdb[2] = 0x80; /* a page code with EVPD zero */
    struct answer a;
    if (!check_send_good(l, cdb, len, 96, &a))
        return COMMAND_LOST(&a);
    if (!check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0))
        return check_fail(&a, why, why_len, "CHECK CONDITION, ILLEGAL REQUEST 24/00 (INVALID FIELD IN CDB)");
    return CHECK_PASS;
}

/* SPC-5 4.4.2.4.2: a sense-key-specific field pointer (SKSV set, C/D one: in the CDB) should
 * name the byte; SPC makes it a "should" for INVALID FIELD IN CDB, so only a wrong one FAILs. */
CHECK_FN(invalid_field_pointer)
{
    uint8_t cdb[SCSI_CDB_MAX];
    size_t len = scsi_cdb_inquiry(cdb, false, 0, 96);
    cdb[2] = 0x80;
    struct answer a;
    if (!check_send_good(l, cdb, len, 96, &a))
        return COMMAND_LOST(&a);
    if (!check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0))
        return check_skip(why, why_len, "the LUN did not answer 24/00 (spc.inquiry.page_code_without_evpd says how)");
    if (a.cmd.sense_len < 18 || (a.cmd.sense[0] & 0x7f) != SCSI_SENSE_FIXED_CURRENT || !(a.cmd.sense[15] & 0x80))
        return check_skip(why, why_len, "no sense-key-specific field (SKSV clear, or descriptor sense)");
    uint16_t pointer = scsi_get_be16(a.cmd.sense + 16);
    if (!(a.cmd.sense[15] & 0x40) || pointer != 2)
        return check_fail(&a, why, why_len, "a field pointer in the CDB (C/D set) at byte 2, the PAGE CODE");
    return CHECK_PASS;
}

CHECK_FN(inquiry_qualifier_connected)
{
    struct answer a;
    if (!check_send_inquiry(l, false, 0, 36, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE || a.got < 1 || (l->buf[0] >> 5) != SCSI_PQ_CONNECTED)
        return check_fail(&a, why, why_len, "PERIPHERAL QUALIFIER 000b from a LUN REPORT LUNS listed and that answers");
    return CHECK_PASS;
}

CHECK_FN(vpd_serial_ascii)
{
    struct answer a;
    uint8_t pages[64];
    size_t n = 0;
    if (!check_supported_pages(l, &a, pages, &n))
        return check_skip(why, why_len, "no supported-pages list (spc.vpd.supported_pages says why)");
    if (!check_page_listed(pages, n, 0x80))
        return check_skip(why, why_len, "the LUN offers no Unit Serial Number page (it is optional)");
    if (!check_send_inquiry(l, true, 0x80, 255, &a))
        return COMMAND_LOST(&a);
    size_t len;
    if (a.v.outcome != HBA_OUTCOME_DONE || scsi_vpd_header(l->buf, a.got, 0x80, &len) != 0)
        return check_fail(&a, why, why_len, "GOOD with page 80");
    for (size_t i = 4; i < 4 + len && i < a.got; i++)
        if (l->buf[i] < 0x20 || l->buf[i] > 0x7e)
            return check_fail(&a, why, why_len, "PRODUCT SERIAL NUMBER in ASCII graphic codes (20h-7Eh)");
    return CHECK_PASS;
}


/* SPC-5 6.7.2: VERSION is 00h (no claim) or the SPC version claimed: 03h (SPC), 04h (SPC-2),
 * 05h (SPC-3), 06h (SPC-4), 07h (SPC-5); the others are obsolete or reserved. */
CHECK_FN(inquiry_version)
{
    struct answer a;
    if (!check_send_inquiry(l, false, 0, 36, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got < 3)
        return check_fail(&a, why, why_len, "GOOD with the standard data");
    uint8_t v = l->buf[2];
    if (v != 0 && (v < 3 || v > 7))
        return check_failf(&a, why, why_len, "VERSION 00h or 03h-07h (it is %02xh)", v);
    return CHECK_PASS;
}

/* The same LUN answers the same standard data twice (nothing changed between them). */
CHECK_FN(inquiry_stable)
{
    struct answer a;
    uint8_t first[36];
    if (!check_send_inquiry(l, false, 0, 36, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got < 36)
        return check_fail(&a, why, why_len, "GOOD with 36 bytes");
    memcpy(first, l->buf, sizeof first);
    if (!check_send_inquiry(l, false, 0, 36, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got < 36 || memcmp(first, l->buf, sizeof first) != 0)
        return check_fail(&a, why, why_len, "the same 36 bytes as the INQUIRY before it");
    return CHECK_PASS;
}

CHECK_FN(inquiry_device_type_matches)
{
    struct answer a;
    if (!check_send_inquiry(l, false, 0, 36, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got < 1 || (l->buf[0] & 0x1f) != l->info->device_type)
        return check_failf(&a, why, why_len, "PERIPHERAL DEVICE TYPE %02xh, as discovery read it",
                           l->info->device_type);
    return CHECK_PASS;
}

/* SPC-5 6.7.2: the identification fields hold left-aligned ASCII with unused bytes set to spaces:
 * a field that is not all spaces starts with a graphic, and none holds a NUL. */
static enum check_result left_aligned(const struct check_lun *l, unsigned from, unsigned len, const char *field,
                                      char *why, size_t why_len)
{
    struct answer a;
    if (!check_send_inquiry(l, false, 0, 36, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got < 36)
        return check_fail(&a, why, why_len, "GOOD with 36 bytes");
    const uint8_t *f = l->buf + from;
    unsigned graphic = 0;
    for (unsigned i = 0; i < len; i++)
        graphic += f[i] != ' ';
    for (unsigned i = 0; i < len; i++)
        if (f[i] == 0)
            return check_failf(&a, why, why_len, "%s padded with spaces (byte %u is 00h)", field, from + i);
    if (graphic > 0 && f[0] == ' ')
        return check_failf(&a, why, why_len, "%s left-aligned (byte %u is a space)", field, from);
    return CHECK_PASS;
}

CHECK_FN(inquiry_vendor_aligned) { return left_aligned(l, 8, 8, "T10 VENDOR IDENTIFICATION", why, why_len); }
CHECK_FN(inquiry_product_aligned) { return left_aligned(l, 16, 16, "PRODUCT IDENTIFICATION", why, why_len); }
CHECK_FN(inquiry_revision_aligned) { return left_aligned(l, 32, 4, "PRODUCT REVISION LEVEL", why, why_len); }

/* SPC-5 4.2.5.6: an ALLOCATION LENGTH of zero is no error; nothing is transferred. */
CHECK_FN(inquiry_allocation_length_zero)
{
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    if (!check_send_good(l, cdb, scsi_cdb_inquiry(cdb, false, 0, 0), 0, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a))
        return check_fail(&a, why, why_len, "GOOD (an allocation length of zero transfers nothing and is no error)");
    return CHECK_PASS;
}

CHECK_FN(inquiry_allocation_length_one)
{
    struct answer a;
    if (!check_send_inquiry(l, false, 0, 1, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got != 1)
        return check_fail(&a, why, why_len, "GOOD with exactly 1 byte");
    return CHECK_PASS;
}

/* ---- VPD pages ---- */

CHECK_FN(vpd_supported_pages)
{
    struct answer a;
    uint8_t pages[64];
    size_t n = 0;
    if (!check_supported_pages(l, &a, pages, &n)) {
        if (a.error[0])
            return COMMAND_LOST(&a);
        return check_fail(&a, why, why_len, "GOOD with the Supported VPD Pages page (page code 00)");
    }
    bool has00 = false;
    for (size_t i = 0; i < n; i++) {
        has00 |= pages[i] == 0x00;
        if (i > 0 && pages[i] <= pages[i - 1])
            return check_fail(&a, why, why_len, "page codes in ascending order");
    }
    if (!has00)
        return check_fail(&a, why, why_len, "page 00 itself in the list");
    return CHECK_PASS;
}

CHECK_FN(vpd_device_identification)
{
    struct answer a;
    uint8_t pages[64];
    size_t n = 0;
    if (!check_supported_pages(l, &a, pages, &n))
        return check_skip(why, why_len, "no supported-pages list (spc.vpd.supported_pages says why)");
    if (!check_page_listed(pages, n, 0x83))
        return check_fail(&a, why, why_len, "page 83 (Device Identification) among the supported pages");
    if (!check_send_inquiry(l, true, 0x83, 255, &a))
        return COMMAND_LOST(&a);
    struct scsi_vpd_devid id;
    if (a.v.outcome != HBA_OUTCOME_DONE || scsi_vpd_device_id(l->buf, a.got, &id) != 0)
        return check_fail(&a, why, why_len, "GOOD with a page 83 whose designators fit its length");
    return CHECK_PASS;
}

CHECK_FN(vpd_page_codes_match)
{
    struct answer a;
    uint8_t pages[64];
    size_t n = 0;
    if (!check_supported_pages(l, &a, pages, &n))
        return check_skip(why, why_len, "no supported-pages list (spc.vpd.supported_pages says why)");
    for (size_t i = 0; i < n; i++) {
        if (!check_send_inquiry(l, true, pages[i], 255, &a))
            return COMMAND_LOST(&a);
        size_t page_len;
        if (a.v.outcome != HBA_OUTCOME_DONE || scsi_vpd_header(l->buf, a.got, pages[i], &page_len) != 0)
            return check_failf(&a, why, why_len, "GOOD with page %02x's own PAGE CODE and a length that fits",
                               pages[i]);
    }
    return CHECK_PASS;
}


/* SPC-5 6.7.1: a page the LUN does not support ends in INVALID FIELD IN CDB. */
CHECK_FN(vpd_unsupported_page)
{
    struct answer a;
    uint8_t pages[64];
    size_t n = 0;
    if (!check_supported_pages(l, &a, pages, &n))
        return check_skip(why, why_len, "no supported-pages list (spc.vpd.supported_pages says why)");
    uint8_t code = 0xfe;
    while (code > 0xc0 && check_page_listed(pages, n, code))
        code--;
    if (!check_send_inquiry(l, true, code, 255, &a))
        return COMMAND_LOST(&a);
    if (!check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0))
        return check_fail(&a, why, why_len, "CHECK CONDITION, ILLEGAL REQUEST 24/00 for a page not in page 00's list");
    return CHECK_PASS;
}

/* SPC-5 4.2.5.6 for VPD data: the header alone when only 4 bytes are allowed, its PAGE LENGTH
 * still the whole page's. */
CHECK_FN(vpd_allocation_length)
{
    struct answer a;
    if (!check_send_inquiry(l, true, SCSI_VPD_SUPPORTED_PAGES, 255, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got < 4)
        return check_fail(&a, why, why_len, "GOOD with page 00");
    uint16_t whole = scsi_get_be16(l->buf + 2);
    if (!check_send_inquiry(l, true, SCSI_VPD_SUPPORTED_PAGES, 4, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got != 4 || scsi_get_be16(l->buf + 2) != whole)
        return check_failf(&a, why, why_len, "GOOD with exactly 4 bytes, PAGE LENGTH still %u", whole);
    return CHECK_PASS;
}

CHECK_FN(vpd_transfer_length)
{
    struct answer a;
    if (!check_send_inquiry(l, true, SCSI_VPD_SUPPORTED_PAGES, 255, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got < 4)
        return check_fail(&a, why, why_len, "GOOD with page 00");
    unsigned have = scsi_get_be16(l->buf + 2) + 4u;
    unsigned want = have < 255 ? have : 255;
    if (a.got != want)
        return check_failf(&a, why, why_len, "%u bytes: PAGE LENGTH plus 4 (the residual counts the rest)", want);
    return CHECK_PASS;
}

/* SPC-5 7.7.1: every VPD page carries the same PERIPHERAL QUALIFIER and DEVICE TYPE as the
 * standard data. */
CHECK_FN(vpd_peripheral_matches)
{
    struct answer a;
    if (!check_send_inquiry(l, false, 0, 36, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got < 1)
        return check_fail(&a, why, why_len, "GOOD with the standard data");
    uint8_t byte0 = l->buf[0];
    if (!check_send_inquiry(l, true, SCSI_VPD_SUPPORTED_PAGES, 255, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got < 1 || l->buf[0] != byte0)
        return check_failf(&a, why, why_len, "byte 0 of page 00 as in the standard data (%02xh)", byte0);
    return CHECK_PASS;
}

/* The designators of page 83 (SPC-5 7.7.6.1), each checked by fn; the first that fn refuses is
 * the FAIL. */
static enum check_result each_designator(const struct check_lun *l, char *why, size_t why_len,
                                         const char *(*fn)(const uint8_t *d, unsigned len, bool *lun_name),
                                         bool need_lun_name)
{
    struct answer a;
    enum check_result r;
    int have = check_vpd_page(l, SCSI_VPD_DEVICE_ID, &a, why, why_len, &r);
    if (have <= 0)
        return have == 0 ? check_fail(&a, why, why_len, "page 83 among the supported pages") : r;
    size_t end = 4u + scsi_get_be16(l->buf + 2);
    if (end > a.got)
        end = a.got;
    bool any_lun_name = false;
    for (size_t off = 4; off + 4 <= end;) {
        const uint8_t *d = l->buf + off;
        unsigned len = d[3];
        if (off + 4 + len > end)
            return check_fail(&a, why, why_len, "designators that fit the page");
        bool lun_name = false;
        const char *bad = fn(d, len, &lun_name);
        if (bad != NULL)
            return check_failf(&a, why, why_len, "%s (the designator at byte %zu)", bad, off);
        any_lun_name |= lun_name;
        off += 4 + len;
    }
    if (need_lun_name && !any_lun_name)
        return check_fail(&a, why, why_len, "a designator with ASSOCIATION 00b (the logical unit)");
    return CHECK_PASS;
}

/* SPC-5 7.7.6.2: the code set is 1h (binary), 2h (ASCII) or 3h (UTF-8); ASCII designators hold
 * graphic codes only. */
static const char *designator_code_set(const uint8_t *d, unsigned len, bool *lun_name)
{
    *lun_name = ((d[1] >> 4) & 3) == 0;
    uint8_t code_set = d[0] & 0x0f;
    if (code_set < 1 || code_set > 3)
        return "CODE SET 1h, 2h or 3h";
    if (code_set == 2)
        for (unsigned i = 0; i < len; i++)
            if (d[4 + i] < 0x20 || d[4 + i] > 0x7e)
                return "an ASCII designator in graphic codes (20h-7Eh)";
    return NULL;
}

/* SPC-5 7.7.6.6 and 7.7.6.5: an NAA designator is 8 bytes (NAA 2, 3, 5) or 16 (NAA 6), an EUI-64
 * one 8, 12 or 16; both binary. */
static const char *designator_length(const uint8_t *d, unsigned len, bool *lun_name)
{
    *lun_name = ((d[1] >> 4) & 3) == 0;
    uint8_t type = d[1] & 0x0f;
    if (type == 3) {
        if ((d[0] & 0x0f) != 1 || len < 1)
            return "an NAA designator in binary";
        uint8_t naa = d[4] >> 4;
        if ((naa == 6 && len != 16) || ((naa == 2 || naa == 3 || naa == 5) && len != 8))
            return "DESIGNATOR LENGTH 8 for NAA 2, 3 and 5, 16 for NAA 6";
    } else if (type == 2) {
        if ((d[0] & 0x0f) != 1 || (len != 8 && len != 12 && len != 16))
            return "an EUI-64 designator in binary of 8, 12 or 16 bytes";
    }
    return NULL;
}

CHECK_FN(vpd_designator_code_set) { return each_designator(l, why, why_len, designator_code_set, false); }
/* SPC-5 7.7.6.1: the page names the logical unit itself, with at least one designator of
 * ASSOCIATION 00b. */
CHECK_FN(vpd_designator_names_the_lun) { return each_designator(l, why, why_len, designator_code_set, true); }
CHECK_FN(vpd_designator_length) { return each_designator(l, why, why_len, designator_length, false); }

/* Two reads of the identifying pages give the same bytes: page 83 and page 80 name the LUN. */
static enum check_result page_stable(const struct check_lun *l, uint8_t code, char *why, size_t why_len)
{
    struct answer a;
    enum check_result r;
    int have = check_vpd_page(l, code, &a, why, why_len, &r);
    if (have <= 0)
        return have == 0 ? CHECK_SKIP : r;
    uint8_t first[255];
    uint32_t first_len = a.got;
    memcpy(first, l->buf, first_len);
    if (!check_send_inquiry(l, true, code, 255, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got != first_len || memcmp(first, l->buf, first_len) != 0)
        return check_fail(&a, why, why_len, "the same page as the INQUIRY before it");
    return CHECK_PASS;
}

CHECK_FN(vpd_device_identification_stable) { return page_stable(l, SCSI_VPD_DEVICE_ID, why, why_len); }
CHECK_FN(vpd_serial_stable) { return page_stable(l, SCSI_VPD_UNIT_SERIAL, why, why_len); }

const struct check_def check_spc_inquiry[] = {
    { "spc.inquiry.qualifier_connected", "SPC-5 6.7.2", "INQUIRY of a listed LUN: PERIPHERAL QUALIFIER 000b", inquiry_qualifier_connected },
    { "spc.inquiry.standard.length", "SPC-5 6.7.2", "INQUIRY (96 bytes): GOOD, at least 36 bytes, ADDITIONAL LENGTH at least 31", inquiry_standard_length },
    { "spc.inquiry.standard.response_data_format", "SPC-5 6.7.2", "INQUIRY: RESPONSE DATA FORMAT is 2", inquiry_response_data_format },
    { "spc.inquiry.standard.version", "SPC-5 6.7.2", "INQUIRY: VERSION is 00h or 03h-07h", inquiry_version },
    { "spc.inquiry.standard.stable", "SPC-5 6.7.2", "two INQUIRYs: the same 36 bytes", inquiry_stable },
    { "spc.inquiry.standard.device_type", "SPC-5 6.7.2", "INQUIRY: the PERIPHERAL DEVICE TYPE discovery read", inquiry_device_type_matches },
    { "spc.inquiry.standard.ascii_fields", "SPC-5 4.3.1", "INQUIRY: vendor, product and revision are printable ASCII (20h-7Eh)", inquiry_ascii_fields },
    { "spc.inquiry.standard.vendor_aligned", "SPC-5 6.7.2", "T10 VENDOR IDENTIFICATION: left-aligned, padded with spaces", inquiry_vendor_aligned },
    { "spc.inquiry.standard.product_aligned", "SPC-5 6.7.2", "PRODUCT IDENTIFICATION: left-aligned, padded with spaces", inquiry_product_aligned },
    { "spc.inquiry.standard.revision_aligned", "SPC-5 6.7.2", "PRODUCT REVISION LEVEL: left-aligned, padded with spaces", inquiry_revision_aligned },
    { "spc.inquiry.allocation_length", "SPC-5 4.2.5.6", "INQUIRY with ALLOCATION LENGTH 5: GOOD, exactly 5 bytes", inquiry_allocation_length },
    { "spc.inquiry.allocation_length_zero", "SPC-5 4.2.5.6", "INQUIRY with ALLOCATION LENGTH 0: GOOD, nothing transferred", inquiry_allocation_length_zero },
    { "spc.inquiry.allocation_length_one", "SPC-5 4.2.5.6", "INQUIRY with ALLOCATION LENGTH 1: GOOD, exactly 1 byte", inquiry_allocation_length_one },
    { "spc.inquiry.transfer_length", "SPC-5 4.2.5.6", "INQUIRY (255 bytes): as many bytes come as ADDITIONAL LENGTH plus 5 says", inquiry_transfer_length },
    { "spc.inquiry.page_code_without_evpd", "SPC-5 6.7.1", "INQUIRY, EVPD 0, PAGE CODE 80h: ILLEGAL REQUEST 24/00", inquiry_page_code_without_evpd },
    { "spc.sense.invalid_field_pointer", "SPC-5 4.4.2.4.2", "that 24/00, when it has a sense-key-specific field: the pointer names CDB byte 2", invalid_field_pointer },
    { "spc.vpd.supported_pages", "SPC-5 7.7.16", "INQUIRY page 00: GOOD, page codes ascending, 00 itself listed", vpd_supported_pages },
    { "spc.vpd.unsupported_page", "SPC-5 6.7.1", "INQUIRY of a page page 00 does not list: ILLEGAL REQUEST 24/00", vpd_unsupported_page },
    { "spc.vpd.allocation_length", "SPC-5 4.2.5.6", "page 00 with ALLOCATION LENGTH 4: exactly the header, PAGE LENGTH unchanged", vpd_allocation_length },
    { "spc.vpd.transfer_length", "SPC-5 4.2.5.6", "page 00 (255 bytes): as many bytes come as PAGE LENGTH plus 4 says", vpd_transfer_length },
    { "spc.vpd.peripheral_matches", "SPC-5 7.7.1", "page 00's byte 0 (qualifier, device type) equals the standard data's", vpd_peripheral_matches },
    { "spc.vpd.device_identification", "SPC-5 7.7.6", "page 83 is listed and its designators fit its length", vpd_device_identification },
    { "spc.vpd.device_identification.code_set", "SPC-5 7.7.6.1", "page 83: each CODE SET 1h-3h, the ASCII ones printable", vpd_designator_code_set },
    { "spc.vpd.device_identification.names_the_lun", "SPC-5 7.7.6.1", "page 83: at least one designator with ASSOCIATION 00b (the logical unit)", vpd_designator_names_the_lun },
    { "spc.vpd.device_identification.lengths", "SPC-5 7.7.6.6", "page 83: NAA designators 8 or 16 bytes by NAA, EUI-64 8, 12 or 16, binary", vpd_designator_length },
    { "spc.vpd.device_identification.stable", "SPC-5 7.7.6", "page 83 twice: the same bytes", vpd_device_identification_stable },
    { "spc.vpd.serial_ascii", "SPC-5 7.7.18", "page 80, when offered: the serial number in ASCII graphic codes", vpd_serial_ascii },
    { "spc.vpd.serial.stable", "SPC-5 7.7.18", "page 80, when offered, twice: the same bytes", vpd_serial_stable },
    { "spc.vpd.page_codes_match", "SPC-5 7.7.1", "every listed page answers with its own PAGE CODE and a length that fits", vpd_page_codes_match },
};
const size_t check_spc_inquiry_count = sizeof check_spc_inquiry / sizeof check_spc_inquiry[0];
