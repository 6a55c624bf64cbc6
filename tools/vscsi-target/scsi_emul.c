/* SCSI command emulation for the target's disks (scsi_emul.h). */
#include "tools/vscsi-target/scsi_emul.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "drivers/scsi/scsi.h"
#include "drivers/virtio/virtio_scsi_wire.h"

#define VENDOR "LUNBENCH"
#define PRODUCT "VSCSI TARGET"
#define REVISION "0001"
#define MAX_TRANSFER_BLOCKS 65535u     /* Block Limits: MAXIMUM TRANSFER LENGTH */
#define MAX_UNMAP_BLOCKS 0x100000u     /* Block Limits: MAXIMUM UNMAP LBA COUNT */
#define MAX_UNMAP_DESCRIPTORS 256u     /* Block Limits: MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT */
#define MAX_WRITE_SAME_BLOCKS 0x100000u /* Block Limits: MAXIMUM WRITE SAME LENGTH */

/* Fixed-format sense, current error (SPC-5 4.4.3). */
void scsi_emul_check_condition(struct scsi_emul_result *r, uint8_t key, uint8_t asc, uint8_t ascq)
{
    r->status = SCSI_STATUS_CHECK_CONDITION;
    memset(r->sense, 0, sizeof(r->sense));
    r->sense[0] = SCSI_SENSE_FIXED_CURRENT;
    r->sense[2] = key;
    r->sense[7] = SCSI_EMUL_SENSE_LEN - 8; /* ADDITIONAL SENSE LENGTH */
    r->sense[12] = asc;
    r->sense[13] = ascq;
    r->sense_len = SCSI_EMUL_SENSE_LEN;
    r->data_len = 0;
}

static void invalid_field(struct scsi_emul_result *r)
{
    scsi_emul_check_condition(r, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0);
}

static void lba_out_of_range(struct scsi_emul_result *r)
{
    scsi_emul_check_condition(r, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00); /* LOGICAL BLOCK ADDRESS OUT OF RANGE */
}

/* Copy a reply the command built in full to the data-in buffer, cut to the allocation length and
 * to the buffer (SPC-5 4.2.5.6: a short allocation length is not an error). */
static void reply(struct scsi_emul_result *r, const uint8_t *data, size_t len, size_t alloc_len, uint8_t *data_in,
                  size_t cap)
{
    size_t n = len < alloc_len ? len : alloc_len;
    if (n > cap)
        n = cap;
    memcpy(data_in, data, n);
    r->data_len = n;
}

static void put_ascii(uint8_t *dst, const char *s, size_t width)
{
    size_t n = strlen(s);
    memset(dst, ' ', width);
    memcpy(dst, s, n < width ? n : width);
}

void scsi_emul_serial(const struct lun *lun, char out[16])
{
    snprintf(out, 16, "VT%03uL%05u", lun->target, lun->lun);
}

/* SPC-5 6.7.2: standard INQUIRY data, 36 bytes. An absent LUN is peripheral qualifier 011b,
 * device type 1Fh (6.7.2, table 148). */
static void inquiry_standard(const struct lun *lun, uint8_t out[36])
{
    memset(out, 0, 36);
    out[0] = lun ? 0x00 : 0x7f;
    out[2] = 0x07; /* VERSION: SPC-5 */
    out[3] = 0x02; /* RESPONSE DATA FORMAT 2 */
    out[4] = 36 - 5;
    out[7] = 0x02; /* CMDQUE */
    put_ascii(out + 8, VENDOR, 8);
    put_ascii(out + 16, PRODUCT, 16);
    put_ascii(out + 32, REVISION, 4);
}

static const uint8_t vpd_pages[] = {SCSI_VPD_SUPPORTED_PAGES, SCSI_VPD_UNIT_SERIAL, SCSI_VPD_DEVICE_ID,
                                    SCSI_VPD_BLOCK_LIMITS, SCSI_VPD_LOGICAL_BLOCK_PROVISIONING};

