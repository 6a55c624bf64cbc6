#include "tests/unit/fake_hba.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/scsi/scsi.h"

static uint64_t fake_clock;

uint64_t fake_clock_now(void) { return ++fake_clock; }
void fake_clock_set(uint64_t t) { fake_clock = t; }

static struct fake_hba *fake_of(const struct hba *h) { return (struct fake_hba *)((char *)h - offsetof(struct fake_hba, base)); }

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (p == NULL)
        abort();
    return p;
}

/* ---- LUN table ---- */

static unsigned slot_of(const struct fake_hba *f, uint8_t target, uint16_t lun)
{
    uint32_t key = (uint32_t)target << 16 | lun;
    return (key * 2654435761u) & (f->index_size - 1);
}

struct fake_lun *fake_hba_find_lun(const struct fake_hba *f, uint8_t target, uint16_t lun)
{
    for (unsigned i = slot_of(f, target, lun);; i = (i + 1) & (f->index_size - 1)) {
        struct fake_lun *l = f->index[i];
        if (l == NULL || (l->target == target && l->lun == lun))
            return l;
    }
}

static void index_insert(struct fake_hba *f, struct fake_lun *l)
{
    unsigned i = slot_of(f, l->target, l->lun);
    while (f->index[i] != NULL)
        i = (i + 1) & (f->index_size - 1);
    f->index[i] = l;
}

struct fake_lun *fake_hba_add_lun(struct fake_hba *f, uint8_t target, uint16_t lun, uint64_t blocks)
{
    struct fake_lun *l = fake_hba_find_lun(f, target, lun);
    if (l == NULL) {
        if ((f->n_luns + 1) * 2 > f->index_size) {
            /* Keep the table at most half full. */
            free(f->index);
            f->index_size *= 2;
            f->index = xcalloc(f->index_size, sizeof *f->index);
            for (unsigned i = 0; i < f->n_luns; i++)
                index_insert(f, f->luns[i]);
        }
        f->luns = realloc(f->luns, (f->n_luns + 1) * sizeof *f->luns);
        if (f->luns == NULL)
            abort();
        l = xcalloc(1, sizeof *l);
        l->target = target;
        l->lun = lun;
        f->luns[f->n_luns++] = l;
        index_insert(f, l);
    }
    free(l->data);
    memset(&l->present, 0, sizeof *l - offsetof(struct fake_lun, present));
    l->present = true;
    l->device_type = SCSI_TYPE_DISK;
    l->blocks = blocks;
    l->block_size = 512;
    l->media_error_lba = -1;
    return l;
}

void fake_lun_store(struct fake_lun *l)
{
    free(l->data);
    l->data = xcalloc(l->blocks, l->block_size);
}

static bool target_has_luns(const struct fake_hba *f, uint8_t target)
{
    for (unsigned i = 0; i < f->n_luns; i++)
        if (f->luns[i]->target == target && f->luns[i]->present)
            return true;
    return false;
}

/* ---- SCSI ---- */

static void set_sense(struct hba_cmd *c, uint8_t key, uint8_t asc, uint8_t ascq)
{
    c->status = SCSI_STATUS_CHECK_CONDITION;
    memset(c->sense, 0, 18);
    c->sense[0] = 0x70;
    c->sense[2] = key;
    c->sense[7] = 10;
    c->sense[12] = asc;
    c->sense[13] = ascq;
    c->sense_len = 18;
}

/* Copy len bytes of reply into the command's data-in buffer, setting the residual. */
static void reply(struct hba_cmd *c, const void *data, uint32_t len)
{
    uint32_t n = len < c->data_len ? len : c->data_len;
    if (n > 0)
        memcpy(c->data, data, n);
    c->residual = c->data_len - n;
}

static void invalid_field(const struct fake_lun *l, struct hba_cmd *c, uint16_t byte);

static void report_luns(const struct fake_hba *f, struct hba_cmd *c)
{
    uint32_t alloc = scsi_get_be32(c->cdb + 6);
    struct fake_hba *mf = (struct fake_hba *)f;
    if (alloc > mf->report_luns_alloc_max)
        mf->report_luns_alloc_max = alloc;
    if (c->cdb[2] > 2 || alloc < 16) { /* SPC-5 6.35: SELECT REPORT 00h-02h, at least 16 bytes */
        invalid_field(NULL, c, c->cdb[2] > 2 ? 2 : 6);
        return;
    }
    uint32_t entries = 0;
    bool has_lun0 = false;
    for (unsigned i = 0; i < f->n_luns; i++)
        if (f->luns[i]->target == c->target && f->luns[i]->present) {
            entries++;
            has_lun0 |= f->luns[i]->lun == 0;
        }
    bool add_lun0 = f->report_lun0_always && !has_lun0;
    entries += add_lun0;
    uint32_t len = 8 + 8 * entries;
    uint8_t *buf = xcalloc(len, 1);
    scsi_put_be32(buf, 8 * entries); /* the whole list, whatever the allocation length (SPC-5 6.33) */
    uint8_t *e = buf + 8;
    if (add_lun0)
        e += 8;
    for (unsigned i = 0; i < f->n_luns; i++) {
        const struct fake_lun *l = f->luns[i];
        if (l->target != c->target || !l->present)
            continue;
        if (l->lun < 256) {
            e[1] = (uint8_t)l->lun; /* peripheral device addressing */
        } else {
            e[0] = (uint8_t)(0x40 | l->lun >> 8); /* flat space addressing (SAM-5 4.7.7) */
            e[1] = (uint8_t)l->lun;
        }
        e += 8;
    }
    reply(c, buf, len);
    free(buf);
}

