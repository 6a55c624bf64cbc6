/* SCSI commands answered for a virtio-blk disk (drivers/virtio/virtio_blk_scsi.h): SPC-5 and
 * SBC-4 answers built from the configuration, and reads, writes and flushes as virtio-blk
 * requests (virtio 1.2, 5.2.6). */
#include "drivers/virtio/virtio_blk_scsi.h"

#include <stdio.h>
#include <string.h>

#define VENDOR "VIRTIO  "
#define PRODUCT "virtio-blk      "

static void reply_with(struct vblk_translation *t, const uint8_t *reply, uint32_t len, uint8_t *data, uint32_t data_len)
{
    uint32_t n = len < data_len ? len : data_len;
    if (n)
        memcpy(data, reply, n);
    t->action = VBLK_ACTION_ANSWERED;
    t->status = SCSI_STATUS_GOOD;
    t->data_in_len = n;
}

/* CHECK CONDITION with fixed-format sense (SPC-5 4.4.3); field is the CDB byte an INVALID FIELD
 * IN CDB points at (SPC-5 4.4.2.4.2: SKSV, C/D), or -1 for none. */
static void check_condition(struct vblk_translation *t, uint8_t key, uint8_t asc, uint8_t ascq, int field)
{
    memset(t->sense, 0, sizeof t->sense);
    t->action = VBLK_ACTION_ANSWERED;
    t->status = SCSI_STATUS_CHECK_CONDITION;
    t->sense[0] = SCSI_SENSE_FIXED_CURRENT;
    t->sense[2] = key;
    t->sense[7] = VBLK_SCSI_SENSE_LEN - 8;
    t->sense[12] = asc;
    t->sense[13] = ascq;
    if (field >= 0) {
        t->sense[15] = 0xc0;
        scsi_put_be16(t->sense + 16, (uint16_t)field);
    }
    t->sense_len = VBLK_SCSI_SENSE_LEN;
    t->data_in_len = 0;
}

static void invalid_field(struct vblk_translation *t, int field)
{
    check_condition(t, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0, field);
}

static void standard_inquiry(const struct vblk_disk *d, bool present, uint8_t *data, uint32_t data_len,
                             struct vblk_translation *t)
{
    uint8_t r[36] = { 0 };
    if (!present) {
        r[0] = 0x7f; /* SPC-5 6.7.2: qualifier 3, type 1Fh: no logical unit here */
        reply_with(t, r, 36, data, data_len);
        return;
    }
    r[0] = SCSI_TYPE_DISK;
    r[2] = 6;  /* VERSION: SPC-4 */
    r[3] = 2;  /* RESPONSE DATA FORMAT 2 (SPC-5 6.7.2) */
    r[4] = 31; /* ADDITIONAL LENGTH: 36 bytes in all */
    r[7] = 0x02; /* CMDQUE: commands are queued */
    memcpy(r + 8, VENDOR, 8);
    memcpy(r + 16, PRODUCT, 16);
    memcpy(r + 32, d->legacy ? "0.9 " : "1.2 ", 4);
    reply_with(t, r, 36, data, data_len);
}

