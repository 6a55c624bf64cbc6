/*
 * Decoders for the data-in of REPORT LUNS, INQUIRY (standard data and VPD pages) and READ
 * CAPACITY. Each one is given the number of bytes that really arrived and reads nothing past it.
 */
#include <string.h>

#include "drivers/scsi/scsi.h"

static size_t scsi_min(size_t a, size_t b)
{
    return a < b ? a : b;
}

/*
 * Copy an ASCII field (SPC-4 4.4.1: left-aligned and space-padded, or right-aligned where
 * skip_leading is set) into dst of dst_size >= 1 bytes, NUL-terminated. Trailing spaces and NULs
 * go; bytes outside 0x20-0x7e become '?' so that a device cannot put control characters on the
 * console; the result is cut to dst_size - 1 characters.
 */
static void scsi_ascii_copy(char *dst, size_t dst_size, const uint8_t *src, size_t src_len, bool skip_leading)
{
    size_t start = 0, end = src_len;
    if (skip_leading) {
        while (start < end && src[start] == ' ')
            start++;
    }
    while (end > start && (src[end - 1] == ' ' || src[end - 1] == 0))
        end--;
    size_t n = scsi_min(end - start, dst_size - 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = src[start + i];
        dst[i] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
    }
    dst[n] = '\0';
}

/* ---- REPORT LUNS ---- */

#define SCSI_REPORT_LUNS_HEADER_LEN 8
#define SCSI_LUN_ENTRY_LEN 8

int scsi_lun_level_decode(const uint8_t level[2])
{
    /* SAM-5 4.7: bits 7-6 of the first byte are the ADDRESS METHOD. */
    switch (level[0] >> 6) {
    case 0: /* peripheral device addressing: BUS IDENTIFIER (bits 5-0), then TARGET OR LUN */
        return (level[0] & 0x3f) == 0 ? level[1] : -1;
    case 1: /* flat space addressing: a 14-bit LUN */
        return (level[0] & 0x3f) << 8 | level[1];
    default: /* logical unit addressing (10b) or extended addressing (11b, well-known LUNs) */
        return -1;
    }
}

/* One 8-byte LUN entry: a single-level LUN has zeros in the second to fourth levels (bytes 2-7). */
static int scsi_lun_entry_decode(const uint8_t entry[SCSI_LUN_ENTRY_LEN])
{
    for (size_t i = 2; i < SCSI_LUN_ENTRY_LEN; i++) {
        if (entry[i] != 0)
            return -1;
    }
    return scsi_lun_level_decode(entry);
}

int scsi_report_luns_decode(const uint8_t *buf, size_t buf_len, size_t xfer_len, uint16_t *luns, size_t max,
                            struct scsi_report_luns *out)
{
    memset(out, 0, sizeof(*out));
    size_t avail = scsi_min(buf_len, xfer_len);
    if (avail < SCSI_REPORT_LUNS_HEADER_LEN)
        return -1;
    /* SPC-4 6.33.2: bytes 0-3 LUN LIST LENGTH (bytes of entries), bytes 4-7 reserved. */
    out->list_length = scsi_get_be32(buf);
    if (out->list_length % SCSI_LUN_ENTRY_LEN != 0)
        return -1;
    uint64_t full = SCSI_REPORT_LUNS_HEADER_LEN + (uint64_t)out->list_length;
    out->truncated = full > avail;
    /* Only whole entries that both the header claims and the transfer delivered. */
    size_t usable = out->truncated ? avail : (size_t)full;
    size_t entries = (usable - SCSI_REPORT_LUNS_HEADER_LEN) / SCSI_LUN_ENTRY_LEN;
    for (size_t i = 0; i < entries; i++) {
        int lun = scsi_lun_entry_decode(buf + SCSI_REPORT_LUNS_HEADER_LEN + i * SCSI_LUN_ENTRY_LEN);
        if (lun < 0)
            out->skipped++;
        else if (out->count < max)
            luns[out->count++] = (uint16_t)lun;
        else
            out->dropped++;
    }
    return 0;
}

/* ---- standard INQUIRY data ---- */

/* A string field at off..off+field_len of the standard data, cut at end. */
static void scsi_inquiry_string(char *dst, size_t dst_size, const uint8_t *buf, size_t end, size_t off,
                                size_t field_len)
{
    size_t n = off < end ? scsi_min(field_len, end - off) : 0;
    scsi_ascii_copy(dst, dst_size, buf + off, n, false);
}