/* INVALID FIELD IN CDB with a field pointer to CDB byte (SPC-5 4.4.2.4.2), unless the LUN omits it. */
static void invalid_field(const struct fake_lun *l, struct hba_cmd *c, uint16_t byte)
{
    set_sense(c, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0);
    if (l == NULL || !l->no_sks) {
        c->sense[15] = 0xc0; /* SKSV, C/D: in the CDB */
        c->sense[16] = (uint8_t)(byte >> 8);
        c->sense[17] = (uint8_t)byte;
    }
    c->residual = c->data_len;
}

/* The VPD pages: 00 (supported), 80 (serial), 83 (a T10 vendor designator and an NAA one), and
 * for disks B0 (block limits), B1 (characteristics), B2 (provisioning: none). */
static void inquiry_vpd(const struct fake_lun *l, struct hba_cmd *c, uint8_t page)
{
    uint8_t d[68] = { 0 };
    d[0] = l->device_type;
    d[1] = page;
    bool disk = l->device_type == SCSI_TYPE_DISK;
    uint16_t len;
    if (page == 0x00) {
        d[4] = 0x00;
        d[5] = 0x80;
        len = 2;
        if (!l->no_device_id_page)
            d[4 + len++] = 0x83;
        if (disk) {
            d[4 + len++] = 0xb0;
            d[4 + len++] = 0xb1;
            if (!l->no_provisioning_page)
                d[4 + len++] = 0xb2;
        }
    } else if (page == 0x80) {
        char serial[16];
        snprintf(serial, sizeof serial, "FAKE%04u", (unsigned)(l->lun % 10000));
        memcpy(d + 4, serial, 8);
        len = 8;
    } else if (page == 0x83 && !l->no_device_id_page) {
        d[4] = 0x02; /* code set ASCII */
        d[5] = 0x01; /* association LUN, type T10 vendor ID */
        d[7] = 16;
        memcpy(d + 8, "FAKE    DISK0001", 16);
        d[24] = 0x01; /* binary */
        d[25] = 0x03; /* association LUN, type NAA */
        d[27] = 8;
        d[28] = 0x50; /* NAA 5 */
        d[35] = (uint8_t)l->lun;
        len = 32;
    } else if (page == 0xb0 && disk) {
        len = 0x3c;
        scsi_put_be32(d + 8, 2048);  /* MAXIMUM TRANSFER LENGTH */
        scsi_put_be32(d + 12, 128);  /* OPTIMAL TRANSFER LENGTH */
        scsi_put_be32(d + 20, l->unmap_max_blocks);      /* MAXIMUM UNMAP LBA COUNT */
        scsi_put_be32(d + 24, l->unmap_max_descriptors); /* MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT */
    } else if (page == 0xb1 && disk) {
        len = 0x3c;
        scsi_put_be16(d + 4, 1); /* non-rotating */
    } else if (page == 0xb2 && disk && !l->no_provisioning_page) {
        len = 4;
        d[5] = (uint8_t)((l->no_unmap ? 0 : 0x80) | 0x04); /* LBPU; LBPRZ 001b: unmapped blocks read as zeros */
    } else {
        invalid_field(l, c, 2);
        return;
    }
    d[2] = (uint8_t)(len >> 8);
    d[3] = (uint8_t)len;
    reply(c, d, 4u + len);
}

static void inquiry(const struct fake_lun *l, struct hba_cmd *c)
{
    if (l != NULL && l->present && (c->cdb[1] & 1)) {
        inquiry_vpd(l, c, c->cdb[2]);
        return;
    }
    if (l != NULL && l->present && c->cdb[2] != 0) {
        invalid_field(l, c, 2); /* SPC-5 6.7.1: a page code without EVPD */
        return;
    }
    uint8_t d[36] = { 0 };
    if (l == NULL || !l->present) {
        d[0] = 0x7f; /* qualifier 3, type 0x1f: no device here (QEMU's answer) */
    } else {
        d[0] = l->device_type;
        d[1] = l->device_type == SCSI_TYPE_CDROM ? 0x80 : 0;
    }
    d[2] = 6;
    d[3] = (uint8_t)(l != NULL && l->bad_inquiry_format ? 1 : 2);
    d[4] = 31;
    memcpy(d + 8, "FAKE    ", 8);
    memcpy(d + 16, "FAKE DISK       ", 16);
    memcpy(d + 32, "1.0 ", 4);
    reply(c, d, sizeof d);
}

static bool lba_range_ok(const struct fake_lun *l, uint64_t lba, uint32_t blocks)
{
    return lba < l->blocks && blocks <= l->blocks - lba;
}