static void vpd_page(const struct vblk_disk *d, uint8_t page, uint8_t *data, uint32_t data_len,
                     struct vblk_translation *t)
{
    const struct vblk_config *c = d->config;
    uint8_t r[4 + 64] = { 0 };
    uint16_t len = 0;
    r[0] = SCSI_TYPE_DISK;
    r[1] = page;
    switch (page) {
    case SCSI_VPD_SUPPORTED_PAGES: /* SPC-5 7.7.16, in ascending order */
        r[4 + len++] = SCSI_VPD_SUPPORTED_PAGES;
        r[4 + len++] = SCSI_VPD_DEVICE_ID;
        r[4 + len++] = SCSI_VPD_BLOCK_LIMITS;
        break;
    case SCSI_VPD_DEVICE_ID: { /* SPC-5 7.7.6: one T10 vendor ID designator for the LUN */
        char id[48];
        int n = snprintf(id, sizeof id, "%s%s%s", VENDOR, "virtio-blk ", d->name ? d->name : "");
        if (n < 0)
            n = 0;
        if ((size_t)n >= sizeof id)
            n = sizeof id - 1;
        r[4] = 0x02;                 /* CODE SET: ASCII */
        r[5] = 0x01;                 /* ASSOCIATION: the LUN; DESIGNATOR TYPE: T10 vendor ID */
        r[7] = (uint8_t)n;
        memcpy(r + 8, id, (size_t)n);
        len = (uint16_t)(4 + n);
        break;
    }
    case SCSI_VPD_BLOCK_LIMITS: { /* SBC-4 6.6.4: page length 3Ch */
        len = 0x3c;
        uint64_t max_blocks = d->max_transfer / c->blk_size;
        scsi_put_be16(r + 6, c->min_io_size);                      /* OPTIMAL TRANSFER LENGTH GRANULARITY */
        scsi_put_be32(r + 8, max_blocks > UINT32_MAX ? UINT32_MAX : (uint32_t)max_blocks); /* MAXIMUM TRANSFER LENGTH */
        scsi_put_be32(r + 12, c->opt_io_size);                     /* OPTIMAL TRANSFER LENGTH */
        break;
    }
    default:
        invalid_field(t, 2);
        return;
    }
    scsi_put_be16(r + 2, len);
    reply_with(t, r, 4u + len, data, data_len);
}

/* The caching mode page (SBC-4 6.5.5): WCE says whether the cache is write-back. */
static size_t caching_page(const struct vblk_config *c, bool changeable, uint8_t *p)
{
    memset(p, 0, 20);
    p[0] = 0x08;
    p[1] = 0x12;
    if (!changeable && c->writeback)
        p[2] = 0x04; /* WCE */
    return 20;
}

/* MODE SENSE (6) and (10) (SPC-5 6.14, 6.15): the header's WP bit (SBC-4 6.5.1) and the caching
 * page; no block descriptors. */
static void mode_sense(const struct vblk_disk *d, const uint8_t *cdb, bool ten, uint8_t *data, uint32_t data_len,
                       struct vblk_translation *t)
{
    uint8_t pc = cdb[2] >> 6, page = cdb[2] & 0x3f, subpage = cdb[3];
    if (pc == 3) {
        check_condition(t, SCSI_SENSE_ILLEGAL_REQUEST, 0x39, 0x00, -1); /* SAVING PARAMETERS NOT SUPPORTED */
        return;
    }
    if ((page != 0x08 && page != 0x3f) || (subpage != 0 && !(page == 0x3f && subpage == 0xff))) {
        invalid_field(t, 2);
        return;
    }
    uint8_t r[8 + 20];
    size_t header = ten ? 8 : 4;
    memset(r, 0, header);
    size_t len = header + caching_page(d->config, pc == 1, r + header);
    uint8_t device_specific = d->config->read_only ? 0x80 : 0;
    if (ten) {
        scsi_put_be16(r, (uint16_t)(len - 2));
        r[3] = device_specific;
    } else {
        r[0] = (uint8_t)(len - 1);
        r[2] = device_specific;
    }
    uint32_t alloc = ten ? scsi_get_be16(cdb + 7) : cdb[4];
    reply_with(t, r, (uint32_t)(len < alloc ? len : alloc), data, data_len);
}

static void read_capacity(const struct vblk_disk *d, bool sixteen, const uint8_t *cdb, uint8_t *data,
                          uint32_t data_len, struct vblk_translation *t)
{
    const struct vblk_config *c = d->config;
    if (c->blocks == 0) {
        /* Nothing to address: NOT READY, as a scsi-hd of zero bytes answers (02/04/03). */
        check_condition(t, SCSI_SENSE_NOT_READY, 0x04, 0x03, -1);
        return;
    }
    uint64_t last = c->blocks - 1;
    uint8_t r[32] = { 0 };
    if (!sixteen) {
        /* SBC-4 5.20.2: FFFFFFFFh when the last LBA does not fit. */
        scsi_put_be32(r, last > 0xfffffffeull ? 0xffffffffu : (uint32_t)last);
        scsi_put_be32(r + 4, c->blk_size);
        reply_with(t, r, 8, data, data_len);
        return;
    }
    scsi_put_be64(r, last);
    scsi_put_be32(r + 8, c->blk_size);
    r[13] = c->physical_block_exp & 0x0f;             /* LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT */
    scsi_put_be16(r + 14, c->alignment_offset & 0x3fff); /* LOWEST ALIGNED LOGICAL BLOCK ADDRESS */
    uint32_t alloc = scsi_get_be32(cdb + 10);
    reply_with(t, r, alloc < 32 ? alloc : 32, data, data_len);
}