/* One VPD page into out (at least 64 bytes); returns its length, or 0 for a page not supported. */
static size_t inquiry_vpd(const struct lun *lun, uint8_t page, uint8_t *out)
{
    size_t len = 4;
    memset(out, 0, 64);
    out[1] = page;
    switch (page) {
    case SCSI_VPD_SUPPORTED_PAGES: /* SPC-5 7.7.15 */
        memcpy(out + 4, vpd_pages, sizeof(vpd_pages));
        len += sizeof(vpd_pages);
        break;
    case SCSI_VPD_UNIT_SERIAL: { /* SPC-5 7.7.16: ASCII */
        char serial[16];
        scsi_emul_serial(lun, serial);
        memcpy(out + 4, serial, strlen(serial));
        len += strlen(serial);
        break;
    }
    case SCSI_VPD_DEVICE_ID: { /* SPC-5 7.7.6: a T10 vendor ID designator and an NAA one */
        char serial[16];
        scsi_emul_serial(lun, serial);
        uint8_t *d = out + 4;
        d[0] = 0x02; /* CODE SET: ASCII */
        d[1] = 0x01; /* ASSOCIATION: the LU; DESIGNATOR TYPE: T10 vendor ID */
        d[3] = (uint8_t)(8 + strlen(serial));
        put_ascii(d + 4, VENDOR, 8);
        memcpy(d + 12, serial, strlen(serial));
        d += 4 + d[3];
        d[0] = 0x01; /* CODE SET: binary */
        d[1] = 0x03; /* DESIGNATOR TYPE: NAA */
        d[3] = 8;
        /* NAA 5 (IEEE registered) with a locally made-up company id, unique per LUN */
        uint64_t naa = 0x5000000000000000ull | 0x0123450ull << 36 | (uint64_t)lun->target << 16 | lun->lun;
        scsi_put_be64(d + 4, naa);
        d += 12;
        len = (size_t)(d - out);
        break;
    }
    case SCSI_VPD_BLOCK_LIMITS: /* SBC-4 6.6.4 */
        len = 64;
        out[4] = 0x01; /* WSNZ: a WRITE SAME of 0 blocks is refused */
        scsi_put_be32(out + 8, MAX_TRANSFER_BLOCKS);
        scsi_put_be32(out + 12, 8);
        scsi_put_be32(out + 20, MAX_UNMAP_BLOCKS);
        scsi_put_be32(out + 24, MAX_UNMAP_DESCRIPTORS);
        scsi_put_be32(out + 28, 1);
        scsi_put_be64(out + 36, MAX_WRITE_SAME_BLOCKS);
        break;
    case SCSI_VPD_LOGICAL_BLOCK_PROVISIONING: /* SBC-4 6.6.6 */
        len = 8;
        out[5] = 0x80 | 0x40 | 0x20 | 0x04; /* LBPU, LBPWS, LBPWS10, LBPRZ 001b: unmapped reads zero */
        out[6] = 0x02;                       /* PROVISIONING TYPE: thin */
        break;
    default:
        return 0;
    }
    out[0] = 0x00; /* a disk, qualifier 000b */
    scsi_put_be16(out + 2, (uint16_t)(len - 4));
    return len;
}

static void inquiry(const struct lun *lun, const uint8_t *cdb, uint8_t *data_in, size_t cap,
                    struct scsi_emul_result *r)
{
    bool evpd = cdb[1] & 1;
    uint16_t alloc = scsi_get_be16(cdb + 3);
    uint8_t buf[64];
    if (!evpd) {
        if (cdb[2] != 0) /* SPC-5 6.7.1: PAGE CODE must be 0 without EVPD */
            return invalid_field(r);
        inquiry_standard(lun, buf);
        return reply(r, buf, 36, alloc, data_in, cap);
    }
    if (!lun) /* SPC-5 6.7.1: no VPD for a LUN that is not there */
        return scsi_emul_check_condition(r, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LOGICAL_UNIT_NOT_SUPPORTED, 0);
    size_t len = inquiry_vpd(lun, cdb[2], buf);
    if (len == 0)
        return invalid_field(r);
    reply(r, buf, len, alloc, data_in, cap);
}

/* SPC-5 6.33: the LUN inventory of the target, each LUN in the form QEMU and lunbench use:
 * peripheral device addressing below 256, flat space addressing from 256 (SAM-5 4.7). */