static void read_write(struct fake_lun *l, struct hba_cmd *c, bool write)
{
    uint64_t lba;
    uint32_t blocks;
    if (c->cdb_len == 6) { /* READ(6): a 21-bit LBA, 0 blocks meaning 256 (SBC-4 5.15) */
        lba = (uint32_t)(c->cdb[1] & 0x1f) << 16 | scsi_get_be16(c->cdb + 2);
        blocks = c->cdb[4] ? c->cdb[4] : 256;
    } else if (c->cdb_len == 12) {
        lba = scsi_get_be32(c->cdb + 2);
        blocks = scsi_get_be32(c->cdb + 6);
    } else {
        lba = c->cdb_len == 16 ? scsi_get_be64(c->cdb + 2) : scsi_get_be32(c->cdb + 2);
        blocks = c->cdb_len == 16 ? scsi_get_be32(c->cdb + 10) : scsi_get_be16(c->cdb + 7);
    }
    if ((uint64_t)blocks * l->block_size > c->data_len) { /* virtio 1.2 5.6.6.1: the buffers are too small */
        c->response = HBA_RESPONSE_OVERRUN;
        c->residual = c->data_len;
        return;
    }
    if (!lba_range_ok(l, lba, blocks)) {
        set_sense(c, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00); /* LBA OUT OF RANGE */
        return;
    }
    if (write && l->write_protected) {
        set_sense(c, SCSI_SENSE_DATA_PROTECT, 0x27, 0x00);
        return;
    }
    if (l->media_error_lba >= 0 && (uint64_t)l->media_error_lba >= lba && (uint64_t)l->media_error_lba < lba + blocks) {
        set_sense(c, SCSI_SENSE_MEDIUM_ERROR, 0x11, 0x00);
        return;
    }
    size_t bytes = (size_t)blocks * l->block_size;
    if (bytes > c->data_len)
        bytes = c->data_len;
    if (bytes == 0) { /* a transfer length of zero: nothing moves (SBC-4 5.14) */
        c->residual = c->data_len;
        return;
    }
    if (write) {
        l->writes++;
        if (l->data)
            memcpy(l->data + lba * l->block_size, c->data, bytes);
    } else {
        l->reads++;
        if (l->data)
            memcpy(c->data, l->data + lba * l->block_size, bytes);
        else
            memset(c->data, 0, bytes);
    }
    c->residual = c->data_len - (uint32_t)bytes;
}

/* MODE SENSE(6) and (10) (SPC-5 6.13, 6.14): a short LBA block descriptor for a disk unless DBD, the
 * Caching (08h) and Control (0Ah) pages; every PAGE CONTROL but saved values (39/00). */
static void mode_sense(const struct fake_lun *l, struct hba_cmd *c)
{
    bool ten = c->cdb[0] == SCSI_OP_MODE_SENSE10;
    uint8_t page = c->cdb[2] & 0x3f, pc = c->cdb[2] >> 6;
    if (pc == 3) {
        set_sense(c, SCSI_SENSE_ILLEGAL_REQUEST, 0x39, 0x00);
        return;
    }
    if (page != 0x3f && page != 0x08 && page != 0x0a) {
        invalid_field(l, c, 2);
        return;
    }
    uint8_t d[64] = { 0 };
    unsigned header = ten ? 8 : 4, n = header;
    d[ten ? 3 : 2] = (uint8_t)(l->write_protected ? 0x80 : 0);
    if (!(c->cdb[1] & 0x08) && l->device_type == SCSI_TYPE_DISK) {
        uint64_t blocks = l->blocks > 0xffffffffu ? 0xffffffffu : l->blocks;
        scsi_put_be32(d + n, (uint32_t)blocks);
        scsi_put_be32(d + n + 4, l->block_size & 0xffffff);
        d[ten ? 7 : 3] = 8;
        n += 8;
    }
    if (page == 0x3f || page == 0x08) {
        d[n] = 0x08;
        d[n + 1] = 0x12;
        n += 2 + 0x12;
    }
    if (page == 0x3f || page == 0x0a) {
        d[n] = 0x0a;
        d[n + 1] = 0x0a;
        n += 2 + 0x0a;
    }
    if (ten)
        scsi_put_be16(d, (uint16_t)(n - 2));
    else
        d[0] = (uint8_t)(n - 1);
    reply(c, d, n);
    if (l->pads_mode_sense && c->data_len > n) {
        memset((uint8_t *)c->data + n, 0, c->data_len - n); /* zeros past the data, as if data */
        c->residual = 0;
    }
}