int scsi_inquiry_decode(const uint8_t *buf, size_t len, struct scsi_inquiry *inq)
{
    memset(inq, 0, sizeof(*inq));
    if (len < SCSI_INQUIRY_MIN_LEN)
        return -1;
    /* SPC-4 6.6.2: byte 0 PERIPHERAL QUALIFIER (7-5) and DEVICE TYPE (4-0), byte 1 bit 7 RMB,
     * byte 2 VERSION, byte 3 bits 3-0 RESPONSE DATA FORMAT, byte 4 ADDITIONAL LENGTH, bytes 8-15
     * T10 VENDOR IDENTIFICATION, 16-31 PRODUCT IDENTIFICATION, 32-35 PRODUCT REVISION LEVEL. */
    inq->qualifier = buf[0] >> 5;
    inq->device_type = buf[0] & 0x1f;
    inq->removable = (buf[1] & 0x80) != 0;
    inq->version = buf[2];
    inq->response_format = buf[3] & 0x0f;
    inq->length = 5 + (size_t)buf[4];
    size_t end = scsi_min(len, inq->length);
    scsi_inquiry_string(inq->vendor, sizeof(inq->vendor), buf, end, 8, 8);
    scsi_inquiry_string(inq->product, sizeof(inq->product), buf, end, 16, 16);
    scsi_inquiry_string(inq->revision, sizeof(inq->revision), buf, end, 32, 4);
    return 0;
}

const char *scsi_device_type_name(uint8_t type)
{
    /* SPC-4 6.6.2 (PERIPHERAL DEVICE TYPE). */
    switch (type) {
    case 0x00: return "disk";
    case 0x01: return "tape";
    case 0x02: return "printer";
    case 0x03: return "processor";
    case 0x04: return "write-once";
    case 0x05: return "cd/dvd";
    case 0x06: return "scanner";
    case 0x07: return "optical memory";
    case 0x08: return "medium changer";
    case 0x09: return "communications";
    case 0x0c: return "storage array controller";
    case 0x0d: return "enclosure services";
    case 0x0e: return "simplified direct-access";
    case 0x0f: return "optical card reader/writer";
    case 0x10: return "bridge controller";
    case 0x11: return "object-based storage";
    case 0x12: return "automation/drive interface";
    case 0x13: return "security manager";
    case 0x14: return "host-managed zoned";
    case 0x1e: return "well-known logical unit";
    case 0x1f: return "unknown/no device";
    default: return "reserved";
    }
}

/* ---- VPD pages ---- */

#define SCSI_VPD_HEADER_LEN 4

int scsi_vpd_header(const uint8_t *buf, size_t len, uint8_t page, size_t *page_len)
{
    /* SPC-4 7.8.1: byte 1 PAGE CODE, bytes 2-3 PAGE LENGTH (bytes after the header). */
    *page_len = 0;
    if (len < SCSI_VPD_HEADER_LEN || buf[1] != page)
        return -1;
    *page_len = scsi_get_be16(buf + 2);
    return 0;
}

/* The header checks, plus: the whole page arrived and holds at least min_page_len bytes (the
 * fields the caller reads). */
static int scsi_vpd_page(const uint8_t *buf, size_t len, uint8_t page, size_t min_page_len, size_t *page_len)
{
    if (scsi_vpd_header(buf, len, page, page_len) != 0)
        return -1;
    if (*page_len > len - SCSI_VPD_HEADER_LEN || *page_len < min_page_len)
        return -1;
    return 0;
}

int scsi_vpd_supported_pages(const uint8_t *buf, size_t len, uint8_t *pages, size_t max, size_t *count)
{
    size_t page_len;
    *count = 0;
    if (scsi_vpd_page(buf, len, SCSI_VPD_SUPPORTED_PAGES, 0, &page_len) != 0)
        return -1;
    *count = scsi_min(page_len, max);
    if (*count > 0)
        memcpy(pages, buf + SCSI_VPD_HEADER_LEN, *count);
    return 0;
}

int scsi_vpd_serial(const uint8_t *buf, size_t len, char *serial, size_t serial_len)
{
    size_t page_len;
    if (serial_len == 0)
        return -1;
    serial[0] = '\0';
    if (scsi_vpd_page(buf, len, SCSI_VPD_UNIT_SERIAL, 0, &page_len) != 0)
        return -1;
    /* SPC-4 7.8 (Unit Serial Number): PRODUCT SERIAL NUMBER is right-aligned ASCII. */
    scsi_ascii_copy(serial, serial_len, buf + SCSI_VPD_HEADER_LEN, page_len, true);
    return 0;
}