static void report_luns(const struct lun_target *tg, const uint8_t *cdb, uint8_t *data_in, size_t cap,
                        struct scsi_emul_result *r)
{
    uint8_t select = cdb[2];
    uint32_t alloc = scsi_get_be32(cdb + 6);
    if (select > 2 || alloc < 16) /* SPC-5 6.35: SELECT REPORT 00h-02h, at least 16 bytes */
        return invalid_field(r);
    /* 01h: well-known LUNs only, of which there are none; 00h and 02h: every LUN still there */
    size_t count = 0;
    for (size_t i = 0; select != 1 && i < tg->count; i++)
        count += !tg->luns[tg->present[i]]->gone;
    size_t limit = alloc < cap ? alloc : cap;
    uint8_t hdr[8] = {0};
    scsi_put_be32(hdr, (uint32_t)(count * 8));
    size_t n = limit < 8 ? limit : 8;
    memcpy(data_in, hdr, n);
    for (size_t i = 0; select != 1 && i < tg->count && n + 8 <= limit; i++) {
        uint16_t l = tg->present[i];
        if (tg->luns[l]->gone)
            continue;
        uint8_t *e = data_in + n;
        memset(e, 0, 8);
        e[0] = l < 256 ? 0 : (uint8_t)(0x40 | l >> 8);
        e[1] = (uint8_t)l;
        n += 8;
    }
    r->data_len = n;
}

static void read_capacity10(const struct lun *lun, uint8_t *data_in, size_t cap, struct scsi_emul_result *r)
{
    uint8_t buf[8];
    uint64_t last = lun->blocks - 1;
    scsi_put_be32(buf, last > 0xffffffffull ? 0xffffffffu : (uint32_t)last); /* SBC-4 5.20.2 */
    scsi_put_be32(buf + 4, lun->block_size);
    reply(r, buf, 8, 8, data_in, cap);
}

static void read_capacity16(const struct lun *lun, const uint8_t *cdb, uint8_t *data_in, size_t cap,
                            struct scsi_emul_result *r)
{
    uint8_t buf[32] = {0};
    scsi_put_be64(buf, lun->blocks - 1);
    scsi_put_be32(buf + 8, lun->block_size);
    /* LBPME, LBPRZ (SBC-4 5.21.2), as page B2 says for every store: null and sparse blocks both
     * read as zeros until written. */
    buf[14] = 0x80 | 0x40;
    reply(r, buf, 32, scsi_get_be32(cdb + 10), data_in, cap);
}

/* SBC-4 4.5: the range [lba, lba + blocks) must lie inside the medium. */
static bool range_ok(const struct lun *lun, uint64_t lba, uint64_t blocks)
{
    return lba <= lun->blocks && blocks <= lun->blocks - lba;
}

static void read_write(struct lun *lun, bool write, bool fua, uint64_t lba, uint64_t blocks, const uint8_t *data_out,
                       size_t out_len, uint8_t *data_in, size_t cap, struct scsi_emul_result *r)
{
    if (!range_ok(lun, lba, blocks))
        return lba_out_of_range(r);
    uint64_t bytes = blocks * lun->block_size;
    if (bytes > (write ? out_len : cap)) {
        r->response = VIRTIO_SCSI_S_OVERRUN; /* virtio 1.2 5.6.6.1: the buffers cannot hold it */
        return;
    }
    uint64_t offset = lba * lun->block_size;
    int rc;
    if (!write) {
        rc = block_store_read(&lun->store, offset, data_in, (size_t)bytes);
        write_cache_overlay(&lun->cache, lba, data_in, blocks); /* the newest data is in the cache */
    } else if (lun->wce && !fua) {
        rc = write_cache_put(&lun->cache, lba, data_out, blocks); /* acknowledged, not yet on the medium */
    } else {
        /* SBC-4 5.40: FUA (or no write cache): on the medium before the status; cached older
         * copies of these blocks must not be destaged over it later */
        write_cache_forget(&lun->cache, lba, blocks);
        rc = block_store_write(&lun->store, offset, data_out, (size_t)bytes);
    }
    if (rc < 0)
        return scsi_emul_check_condition(r, SCSI_SENSE_HARDWARE_ERROR, 0x44, 0x00); /* INTERNAL TARGET FAILURE */
    if (!write)
        r->data_len = (size_t)bytes;
}