static void answer_report_luns(const uint8_t *cdb, uint8_t *data, uint32_t data_len, struct vblk_translation *t)
{
    uint8_t select = cdb[2];
    if (scsi_get_be32(cdb + 6) < 16) {
        invalid_field(t, 6); /* SPC-5 6.33: an allocation length below 16 */
        return;
    }
    if (select != 0x00 && select != 0x01 && select != 0x02) {
        invalid_field(t, 2);
        return;
    }
    uint8_t r[16] = { 0 };
    /* LUN 0 for SELECT REPORT 00h and 02h; 01h asks for well-known LUNs only: none. */
    scsi_put_be32(r, select == 0x01 ? 0 : 8);
    reply_with(t, r, select == 0x01 ? 8 : 16, data, data_len);
}

static void read_write(const struct vblk_disk *d, const uint8_t *cdb, unsigned cdb_len, bool write, uint32_t buffer,
                       struct vblk_translation *t)
{
    uint64_t sector;
    uint32_t bytes;
    switch (vblk_scsi_rw_verdict(d, cdb, cdb_len, write, buffer, &sector, &bytes)) {
    case VBLK_RW_BAD_CDB:
        invalid_field(t, 0);
        return;
    case VBLK_RW_OUT_OF_RANGE: /* 5.2.6.1: the driver MUST NOT read or write beyond capacity; SBC-4 4.5 */
        check_condition(t, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00, -1);
        return;
    case VBLK_RW_READ_ONLY: /* VIRTIO_BLK_F_RO: the device would fail the write; say why, as scsi-hd does */
        check_condition(t, SCSI_SENSE_DATA_PROTECT, 0x27, 0x00, -1);
        return;
    case VBLK_RW_EMPTY: /* SBC-4: a transfer length of 0 moves nothing and is not an error */
        reply_with(t, NULL, 0, NULL, 0);
        return;
    case VBLK_RW_TOO_LONG: /* past Block Limits */
        invalid_field(t, cdb_len == 6 ? 4 : cdb_len == 10 ? 7 : cdb_len == 12 ? 6 : 10);
        return;
    case VBLK_RW_OVERRUN:
        t->action = VBLK_ACTION_OVERRUN;
        return;
    case VBLK_RW_REQUEST:
        break;
    }
    t->action = VBLK_ACTION_REQUEST;
    t->type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
    t->sector = sector;
    t->bytes = bytes;
}

static void synchronize_cache(const struct vblk_disk *d, const uint8_t *cdb, unsigned cdb_len,
                              struct vblk_translation *t)
{
    uint64_t lba;
    uint32_t blocks;
    if (!vblk_scsi_rw_fields(cdb, cdb_len, &lba, &blocks)) {
        invalid_field(t, 0);
        return;
    }
    if (lba > d->config->blocks || blocks > d->config->blocks - lba) {
        check_condition(t, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00, -1);
        return;
    }
    if (!d->config->flush) {
        /* 5.2.5: without VIRTIO_BLK_F_FLUSH the cache is write-through: nothing to flush. */
        reply_with(t, NULL, 0, NULL, 0);
        return;
    }
    /* 5.2.6.1: a flush carries sector 0 and no data; it covers the whole disk. */
    t->action = VBLK_ACTION_REQUEST;
    t->type = VIRTIO_BLK_T_FLUSH;
    t->sector = 0;
    t->bytes = 0;
}