/* Designation descriptor (SPC-4 7.8, Device Identification): byte 0 CODE SET (3-0), byte 1
 * ASSOCIATION (5-4) and DESIGNATOR TYPE (3-0), byte 3 DESIGNATOR LENGTH, then the designator. */
#define SCSI_DESIGNATOR_HEADER_LEN 4
#define SCSI_DESIGNATOR_T10_VENDOR 0x1
#define SCSI_DESIGNATOR_NAA 0x3
#define SCSI_ASSOCIATION_LOGICAL_UNIT 0x0

int scsi_vpd_device_id(const uint8_t *buf, size_t len, struct scsi_vpd_devid *id)
{
    size_t page_len;
    memset(id, 0, sizeof(*id));
    if (scsi_vpd_page(buf, len, SCSI_VPD_DEVICE_ID, 0, &page_len) != 0)
        return -1;
    struct scsi_vpd_devid found = { 0 };
    bool have_t10 = false;
    const uint8_t *p = buf + SCSI_VPD_HEADER_LEN;
    size_t off = 0;
    while (off < page_len) {
        if (page_len - off < SCSI_DESIGNATOR_HEADER_LEN)
            return -1;
        size_t dlen = p[off + 3];
        if (dlen > page_len - off - SCSI_DESIGNATOR_HEADER_LEN)
            return -1;
        const uint8_t *designator = p + off + SCSI_DESIGNATOR_HEADER_LEN;
        uint8_t association = (p[off + 1] >> 4) & 0x3;
        uint8_t type = p[off + 1] & 0x0f;
        found.designators++;
        /* Only designators of the logical unit itself identify it; a target port's NAA (QEMU's
         * port_wwn, association 01b) is shared by every LUN behind the port. */
        if (association == SCSI_ASSOCIATION_LOGICAL_UNIT) {
            /* NAA designators are 8 bytes (NAA 2, 3, 5) or 16 (NAA 6) (SPC-4 7.8, NAA format). */
            if (type == SCSI_DESIGNATOR_NAA && !found.have_naa && (dlen == 8 || dlen == 16)) {
                found.have_naa = true;
                found.naa_len = dlen;
                memcpy(found.naa, designator, dlen);
            } else if (type == SCSI_DESIGNATOR_T10_VENDOR && !have_t10) {
                have_t10 = true;
                scsi_ascii_copy(found.t10, sizeof(found.t10), designator, dlen, false);
            }
        }
        off += SCSI_DESIGNATOR_HEADER_LEN + dlen;
    }
    *id = found;
    return 0;
}

/* SBC-4 6.6.4: the Block Limits page length is 0x3c. */
#define SCSI_VPD_BLOCK_LIMITS_LEN 0x3c

int scsi_vpd_block_limits(const uint8_t *buf, size_t len, struct scsi_vpd_block_limits *bl)
{
    size_t page_len;
    memset(bl, 0, sizeof(*bl));
    if (scsi_vpd_page(buf, len, SCSI_VPD_BLOCK_LIMITS, SCSI_VPD_BLOCK_LIMITS_LEN, &page_len) != 0)
        return -1;
    /* Bytes 6-7 OPTIMAL TRANSFER LENGTH GRANULARITY, 8-11 MAXIMUM TRANSFER LENGTH, 12-15 OPTIMAL
     * TRANSFER LENGTH, 20-23 MAXIMUM UNMAP LBA COUNT, 24-27 MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT,
     * 28-31 OPTIMAL UNMAP GRANULARITY. */
    bl->optimal_granularity_blocks = scsi_get_be16(buf + 6);
    bl->max_transfer_blocks = scsi_get_be32(buf + 8);
    bl->optimal_transfer_blocks = scsi_get_be32(buf + 12);
    bl->max_unmap_lba_count = scsi_get_be32(buf + 20);
    bl->max_unmap_descriptors = scsi_get_be32(buf + 24);
    bl->unmap_granularity = scsi_get_be32(buf + 28);
    return 0;
}

int scsi_vpd_characteristics(const uint8_t *buf, size_t len, struct scsi_vpd_characteristics *c)
{
    size_t page_len;
    memset(c, 0, sizeof(*c));
    /* SBC-4 6.6.2: bytes 4-5 MEDIUM ROTATION RATE, byte 7 bits 3-0 NOMINAL FORM FACTOR. */
    if (scsi_vpd_page(buf, len, SCSI_VPD_BLOCK_CHARACTERISTICS, 4, &page_len) != 0)
        return -1;
    c->rotation_rate = scsi_get_be16(buf + 4);
    c->form_factor = buf[7] & 0x0f;
    return 0;
}