/* SPC-5 7.5: the caching (08h) and control (0Ah) mode pages; pc 1 (changeable) gives zeroes. */
static size_t mode_page(const struct lun *lun, uint8_t page, uint8_t pc, uint8_t *out)
{
    size_t len;
    if (page == 0x08) {
        len = 20;
        memset(out, 0, len);
        out[0] = 0x08;
        out[1] = 0x12;
        if (pc != 1 && lun->wce)
            out[2] = 0x04; /* WCE (SBC-4 6.5.5): writes are acknowledged from a volatile cache */
    } else if (page == 0x0a) {
        len = 12;
        memset(out, 0, len);
        out[0] = 0x0a;
        out[1] = 0x0a;
        if (pc != 1)
            out[3] = 0x10; /* QUEUE ALGORITHM MODIFIER 1: unrestricted reordering */
    } else {
        return 0;
    }
    return len;
}

static void mode_sense(const struct lun *lun, const uint8_t *cdb, bool ten, uint8_t *data_in, size_t cap,
                       struct scsi_emul_result *r)
{
    bool dbd = cdb[1] & 0x08, llbaa = ten && (cdb[1] & 0x10);
    uint8_t pc = cdb[2] >> 6, page = cdb[2] & 0x3f, subpage = cdb[3];
    size_t alloc = ten ? scsi_get_be16(cdb + 7) : cdb[4];
    if (pc == 3) /* saved values */
        return scsi_emul_check_condition(r, SCSI_SENSE_ILLEGAL_REQUEST, 0x39, 0x00); /* SAVING PARAMETERS NOT SUPPORTED */
    if (subpage != 0 && !(page == 0x3f && subpage == 0xff))
        return invalid_field(r);
    uint8_t buf[128] = {0};
    size_t hdr = ten ? 8 : 4, n = hdr;
    size_t bd = dbd ? 0 : (llbaa ? 16 : 8);
    if (bd == 8) {
        uint64_t blocks = lun->blocks > 0xffffffffull ? 0xffffffffull : lun->blocks;
        scsi_put_be32(buf + n, (uint32_t)blocks);
        scsi_put_be32(buf + n + 4, lun->block_size & 0xffffff); /* density code 0 in byte 4 */
    } else if (bd == 16) {
        scsi_put_be64(buf + n, lun->blocks);
        scsi_put_be32(buf + n + 12, lun->block_size);
    }
    n += bd;
    if (page == 0x3f) {
        n += mode_page(lun, 0x08, pc, buf + n);
        n += mode_page(lun, 0x0a, pc, buf + n);
    } else {
        size_t len = mode_page(lun, page, pc, buf + n);
        if (len == 0)
            return invalid_field(r);
        n += len;
    }
    if (ten) {
        scsi_put_be16(buf, (uint16_t)(n - 2));
        buf[3] = 0x10; /* DPOFUA */
        buf[4] = llbaa ? 1 : 0;
        scsi_put_be16(buf + 6, (uint16_t)bd);
    } else {
        buf[0] = (uint8_t)(n - 1);
        buf[2] = 0x10;
        buf[3] = (uint8_t)bd;
    }
    reply(r, buf, n, alloc, data_in, cap);
}

/* SPC-5 6.39: the pending UNIT ATTENTION, or NO SENSE; the command itself is GOOD. */
static void request_sense(struct lun *lun, const uint8_t *cdb, uint8_t *data_in, size_t cap,
                          struct scsi_emul_result *r)
{
    struct scsi_emul_result s;
    memset(&s, 0, sizeof(s));
    if (lun && lun->ua_pending) {
        scsi_emul_check_condition(&s, SCSI_SENSE_UNIT_ATTENTION, lun->ua_asc, lun->ua_ascq);
        lun->ua_pending = false;
    } else if (lun) {
        scsi_emul_check_condition(&s, SCSI_SENSE_NO_SENSE, 0, 0);
    } else {
        scsi_emul_check_condition(&s, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LOGICAL_UNIT_NOT_SUPPORTED, 0);
    }
    if (cdb[1] & 0x01) { /* DESC: descriptor format, no descriptors (SPC-5 4.4.2) */
        uint8_t desc[8] = { 0x72, s.sense[2] & 0x0f, s.sense[12], s.sense[13] };
        return reply(r, desc, sizeof desc, cdb[4], data_in, cap);
    }
    reply(r, s.sense, SCSI_EMUL_SENSE_LEN, cdb[4], data_in, cap);
}