void vblk_scsi_translate(const struct vblk_disk *disk, uint16_t lun, const uint8_t *cdb, unsigned cdb_len,
                         uint8_t *data, uint32_t data_len, uint32_t data_out_len, struct vblk_translation *t)
{
    /* Not a memset of the whole answer: this runs for every I/O, and each path sets what it says. */
    t->sense_len = 0;
    t->data_in_len = 0;
    if (cdb_len == 0) {
        check_condition(t, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_COMMAND_OPERATION_CODE, 0, 0);
        return;
    }
    uint8_t op = cdb[0];
    if (op == SCSI_OP_INQUIRY && cdb_len >= 6) {
        uint32_t alloc = scsi_get_be16(cdb + 3);
        uint32_t room = alloc < data_len ? alloc : data_len;
        if (lun != 0)
            standard_inquiry(disk, false, data, room, t);
        else if (cdb[1] & 0x01)
            vpd_page(disk, cdb[2], data, room, t);
        else if (cdb[2] != 0)
            invalid_field(t, 2); /* SPC-5 6.7.1: a PAGE CODE without EVPD */
        else
            standard_inquiry(disk, true, data, room, t);
        return;
    }
    if (op == SCSI_OP_REPORT_LUNS && cdb_len >= 12) {
        answer_report_luns(cdb, data, data_len, t);
        return;
    }
    if (lun != 0) {
        check_condition(t, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LOGICAL_UNIT_NOT_SUPPORTED, 0, -1);
        return;
    }
    switch (op) {
    case SCSI_OP_TEST_UNIT_READY:
        if (disk->config->blocks == 0)
            check_condition(t, SCSI_SENSE_NOT_READY, 0x04, 0x03, -1);
        else
            reply_with(t, NULL, 0, NULL, 0);
        return;
    case SCSI_OP_REQUEST_SENSE: {
        if (cdb_len < 6 || (cdb[1] & 0x01)) {
            invalid_field(t, 1); /* DESC: descriptor-format sense is not offered */
            return;
        }
        /* Nothing is ever pending: NO SENSE (SPC-5 6.39). */
        uint8_t r[VBLK_SCSI_SENSE_LEN] = { SCSI_SENSE_FIXED_CURRENT, 0, SCSI_SENSE_NO_SENSE, 0, 0, 0, 0,
                                           VBLK_SCSI_SENSE_LEN - 8 };
        reply_with(t, r, cdb[4] < sizeof r ? cdb[4] : sizeof r, data, data_len);
        return;
    }
    case SCSI_OP_READ_CAPACITY10:
        if (cdb_len < 10) {
            invalid_field(t, 0);
            return;
        }
        read_capacity(disk, false, cdb, data, data_len, t);
        return;
    case SCSI_OP_SERVICE_ACTION_IN16:
        if (cdb_len >= 16 && (cdb[1] & 0x1f) == SCSI_SAI_READ_CAPACITY16) {
            read_capacity(disk, true, cdb, data, data_len, t);
            return;
        }
        invalid_field(t, 1);
        return;
    case SCSI_OP_MODE_SENSE6:
        if (cdb_len < 6) {
            invalid_field(t, 0);
            return;
        }
        mode_sense(disk, cdb, false, data, data_len, t);
        return;
    case SCSI_OP_MODE_SENSE10:
        if (cdb_len < 10) {
            invalid_field(t, 0);
            return;
        }
        mode_sense(disk, cdb, true, data, data_len, t);
        return;
    case SCSI_OP_READ6:
    case SCSI_OP_READ10:
    case SCSI_OP_READ12:
    case SCSI_OP_READ16:
        read_write(disk, cdb, cdb_len, false, data_len, t);
        return;
    case SCSI_OP_WRITE6:
    case SCSI_OP_WRITE10:
    case SCSI_OP_WRITE12:
    case SCSI_OP_WRITE16:
        read_write(disk, cdb, cdb_len, true, data_out_len, t);
        return;
    case SCSI_OP_SYNCHRONIZE_CACHE10:
    case SCSI_OP_SYNCHRONIZE_CACHE16:
        synchronize_cache(disk, cdb, cdb_len, t);
        return;
    default:
        check_condition(t, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_COMMAND_OPERATION_CODE, 0, 0);
        return;
    }
}

bool vblk_scsi_complete_error(uint8_t status, uint32_t type, struct vblk_translation *t)
{
    switch (status) {
    case VIRTIO_BLK_S_IOERR:
        check_condition(t, SCSI_SENSE_MEDIUM_ERROR, type == VIRTIO_BLK_T_IN ? 0x11 : 0x0c, 0x00, -1);
        return true;
    case VIRTIO_BLK_S_UNSUPP:
        check_condition(t, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_COMMAND_OPERATION_CODE, 0, -1);
        return true;
    default:
        return false;
    }
}