/* REPORT SUPPORTED OPERATION CODES, all commands (SPC-5 6.34): a descriptor per opcode served. */
static void supported_opcodes(struct hba_cmd *c)
{
    if ((c->cdb[1] & 0x1f) != 0x0c || (c->cdb[2] & 0x07) != 0) {
        set_sense(c, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB, 0);
        return;
    }
    static const uint8_t ops[] = { SCSI_OP_TEST_UNIT_READY, SCSI_OP_REQUEST_SENSE, SCSI_OP_READ6, SCSI_OP_INQUIRY,
                                   SCSI_OP_MODE_SENSE6, SCSI_OP_READ_CAPACITY10, SCSI_OP_READ10, SCSI_OP_WRITE10,
                                   SCSI_OP_VERIFY10, SCSI_OP_SYNCHRONIZE_CACHE10, SCSI_OP_MODE_SENSE10,
                                   SCSI_OP_READ16, SCSI_OP_WRITE16, SCSI_OP_VERIFY16, SCSI_OP_SYNCHRONIZE_CACHE16,
                                   SCSI_OP_SERVICE_ACTION_IN16, SCSI_OP_REPORT_LUNS, SCSI_OP_MAINTENANCE_IN,
                                   SCSI_OP_READ12 };
    uint8_t d[4 + 8 * sizeof ops] = { 0 };
    for (size_t i = 0; i < sizeof ops; i++) {
        uint8_t *e = d + 4 + 8 * i;
        e[0] = ops[i];
        scsi_put_be16(e + 6, ops[i] >= 0xa0 ? 12 : ops[i] >= 0x80 ? 16 : ops[i] >= 0x20 ? 10 : 6);
    }
    scsi_put_be32(d, (uint32_t)(8 * sizeof ops));
    reply(c, d, sizeof d);
}

static void twist(struct fake_twist *t, struct hba_cmd *c)
{
    if (t->kind == TWIST_NONE || c->cdb[0] != t->opcode)
        return;
    for (int i = 0; i < 2; i++)
        if (t->at[i] >= 0 && c->cdb[t->at[i]] != t->eq[i])
            return;
    if (t->seen++ < t->skip)
        return;
    switch (t->kind) {
    case TWIST_BYTE:
        if (c->dir == HBA_DIR_IN && t->offset < c->data_len - c->residual)
            ((uint8_t *)c->data)[t->offset] = t->value;
        return;
    case TWIST_SENSE_BYTE:
        if (t->offset < c->sense_len)
            c->sense[t->offset] = t->value;
        return;
    case TWIST_GOOD:
        c->response = HBA_RESPONSE_OK;
        c->status = SCSI_STATUS_GOOD;
        c->sense_len = 0;
        c->residual = c->data_len;
        return;
    case TWIST_SENSE:
        c->response = HBA_RESPONSE_OK;
        set_sense(c, t->key, t->asc, t->ascq);
        c->residual = c->data_len;
        return;
    case TWIST_LENGTH: c->residual = c->data_len - (t->length < c->data_len ? t->length : c->data_len); return;
    case TWIST_NONE: return;
    }
}

static void execute_lun(struct fake_hba *f, struct hba_cmd *c);

/* UNMAP (SBC-4 5.31) where page B2 says LBPU: every descriptor checked against the LUN and page
 * B0's limits before any is done; the blocks read as zeros after it. */
static void unmap(struct fake_lun *l, struct hba_cmd *c)
{
    const uint8_t *data = c->data;
    uint16_t plen = scsi_get_be16(c->cdb + 7);
    if (l->no_unmap || l->no_provisioning_page) {
        set_sense(c, SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0x00); /* INVALID COMMAND OPERATION CODE */
        return;
    }
    if (plen < 8 || plen > c->data_len || scsi_get_be16(data + 2) % 16 != 0 ||
        8u + scsi_get_be16(data + 2) > plen) {
        set_sense(c, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x00); /* INVALID FIELD IN PARAMETER LIST */
        return;
    }
    unsigned n = scsi_get_be16(data + 2) / 16u;
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *d = data + 8 + 16 * i;
        if (!lba_range_ok(l, scsi_get_be64(d), scsi_get_be32(d + 8))) {
            set_sense(c, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
            return;
        }
        total += scsi_get_be32(d + 8);
    }
    if ((l->unmap_max_descriptors && n > l->unmap_max_descriptors) || (l->unmap_max_blocks && total > l->unmap_max_blocks)) {
        set_sense(c, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x00);
        return;
    }
    if (l->write_protected) {
        set_sense(c, SCSI_SENSE_DATA_PROTECT, 0x27, 0x00);
        return;
    }
    l->unmaps++;
    l->unmapped_blocks += total;
    for (unsigned i = 0; l->data != NULL && i < n; i++) {
        const uint8_t *d = data + 8 + 16 * i;
        memset(l->data + scsi_get_be64(d) * l->block_size, 0, (size_t)scsi_get_be32(d + 8) * l->block_size);
    }
}