/* SBC-4 5.30: UNMAP's parameter list: an 8-byte header and 16-byte block descriptors. */
static void unmap(struct lun *lun, const uint8_t *cdb, const uint8_t *data, size_t len, struct scsi_emul_result *r)
{
    size_t plen = scsi_get_be16(cdb + 7);
    if (plen == 0)
        return; /* nothing to do (5.30.1) */
    if (plen < 8 || plen > len)
        return scsi_emul_check_condition(r, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x00); /* INVALID FIELD IN PARAMETER LIST */
    size_t dlen = scsi_get_be16(data + 2);
    if (dlen % 16 || 8 + dlen > plen || dlen / 16 > MAX_UNMAP_DESCRIPTORS)
        return scsi_emul_check_condition(r, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x00);
    for (size_t i = 0; i < dlen / 16; i++) { /* check them all before changing anything */
        const uint8_t *d = data + 8 + 16 * i;
        uint64_t lba = scsi_get_be64(d);
        uint32_t n = scsi_get_be32(d + 8);
        if (!range_ok(lun, lba, n))
            return lba_out_of_range(r);
        if (n > MAX_UNMAP_BLOCKS)
            return scsi_emul_check_condition(r, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x00);
    }
    for (size_t i = 0; i < dlen / 16; i++) {
        const uint8_t *d = data + 8 + 16 * i;
        write_cache_forget(&lun->cache, scsi_get_be64(d), scsi_get_be32(d + 8));
        block_store_discard(&lun->store, scsi_get_be64(d) * lun->block_size,
                            (uint64_t)scsi_get_be32(d + 8) * lun->block_size);
    }
}

/* SBC-4 5.49/5.50: one block of data-out (or zeroes with NDOB) written over the range; with
 * UNMAP set and a zero block the range is deallocated instead. */
static void write_same(struct lun *lun, const uint8_t *cdb, bool sixteen, const uint8_t *data, size_t len,
                       struct scsi_emul_result *r)
{
    bool unmap_bit = cdb[1] & 0x08, ndob = sixteen && (cdb[1] & 0x01);
    uint64_t lba = sixteen ? scsi_get_be64(cdb + 2) : scsi_get_be32(cdb + 2);
    uint64_t blocks = sixteen ? scsi_get_be32(cdb + 10) : scsi_get_be16(cdb + 7);
    if (blocks == 0 || blocks > MAX_WRITE_SAME_BLOCKS) /* WSNZ is set in Block Limits */
        return invalid_field(r);
    if (!range_ok(lun, lba, blocks))
        return lba_out_of_range(r);
    if (!ndob && len < lun->block_size) {
        r->response = VIRTIO_SCSI_S_OVERRUN;
        return;
    }
    write_cache_forget(&lun->cache, lba, blocks); /* written through to the medium below */
    bool zero = true;
    for (size_t i = 0; !ndob && i < lun->block_size && zero; i++)
        zero = data[i] == 0;
    if (zero && (unmap_bit || ndob)) {
        block_store_discard(&lun->store, lba * lun->block_size, blocks * lun->block_size);
        return;
    }
    static const uint8_t zeroes[4096];
    for (uint64_t b = 0; b < blocks; b++) {
        const uint8_t *src = ndob ? zeroes : data;
        if (block_store_write(&lun->store, (lba + b) * lun->block_size, src, lun->block_size) < 0)
            return scsi_emul_check_condition(r, SCSI_SENSE_HARDWARE_ERROR, 0x44, 0x00);
    }
}

/* SPC-5 5.14: the commands a pending UNIT ATTENTION does not stop. */
static bool passes_unit_attention(uint8_t op)
{
    return op == SCSI_OP_INQUIRY || op == SCSI_OP_REPORT_LUNS || op == SCSI_OP_REQUEST_SENSE;
}

/* The CDB length each operation code's group implies (SPC-5 4.2.5.1). */
static size_t cdb_length(uint8_t op)
{
    switch (op >> 5) {
    case 0: return 6;
    case 1: case 2: return 10;
    case 4: return 16;
    case 5: return 12;
    default: return 0;
    }
}