int scsi_vpd_provisioning(const uint8_t *buf, size_t len, struct scsi_vpd_provisioning *p)
{
    size_t page_len;
    memset(p, 0, sizeof(*p));
    /* SBC-4 6.6.6: byte 5 LBPU (7), LBPWS (6), LBPWS10 (5), LBPRZ (4-2; SBC-3 had bit 2 alone,
     * so 001b reads the same in both); byte 6 bits 2-0 PROVISIONING TYPE. */
    if (scsi_vpd_page(buf, len, SCSI_VPD_LOGICAL_BLOCK_PROVISIONING, 4, &page_len) != 0)
        return -1;
    p->lbpu = (buf[5] & 0x80) != 0;
    p->lbpws = (buf[5] & 0x40) != 0;
    p->lbpws10 = (buf[5] & 0x20) != 0;
    p->lbprz = ((buf[5] >> 2) & 0x7) == 1;
    p->provisioning_type = buf[6] & 0x7;
    return 0;
}

/* ---- READ CAPACITY ---- */

static bool scsi_block_size_valid(uint32_t size)
{
    return size >= 512 && size <= 65536 && (size & (size - 1)) == 0;
}

const char *scsi_read_capacity_problem(const uint8_t *buf, size_t len, bool sixteen)
{
    if (len < (sixteen ? SCSI_READ_CAPACITY16_LEN : SCSI_READ_CAPACITY10_LEN))
        return "the data is short";
    uint32_t block_size = scsi_get_be32(buf + (sixteen ? 8 : 4));
    if (!scsi_block_size_valid(block_size))
        return "its block length is not a power of two in 512..65536";
    if (!sixteen)
        return NULL;
    uint64_t last = scsi_get_be64(buf);
    if (last == UINT64_MAX)
        return "its last LBA is 2^64 - 1 (2^64 blocks: no count fits)";
    /* the capacity in bytes, (last + 1) * block_size, must fit 64 bits: lunbench counts in bytes */
    if (last >= UINT64_MAX / block_size)
        return "its capacity in bytes does not fit 64 bits";
    return NULL;
}

int scsi_read_capacity10_decode(const uint8_t *buf, size_t len, struct scsi_capacity *cap, bool *needs_16)
{
    memset(cap, 0, sizeof(*cap));
    *needs_16 = false;
    if (scsi_read_capacity_problem(buf, len, false))
        return -1;
    /* SBC-3 5.16.2: bytes 0-3 RETURNED LOGICAL BLOCK ADDRESS (the last LBA; 0xffffffff when it
     * does not fit), bytes 4-7 LOGICAL BLOCK LENGTH IN BYTES. */
    uint32_t last = scsi_get_be32(buf);
    cap->blocks = (uint64_t)last + 1;
    cap->block_size = scsi_get_be32(buf + 4);
    *needs_16 = last == UINT32_MAX;
    return 0;
}

int scsi_read_capacity16_decode(const uint8_t *buf, size_t len, struct scsi_capacity *cap)
{
    memset(cap, 0, sizeof(*cap));
    if (scsi_read_capacity_problem(buf, len, true))
        return -1;
    /* SBC-3 5.17.2: bytes 0-7 RETURNED LOGICAL BLOCK ADDRESS, 8-11 LOGICAL BLOCK LENGTH IN BYTES,
     * byte 12 P_TYPE (3-1) and PROT_EN (0), byte 13 LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT
     * (3-0), byte 14 LBPME (7) and LBPRZ (6). */
    cap->blocks = scsi_get_be64(buf) + 1;
    cap->block_size = scsi_get_be32(buf + 8);
    cap->prot_en = (buf[12] & 0x01) != 0;
    cap->p_type = (buf[12] >> 1) & 0x7;
    cap->lbppbe = buf[13] & 0x0f;
    cap->lbpme = (buf[14] & 0x80) != 0;
    cap->lbprz = (buf[14] & 0x40) != 0;
    return 0;
}

int scsi_mode_sense6_write_protected(const uint8_t *buf, size_t len, bool *write_protected)
{
    *write_protected = false;
    if (len < 4)
        return -1;
    *write_protected = (buf[2] & 0x80) != 0;
    return 0;
}