/* WRITE SAME(10/16) (SBC-4 5.46, 5.47): the one block of data to every LBA of the range. */
static void provision(struct fake_lun *l, struct hba_cmd *c)
{
    const uint8_t *data = c->data;
    bool ten = c->cdb[0] == SCSI_OP_WRITE_SAME10;
    uint64_t lba = ten ? scsi_get_be32(c->cdb + 2) : scsi_get_be64(c->cdb + 2);
    uint32_t blocks = ten ? scsi_get_be16(c->cdb + 7) : scsi_get_be32(c->cdb + 10);
    if (c->data_len < l->block_size) {
        invalid_field(l, c, ten ? 7 : 10);
        return;
    }
    if (!lba_range_ok(l, lba, blocks)) {
        set_sense(c, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
        return;
    }
    if (l->write_protected) {
        set_sense(c, SCSI_SENSE_DATA_PROTECT, 0x27, 0x00);
        return;
    }
    l->writes++;
    for (uint32_t i = 0; l->data != NULL && i < blocks; i++)
        memcpy(l->data + (lba + i) * l->block_size, data, l->block_size);
}

/* Execute a command as a LUN would, then as the test's twists say; the answer is in the command. */
static void execute(struct fake_hba *f, struct hba_cmd *c)
{
    execute_lun(f, c);
    for (unsigned i = 0; i < sizeof f->twists / sizeof f->twists[0]; i++)
        twist(&f->twists[i], c);
}

static void execute_lun(struct fake_hba *f, struct hba_cmd *c)
{
    uint8_t op = c->cdb[0];
    f->ops[op]++;
    c->response = HBA_RESPONSE_OK;
    c->status = SCSI_STATUS_GOOD;
    c->sense_len = 0;
    c->residual = 0;
    if (!target_has_luns(f, c->target) && !(f->report_lun0_always && op == SCSI_OP_INQUIRY && c->lun == 0 &&
                                             fake_hba_find_lun(f, c->target, 0) != NULL)) {
        c->response = HBA_RESPONSE_BAD_TARGET;
        c->residual = c->data_len;
        return;
    }
    struct fake_lun *l = fake_hba_find_lun(f, c->target, c->lun);
    if (c->cdb_len > 0 && (c->cdb[c->cdb_len - 1] & 0x04)) { /* NACA without ACA (SAM-5 5.3.3) */
        invalid_field(l, c, (uint16_t)(c->cdb_len - 1));
        return;
    }
    if (op == SCSI_OP_REPORT_LUNS) {
        report_luns(f, c);
        return;
    }
    if (op == SCSI_OP_INQUIRY) {
        inquiry(l, c);
        return;
    }
    if (l == NULL || !l->present) {
        if (op == SCSI_OP_REQUEST_SENSE) { /* SPC-5 6.39.1: GOOD, and the sense data says why */
            uint8_t d[18] = { 0x70, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0, 0, 0, 0, 10 };
            d[12] = SCSI_ASC_LOGICAL_UNIT_NOT_SUPPORTED;
            reply(c, d, sizeof d);
            return;
        }
        set_sense(c, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_LOGICAL_UNIT_NOT_SUPPORTED, 0);
        c->residual = c->data_len;
        return;
    }
    l->commands++;
    if (l->ua_pending > 0) {
        l->ua_pending--;
        set_sense(c, SCSI_SENSE_UNIT_ATTENTION, l->ua_asc, l->ua_ascq);
        c->residual = c->data_len;
        return;
    }
    /* As QEMU's scsi-disk: without a medium every command but these few ends in MEDIUM NOT PRESENT. */
    if (l->no_medium && op != SCSI_OP_MODE_SENSE6 && op != SCSI_OP_REQUEST_SENSE) {
        set_sense(c, SCSI_SENSE_NOT_READY, SCSI_ASC_MEDIUM_NOT_PRESENT, 0);
        c->residual = c->data_len;
        return;
    }
    switch (op) {
    case SCSI_OP_TEST_UNIT_READY:
        return;
    case SCSI_OP_SERVICE_ACTION_IN16: {
        if (l->no_read_capacity16) {
            set_sense(c, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_COMMAND_OPERATION_CODE, 0);
            return;
        }
        uint8_t d[32] = { 0 };
        scsi_put_be64(d, l->blocks - 1);
        scsi_put_be32(d + 8, l->block_size);
        d[14] = 0x80 | 0x40; /* LBPME, LBPRZ: as page B2 says */
        reply(c, d, sizeof d);
        return;
    }
    case SCSI_OP_READ_CAPACITY10: {
        uint8_t d[8];
        uint64_t last = l->blocks - 1 - (l->readcap10_off_by_one ? 1 : 0);
        scsi_put_be32(d, last > 0xffffffffu ? 0xffffffffu : (uint32_t)last);
        scsi_put_be32(d + 4, l->block_size);
        reply(c, d, sizeof d);
        return;
    }
    case SCSI_OP_MODE_SENSE6:
    case SCSI_OP_MODE_SENSE10: mode_sense(l, c); return;
    case SCSI_OP_REQUEST_SENSE:
        if (c->cdb[1] & 1) { /* DESC: descriptor format, nothing to report */
            uint8_t d[8] = { 0x72, SCSI_SENSE_NO_SENSE };
            reply(c, d, sizeof d);
        } else {
            uint8_t d[18] = { 0x70, 0, SCSI_SENSE_NO_SENSE, 0, 0, 0, 0, 10 };
            reply(c, d, sizeof d);
        }
        return;
    case SCSI_OP_MAINTENANCE_IN: supported_opcodes(c); return;
    case SCSI_OP_WRITE_SAME10:
    case SCSI_OP_WRITE_SAME16: provision(l, c); return;
    case SCSI_OP_UNMAP: unmap(l, c); return;
    case SCSI_OP_VERIFY10:
    case SCSI_OP_VERIFY16:
    case SCSI_OP_SYNCHRONIZE_CACHE10:
    case SCSI_OP_SYNCHRONIZE_CACHE16: {
        bool ten = c->cdb_len == 10;
        uint64_t lba = ten ? scsi_get_be32(c->cdb + 2) : scsi_get_be64(c->cdb + 2);
        uint32_t blocks = ten ? scsi_get_be16(c->cdb + 7) : scsi_get_be32(c->cdb + 10);
        if (lba > l->blocks || blocks > l->blocks - lba || (blocks == 0 && lba == l->blocks)) {
            set_sense(c, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00); /* SBC-4 5.25, 5.31 */
            return;
        }
        if (op == SCSI_OP_SYNCHRONIZE_CACHE10 || op == SCSI_OP_SYNCHRONIZE_CACHE16)
            l->flushes++;
        return;
    }
    case SCSI_OP_READ6:
    case SCSI_OP_READ12:
    case SCSI_OP_READ10:
    case SCSI_OP_READ16: read_write(l, c, false); return;
    case SCSI_OP_WRITE10:
    case SCSI_OP_WRITE16: read_write(l, c, true); return;
    default: set_sense(c, SCSI_SENSE_ILLEGAL_REQUEST, SCSI_ASC_INVALID_COMMAND_OPERATION_CODE, 0); return;
    }
}

/* ---- the seam ---- */

static unsigned queue_in_flight(const struct fake_hba *f, unsigned q)
{
    unsigned n = 0;
    for (unsigned i = 0; i < f->n_inflight; i++)
        n += f->inflight[i].queue == q;
    return n;
}

static int fake_submit(struct hba *h, unsigned q, struct hba_cmd *cmd)
{
    struct fake_hba *f = fake_of(h);
    if (h->broken || q >= h->num_queues || queue_in_flight(f, q) >= h->queue_depth)
        return -1;
    if (f->n_inflight == f->inflight_cap) {
        f->inflight_cap = f->inflight_cap ? f->inflight_cap * 2 : 64;
        f->inflight = realloc(f->inflight, f->inflight_cap * sizeof *f->inflight);
        if (f->inflight == NULL)
            abort();
    }
    cmd->submit_tsc = fake_clock_now();
    cmd->tag = f->submitted_total;
    const struct fake_lun *l = fake_hba_find_lun(f, cmd->target, cmd->lun);
    bool held = l != NULL && l->present && l->stall && cmd->cdb[0] != SCSI_OP_INQUIRY && cmd->cdb[0] != SCSI_OP_REPORT_LUNS;
    uint64_t latency = l != NULL && l->latency != 0 ? l->latency : f->latency;
    f->inflight[f->n_inflight++] =
        (struct fake_inflight){ cmd, q, held ? UINT64_MAX : cmd->submit_tsc + latency, HBA_RESPONSE_OK };
    h->queue_stats[q].submitted++;
    f->submitted_total++;
    if (f->on_submit != NULL)
        f->on_submit(f, cmd, f->ctx);
    return 0;
}

static void fake_kick(struct hba *h, unsigned q)
{
    h->queue_stats[q].notifies++;
}

static unsigned fake_in_flight(const struct hba *h, unsigned q)
{
    const struct fake_hba *f = fake_of(h);
    unsigned n = queue_in_flight(f, q);
    for (unsigned i = 0; i < f->n_lost; i++)
        n += f->lost[i]->slot == q;
    return n;
}

static void take(struct fake_hba *f, unsigned i) { f->inflight[i] = f->inflight[--f->n_inflight]; }

static unsigned fake_poll(struct hba *h, unsigned q, struct hba_cmd **done, unsigned max)
{
    struct fake_hba *f = fake_of(h);
    unsigned n = 0;
    for (unsigned i = 0; i < f->n_lost && n < max;) {
        if (f->lost[i]->slot == q) {
            done[n++] = f->lost[i];
            f->lost[i] = f->lost[--f->n_lost];
        } else {
            i++;
        }
    }
    uint64_t now = fake_clock_now();
    for (unsigned i = 0; i < f->n_inflight && n < max;) {
        struct fake_inflight *e = &f->inflight[i];
        if (e->queue != q || e->due > now) {
            i++;
            continue;
        }
        struct hba_cmd *c = e->cmd;
        if (e->cancelled == HBA_RESPONSE_OK) {
            execute(f, c);
        } else {
            c->response = e->cancelled;
            c->status = 0;
            c->sense_len = 0;
            c->residual = c->data_len;
        }
        c->complete_tsc = now;
        done[n++] = c;
        take(f, i);
        h->queue_stats[q].completed++;
    }
    return n;
}

static unsigned fake_overdue(struct hba *h, unsigned q, uint64_t now, struct hba_cmd **out, unsigned max)
{
    struct fake_hba *f = fake_of(h);
    unsigned n = 0;
    for (unsigned i = 0; i < f->n_inflight && n < max; i++)
        if (f->inflight[i].queue == q && now >= f->inflight[i].cmd->deadline)
            out[n++] = f->inflight[i].cmd;
    return n;
}

static unsigned fake_poll_events(struct hba *h, struct hba_event *events, unsigned max)
{
    struct fake_hba *f = fake_of(h);
    unsigned n = f->n_events < max ? f->n_events : max;
    memcpy(events, f->events, n * sizeof *events);
    memmove(f->events, f->events + n, (f->n_events - n) * sizeof *events);
    f->n_events -= n;
    h->stats.events += n;
    return n;
}

void fake_hba_post_event(struct fake_hba *f, enum hba_event_kind kind, uint8_t target, uint16_t lun)
{
    unsigned capacity = f->event_capacity ? f->event_capacity : 64;
    if (f->n_events >= capacity) {
        f->events_dropped = true; /* like a device without buffers: the next event says so */
        return;
    }
    f->events[f->n_events++] = (struct hba_event){ .kind = kind, .target = target, .lun = lun,
                                                   .events_missed = f->events_dropped, .len = 16 };
    f->events_dropped = false;
}

/* Complete every in-flight command of a LUN (or one task) with a cancelling response, now. */
static void cancel(struct fake_hba *f, const struct hba_cmd *task, uint8_t target, uint16_t lun,
                   enum hba_response response)
{
    for (unsigned i = 0; i < f->n_inflight; i++) {
        struct hba_cmd *c = f->inflight[i].cmd;
        if (task ? c == task : c->target == target && c->lun == lun) {
            f->inflight[i].cancelled = response;
            f->inflight[i].due = 0;
        }
    }
}

void fake_hba_unplug(struct fake_hba *f, uint8_t target, uint16_t lun, bool event)
{
    struct fake_lun *l = fake_hba_find_lun(f, target, lun);
    if (l != NULL)
        l->present = false;
    cancel(f, NULL, target, lun, HBA_RESPONSE_ABORTED);
    if (event)
        fake_hba_post_event(f, HBA_EVENT_LUN_REMOVED, target, lun);
}

static int fake_tmf_submit(struct hba *h, struct hba_tmf *tmf)
{
    struct fake_hba *f = fake_of(h);
    if (h->broken || f->n_tmf_pending == HBA_TMF_SLOTS)
        return -1;
    f->tmfs[tmf->kind]++;
    bool answered = tmf->kind == HBA_TMF_ABORT_TASK  ? f->abort_frees
                    : tmf->kind == HBA_TMF_LUN_RESET ? f->answer_lun_reset
                                                     : true;
    if (f->tmf_response[tmf->kind] != HBA_RESPONSE_OK) { /* a scripted answer, nothing done */
        tmf->response = f->tmf_response[tmf->kind];
        f->tmf_answered[f->n_tmf_answered++] = tmf;
        return 0;
    }
    if (!answered) {
        f->tmf_pending[f->n_tmf_pending++] = tmf;
        return 0;
    }
    if (tmf->kind == HBA_TMF_ABORT_TASK) {
        cancel(f, tmf->task, 0, 0, HBA_RESPONSE_ABORTED);
    } else if (tmf->kind == HBA_TMF_ABORT_TASK_SET || tmf->kind == HBA_TMF_CLEAR_TASK_SET) {
        cancel(f, NULL, tmf->target, tmf->lun, HBA_RESPONSE_ABORTED);
    } else if (tmf->kind == HBA_TMF_I_T_NEXUS_RESET) {
        /* SAM-5 7.6: every LUN of the target is reset and reports I_T NEXUS LOSS OCCURRED once. */
        for (unsigned i = 0; i < f->n_luns; i++) {
            struct fake_lun *l = f->luns[i];
            if (l->target != tmf->target || !l->present)
                continue;
            cancel(f, NULL, l->target, l->lun, HBA_RESPONSE_RESET);
            l->ua_pending = 1;
            l->ua_asc = SCSI_ASC_POWER_ON_OR_RESET;
            l->ua_ascq = 0x07;
        }
    } else if (tmf->kind == HBA_TMF_QUERY_TASK || tmf->kind == HBA_TMF_QUERY_TASK_SET) {
        /* SAM-5 7.8, 7.9: FUNCTION SUCCEEDED when such a task is there, else FUNCTION COMPLETE. */
        bool found = false;
        for (unsigned i = 0; i < f->n_inflight; i++)
            found |= tmf->kind == HBA_TMF_QUERY_TASK ? f->inflight[i].cmd == tmf->task
                                                     : f->inflight[i].cmd->target == tmf->target &&
                                                           f->inflight[i].cmd->lun == tmf->lun;
        tmf->response = found ? HBA_RESPONSE_FUNCTION_SUCCEEDED : HBA_RESPONSE_OK;
        f->tmf_answered[f->n_tmf_answered++] = tmf;
        return 0;
    } else {
        cancel(f, NULL, tmf->target, tmf->lun, HBA_RESPONSE_RESET);
        /* SAM-5 7.7: the reset leaves a UNIT ATTENTION, BUS DEVICE RESET FUNCTION OCCURRED. */
        struct fake_lun *l = fake_hba_find_lun(f, tmf->target, tmf->lun);
        if (l != NULL && l->present) {
            l->ua_pending = 1;
            l->ua_asc = SCSI_ASC_POWER_ON_OR_RESET;
            l->ua_ascq = 0x03;
        }
        /* A LUN reset also answers the aborts for that LUN still waiting (QEMU: their requests
         * are gone now). */
        for (unsigned i = 0; i < f->n_tmf_pending;) {
            struct hba_tmf *t = f->tmf_pending[i];
            if (!f->aborts_outlive_reset && t->target == tmf->target && t->lun == tmf->lun) {
                t->response = HBA_RESPONSE_OK;
                f->tmf_answered[f->n_tmf_answered++] = t;
                f->tmf_pending[i] = f->tmf_pending[--f->n_tmf_pending];
            } else {
                i++;
            }
        }
    }
    tmf->response = HBA_RESPONSE_OK;
    f->tmf_answered[f->n_tmf_answered++] = tmf;
    return 0;
}

static unsigned fake_tmf_poll(struct hba *h, struct hba_tmf **done, unsigned max)
{
    struct fake_hba *f = fake_of(h);
    unsigned n = 0;
    while (n < max && f->n_tmf_answered > 0)
        done[n++] = f->tmf_answered[--f->n_tmf_answered];
    return n;
}

static int fake_reset(struct hba *h)
{
    struct fake_hba *f = fake_of(h);
    f->resets++;
    h->stats.hba_resets++;
    for (unsigned i = 0; i < f->n_tmf_pending; i++) {
        f->tmf_pending[i]->response = HBA_RESPONSE_NO_ANSWER;
        f->tmf_answered[f->n_tmf_answered++] = f->tmf_pending[i];
    }
    f->n_tmf_pending = 0;
    f->lost = realloc(f->lost, (f->n_lost + f->n_inflight + 1) * sizeof *f->lost);
    if (f->lost == NULL)
        abort();
    for (unsigned i = 0; i < f->n_inflight; i++) {
        struct hba_cmd *c = f->inflight[i].cmd;
        c->response = HBA_RESPONSE_LOST;
        c->complete_tsc = fake_clock_now();
        c->slot = f->inflight[i].queue; /* which queue's poll hands it back */
        f->lost[f->n_lost++] = c;
    }
    f->n_inflight = 0;
    for (unsigned i = 0; i < f->n_luns; i++)
        f->luns[i]->stall = false; /* a reset clears what held the commands */
    if (f->reset_fails) {
        snprintf(h->error, sizeof h->error, "the fake HBA was told not to come back");
        h->broken = true;
        return -1;
    }
    return 0;
}

static uint64_t fake_now(const struct hba *h)
{
    (void)h;
    return fake_clock_now();
}

static const struct hba_ops fake_ops = {
    .submit = fake_submit,
    .kick = fake_kick,
    .poll = fake_poll,
    .in_flight = fake_in_flight,
    .overdue = fake_overdue,
    .poll_events = fake_poll_events,
    .tmf_submit = fake_tmf_submit,
    .tmf_poll = fake_tmf_poll,
    .reset = fake_reset,
    .now = fake_now,
};

void fake_hba_init(struct fake_hba *f, unsigned index, unsigned queues, unsigned queue_depth)
{
    memset(f, 0, sizeof *f);
    f->base.ops = &fake_ops;
    f->base.kind = "fake";
    f->base.index = index;
    snprintf(f->base.name, sizeof f->base.name, "fake%u", index);
    f->base.num_queues = queues;
    f->base.queue_depth = queue_depth;
    f->base.max_target = 255;
    f->base.max_lun = 16383;
    f->base.cmd_per_lun = 128;
    f->base.tsc_hz = FAKE_HZ;
    f->latency = 20;
    f->abort_frees = true;
    f->answer_lun_reset = true;
    f->index_size = 64;
    f->index = xcalloc(f->index_size, sizeof *f->index);
    /* A modern virtio-pci transport as QEMU lays it out (BAR 4: common, ISR, device, notify). */
    struct virtio_pci_seen *v = &f->seen;
    v->modern = true;
    v->device_features = VIRTIO_F_VERSION_1;
    v->caps.common = (struct virtio_pci_region){ true, 4, 0x0000, 0x38, 0 };
    v->caps.isr = (struct virtio_pci_region){ true, 4, 0x1000, 0x1, 0 };
    v->caps.device = (struct virtio_pci_region){ true, 4, 0x2000, 0x24, 0 };
    v->caps.notify = (struct virtio_pci_region){ true, 4, 0x3000, 0x1000, 0 };
    v->caps.notify_off_multiplier = 4;
    v->device_request_queues = queues;
    v->num_queues = (uint16_t)(queues + 2);
    for (unsigned q = 0; q < queues + 2 && q < VIRTIO_PCI_SEEN_QUEUES; q++)
        v->queue_size[q] = 128;
    f->base.virtio = v;
}

void fake_hba_free(struct fake_hba *f)
{
    for (unsigned i = 0; i < f->n_luns; i++) {
        free(f->luns[i]->data);
        free(f->luns[i]);
    }
    free(f->luns);
    free(f->index);
    free(f->inflight);
    free(f->lost);
    memset(f, 0, sizeof *f);
}