void scsi_emul_execute(const struct lun_target *tg, struct lun *lun, const uint8_t *cdb, size_t cdb_len,
                       const uint8_t *data_out, size_t data_out_len, uint8_t *data_in, size_t data_in_cap,
                       struct scsi_emul_result *r)
{
    memset(r, 0, sizeof(*r));
    r->response = VIRTIO_SCSI_S_OK;
    uint8_t op = cdb_len ? cdb[0] : 0xff;
    size_t need = cdb_len ? cdb_length(op) : 1;
    if (need == 0 || need > cdb_len)
        return scsi_emul_check_condition(r, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_COMMAND_OPERATION_CODE, 0);
    if (cdb[need - 1] & 0x04) /* NACA in the CONTROL byte, and no ACA here (SAM-5 5.3.3) */
        return invalid_field(r);
    if (op == SCSI_OP_REPORT_LUNS)
        return report_luns(tg, cdb, data_in, data_in_cap, r);
    if (op == SCSI_OP_INQUIRY)
        return inquiry(lun, cdb, data_in, data_in_cap, r);
    if (op == SCSI_OP_REQUEST_SENSE)
        return request_sense(lun, cdb, data_in, data_in_cap, r);
    if (!lun)
        return scsi_emul_check_condition(r, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LOGICAL_UNIT_NOT_SUPPORTED, 0);
    if (lun->ua_pending && !passes_unit_attention(op)) {
        lun->ua_pending = false;
        return scsi_emul_check_condition(r, SCSI_SENSE_UNIT_ATTENTION, lun->ua_asc, lun->ua_ascq);
    }
    switch (op) {
    case SCSI_OP_TEST_UNIT_READY:
        return;
    case SCSI_OP_READ_CAPACITY10:
        return read_capacity10(lun, data_in, data_in_cap, r);
    case SCSI_OP_SERVICE_ACTION_IN16:
        if ((cdb[1] & 0x1f) != SCSI_SAI_READ_CAPACITY16)
            return invalid_field(r);
        return read_capacity16(lun, cdb, data_in, data_in_cap, r);
    case SCSI_OP_READ10:
    case SCSI_OP_WRITE10:
        return read_write(lun, op == SCSI_OP_WRITE10, cdb[1] & 0x08, scsi_get_be32(cdb + 2), scsi_get_be16(cdb + 7),
                          data_out, data_out_len, data_in, data_in_cap, r);
    case SCSI_OP_READ16:
    case SCSI_OP_WRITE16:
        return read_write(lun, op == SCSI_OP_WRITE16, cdb[1] & 0x08, scsi_get_be64(cdb + 2), scsi_get_be32(cdb + 10),
                          data_out, data_out_len, data_in, data_in_cap, r);
    case SCSI_OP_SYNCHRONIZE_CACHE10:
    case SCSI_OP_SYNCHRONIZE_CACHE16: {
        bool ten = op == SCSI_OP_SYNCHRONIZE_CACHE10;
        uint64_t lba = ten ? scsi_get_be32(cdb + 2) : scsi_get_be64(cdb + 2);
        uint64_t blocks = ten ? scsi_get_be16(cdb + 7) : scsi_get_be32(cdb + 10);
        if (lba > lun->blocks || (blocks && !range_ok(lun, lba, blocks)))
            return lba_out_of_range(r);
        /* SBC-4 5.24: the range (the whole cache here, which the command allows) reaches the medium */
        if (write_cache_flush(&lun->cache, &lun->store) < 0)
            return scsi_emul_check_condition(r, SCSI_SENSE_HARDWARE_ERROR, 0x44, 0x00);
        return;
    }
    case SCSI_OP_MODE_SENSE6:
    case SCSI_OP_MODE_SENSE10:
        return mode_sense(lun, cdb, op == SCSI_OP_MODE_SENSE10, data_in, data_in_cap, r);
    case SCSI_OP_UNMAP:
        return unmap(lun, cdb, data_out, data_out_len, r);
    case SCSI_OP_WRITE_SAME10:
    case SCSI_OP_WRITE_SAME16:
        return write_same(lun, cdb, op == SCSI_OP_WRITE_SAME16, data_out, data_out_len, r);
    default:
        return scsi_emul_check_condition(r, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_COMMAND_OPERATION_CODE, 0);
    }
}
