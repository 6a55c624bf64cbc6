/* virtio-blk's pure halves: the configuration image decoded and checked (drivers/virtio/
 * virtio_blk_wire.c), the segments of a request, the SCSI answers and requests made for a disk
 * (drivers/virtio/virtio_blk_scsi.c), and discovery run over a seam that answers with them. */
#include <stdlib.h>
#include <string.h>

#include "drivers/hba/discovery.h"
#include "drivers/hba/recovery.h"
#include "drivers/virtio/virtio_blk_scsi.h"
#include "drivers/virtio/virtio_blk_wire.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

static void put_le(uint8_t *image, unsigned offset, unsigned width, uint64_t v)
{
    for (unsigned i = 0; i < width; i++)
        image[offset + i] = (uint8_t)(v >> (8 * i));
}

/* A configuration as QEMU 7.2 gives a 1 GiB disk of 4096-byte blocks with 4 queues. */
static void qemu_image(uint8_t image[VBLK_CFG_LEN])
{
    memset(image, 0, VBLK_CFG_LEN);
    put_le(image, VBLK_CFG_CAPACITY, 8, 2097152);
    put_le(image, VBLK_CFG_SIZE_MAX, 4, 0);
    put_le(image, VBLK_CFG_SEG_MAX, 4, 254);
    put_le(image, VBLK_CFG_BLK_SIZE, 4, 4096);
    put_le(image, VBLK_CFG_PHYSICAL_BLOCK_EXP, 1, 0);
    put_le(image, VBLK_CFG_MIN_IO_SIZE, 2, 1);
    put_le(image, VBLK_CFG_OPT_IO_SIZE, 4, 32);
    put_le(image, VBLK_CFG_WRITEBACK, 1, 1);
    put_le(image, VBLK_CFG_NUM_QUEUES, 2, 4);
    put_le(image, VBLK_CFG_MAX_DISCARD_SECTORS, 4, 4194303);
    put_le(image, VBLK_CFG_MAX_DISCARD_SEG, 4, 1);
    put_le(image, VBLK_CFG_MAX_WRITE_ZEROES_SECTORS, 4, 4194303);
    put_le(image, VBLK_CFG_MAX_WRITE_ZEROES_SEG, 4, 1);
    put_le(image, VBLK_CFG_WRITE_ZEROES_MAY_UNMAP, 1, 1);
}

#define ALL_FEATURES                                                                                             \
    (VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_TOPOLOGY |                 \
     VIRTIO_BLK_F_CONFIG_WCE | VIRTIO_BLK_F_MQ | VIRTIO_BLK_F_DISCARD | VIRTIO_BLK_F_WRITE_ZEROES)

static void test_config_decode(void **state)
{
    (void)state;
    uint8_t image[VBLK_CFG_LEN];
    qemu_image(image);
    struct vblk_config c;
    char err[160];
    assert_int_equal(vblk_config_decode(image, sizeof image, ALL_FEATURES, &c, err, sizeof err), 0);
    assert_int_equal(c.capacity, 2097152);
    assert_int_equal(c.blk_size, 4096);
    assert_int_equal(c.blocks, 262144); /* 1 GiB of 4096-byte blocks */
    assert_int_equal(c.seg_max, 254);
    assert_int_equal(c.size_max, 0);
    assert_int_equal(c.num_queues, 4);
    assert_int_equal(c.min_io_size, 1);
    assert_int_equal(c.opt_io_size, 32);
    assert_true(c.writeback && c.flush && c.discard && c.write_zeroes && c.write_zeroes_may_unmap);
    assert_false(c.read_only);
    assert_int_equal(c.max_discard_sectors, 4194303);
    assert_int_equal(c.max_write_zeroes_seg, 1);

    /* Without their features the fields are not read (5.2.4): defaults instead. */
    assert_int_equal(vblk_config_decode(image, sizeof image, VIRTIO_BLK_F_RO, &c, err, sizeof err), 0);
    assert_int_equal(c.blk_size, 512);
    assert_int_equal(c.blocks, 2097152);
    assert_int_equal(c.seg_max, 1);
    assert_int_equal(c.num_queues, 1);
    assert_int_equal(c.opt_io_size, 0);
    assert_true(c.read_only);
    assert_false(c.writeback || c.flush || c.discard || c.write_zeroes);
    assert_int_equal(c.max_discard_sectors, 0);
    /* FLUSH without CONFIG_WCE: write-back after reset (5.2.5). */
    assert_int_equal(vblk_config_decode(image, sizeof image, VIRTIO_BLK_F_FLUSH, &c, err, sizeof err), 0);
    assert_true(c.writeback);

    /* A short image: the missing fields read as 0, which MQ then refuses. */
    assert_int_equal(vblk_config_decode(image, 20, VIRTIO_BLK_F_SEG_MAX, &c, err, sizeof err), 0);
    assert_int_equal(c.seg_max, 254);
    assert_int_equal(vblk_config_decode(image, 20, VIRTIO_BLK_F_MQ, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "num_queues is 0"));
    /* Partial blocks are not addressable. */
    put_le(image, VBLK_CFG_CAPACITY, 8, 2097152 + 7);
    assert_int_equal(vblk_config_decode(image, sizeof image, ALL_FEATURES, &c, err, sizeof err), 0);
    assert_int_equal(c.blocks, 262144);
}

static void expect_config_error(uint8_t *image, uint64_t features, const char *what)
{
    struct vblk_config c;
    char err[160] = "";
    assert_int_equal(vblk_config_decode(image, VBLK_CFG_LEN, features, &c, err, sizeof err), -1);
    if (strstr(err, what) == NULL)
        fail_msg("error \"%s\" does not name \"%s\"", err, what);
}

static void test_config_errors(void **state)
{
    (void)state;
    uint8_t image[VBLK_CFG_LEN];
    static const uint32_t bad_sizes[] = { 0, 256, 1000, 131072, 4097 };
    for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
        qemu_image(image);
        put_le(image, VBLK_CFG_BLK_SIZE, 4, bad_sizes[i]);
        expect_config_error(image, ALL_FEATURES, "blk_size");
    }
    qemu_image(image);
    put_le(image, VBLK_CFG_SEG_MAX, 4, 0);
    expect_config_error(image, ALL_FEATURES, "seg_max is 0");
    qemu_image(image);
    put_le(image, VBLK_CFG_SIZE_MAX, 4, 100);
    expect_config_error(image, ALL_FEATURES | VIRTIO_BLK_F_SIZE_MAX, "size_max 100");
    qemu_image(image);
    put_le(image, VBLK_CFG_NUM_QUEUES, 2, 0);
    expect_config_error(image, ALL_FEATURES, "num_queues is 0");
    qemu_image(image);
    put_le(image, VBLK_CFG_PHYSICAL_BLOCK_EXP, 1, 16);
    expect_config_error(image, ALL_FEATURES, "physical_block_exp 16");
    qemu_image(image);
    put_le(image, VBLK_CFG_CAPACITY, 8, UINT64_MAX / 256);
    expect_config_error(image, ALL_FEATURES, "overflows");
}

static void test_segments(void **state)
{
    (void)state;
    struct virtq_buf b[4];
    assert_int_equal(vblk_segments(0x10000, 10000, 4096, true, b, 4), 3);
    assert_int_equal(b[0].addr, 0x10000);
    assert_int_equal(b[0].len, 4096);
    assert_int_equal(b[1].addr, 0x11000);
    assert_int_equal(b[2].addr, 0x12000);
    assert_int_equal(b[2].len, 10000 - 8192);
    assert_true(b[2].device_writable);
    assert_int_equal(vblk_segments(0x10000, 10000, 4096, false, b, 2), -1); /* seg_max too small */
    assert_int_equal(vblk_segments(0x10000, 1u << 20, 0, false, b, 1), 1);  /* no size_max: one */
    assert_int_equal(b[0].len, 1u << 20);
    assert_false(b[0].device_writable);
    assert_int_equal(vblk_segments(0x10000, 0, 4096, false, b, 4), 0);

    struct vblk_config c = { .size_max = 65536, .seg_max = 254 };
    assert_int_equal(vblk_max_transfer(&c, 16), 16 * 65536);
    c.seg_max = 4;
    assert_int_equal(vblk_max_transfer(&c, 16), 4 * 65536);
    c.size_max = 0;
    assert_int_equal(vblk_max_transfer(&c, 16), UINT32_MAX);
}

/* ---- the SCSI answers ---- */

struct disk_fixture {
    struct vblk_config config;
    struct vblk_disk disk;
    uint8_t data[4096];
    struct vblk_translation t;
};

static struct disk_fixture *disk_fixture(uint64_t features, uint32_t blk_size, uint64_t capacity)
{
    static struct disk_fixture x;
    memset(&x, 0, sizeof x);
    uint8_t image[VBLK_CFG_LEN];
    qemu_image(image);
    put_le(image, VBLK_CFG_BLK_SIZE, 4, blk_size);
    put_le(image, VBLK_CFG_CAPACITY, 8, capacity);
    put_le(image, VBLK_CFG_PHYSICAL_BLOCK_EXP, 1, 3);
    put_le(image, VBLK_CFG_ALIGNMENT_OFFSET, 1, 1);
    char err[160];
    assert_int_equal(vblk_config_decode(image, sizeof image, features, &x.config, err, sizeof err), 0);
    x.disk = (struct vblk_disk){ .config = &x.config, .name = "00:10.0", .legacy = false, .max_transfer = 1u << 20 };
    return &x;
}

static void run(struct disk_fixture *x, uint16_t lun, const uint8_t *cdb, unsigned len, uint32_t in, uint32_t out)
{
    memset(x->data, 0xee, sizeof x->data);
    vblk_scsi_translate(&x->disk, lun, cdb, len, in ? x->data : NULL, in, out, &x->t);
}

static void expect_sense(const struct vblk_translation *t, uint8_t key, uint8_t asc, uint8_t ascq)
{
    assert_int_equal(t->action, VBLK_ACTION_ANSWERED);
    assert_int_equal(t->status, SCSI_STATUS_CHECK_CONDITION);
    struct scsi_sense s;
    assert_int_equal(scsi_sense_decode(t->sense, t->sense_len, &s), 0);
    assert_int_equal(s.key, key);
    assert_int_equal(s.asc, asc);
    assert_int_equal(s.ascq, ascq);
}

static void test_inquiry(void **state)
{
    (void)state;
    struct disk_fixture *x = disk_fixture(ALL_FEATURES, 512, 2048);
    uint8_t cdb[SCSI_CDB_MAX];
    unsigned n = (unsigned)scsi_cdb_inquiry(cdb, false, 0, 96);
    run(x, 0, cdb, n, 96, 0);
    assert_int_equal(x->t.status, SCSI_STATUS_GOOD);
    struct scsi_inquiry inq;
    assert_int_equal(scsi_inquiry_decode(x->data, x->t.data_in_len, &inq), 0);
    assert_int_equal(inq.qualifier, 0);
    assert_int_equal(inq.device_type, SCSI_TYPE_DISK);
    assert_int_equal(inq.response_format, 2);
    assert_string_equal(inq.vendor, "VIRTIO");
    assert_string_equal(inq.product, "virtio-blk");
    assert_string_equal(inq.revision, "1.2");
    x->disk.legacy = true;
    run(x, 0, cdb, n, 96, 0);
    assert_int_equal(scsi_inquiry_decode(x->data, x->t.data_in_len, &inq), 0);
    assert_string_equal(inq.revision, "0.9");
    /* The allocation length bounds the answer. */
    n = (unsigned)scsi_cdb_inquiry(cdb, false, 0, 5);
    run(x, 0, cdb, n, 96, 0);
    assert_int_equal(x->t.data_in_len, 5);
    /* Any other LUN: no device there (qualifier 3). */
    n = (unsigned)scsi_cdb_inquiry(cdb, false, 0, 96);
    run(x, 1, cdb, n, 96, 0);
    assert_int_equal(scsi_inquiry_decode(x->data, x->t.data_in_len, &inq), 0);
    assert_int_equal(inq.qualifier, 3);
    /* A page code without EVPD: INVALID FIELD IN CDB pointing at byte 2. */
    n = (unsigned)scsi_cdb_inquiry(cdb, false, 0x83, 96);
    run(x, 0, cdb, n, 96, 0);
    expect_sense(&x->t, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
    assert_int_equal(x->t.sense[15], 0xc0);
    assert_int_equal(x->t.sense[17], 2);
}

static void test_vpd_pages(void **state)
{
    (void)state;
    struct disk_fixture *x = disk_fixture(ALL_FEATURES, 4096, 2097152);
    uint8_t cdb[SCSI_CDB_MAX];
    unsigned n = (unsigned)scsi_cdb_inquiry(cdb, true, 0x00, 255);
    run(x, 0, cdb, n, 255, 0);
    uint8_t pages[16];
    size_t count;
    assert_int_equal(scsi_vpd_supported_pages(x->data, x->t.data_in_len, pages, 16, &count), 0);
    assert_int_equal(count, 3);
    assert_int_equal(pages[0], 0x00);
    assert_int_equal(pages[1], 0x83);
    assert_int_equal(pages[2], 0xb0);
    n = (unsigned)scsi_cdb_inquiry(cdb, true, 0x83, 255);
    run(x, 0, cdb, n, 255, 0);
    struct scsi_vpd_devid id;
    assert_int_equal(scsi_vpd_device_id(x->data, x->t.data_in_len, &id), 0);
    assert_int_equal(id.designators, 1);
    assert_string_equal(id.t10, "VIRTIO  virtio-blk 00:10.0");
    n = (unsigned)scsi_cdb_inquiry(cdb, true, 0xb0, 255);
    run(x, 0, cdb, n, 255, 0);
    struct scsi_vpd_block_limits bl;
    assert_int_equal(scsi_vpd_block_limits(x->data, x->t.data_in_len, &bl), 0);
    assert_int_equal(bl.max_transfer_blocks, (1u << 20) / 4096);
    assert_int_equal(bl.optimal_transfer_blocks, 32);
    assert_int_equal(bl.optimal_granularity_blocks, 1);
    n = (unsigned)scsi_cdb_inquiry(cdb, true, 0x80, 255); /* no serial page */
    run(x, 0, cdb, n, 255, 0);
    expect_sense(&x->t, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
}

static void test_capacity_and_mode_sense(void **state)
{
    (void)state;
    struct disk_fixture *x = disk_fixture(ALL_FEATURES | VIRTIO_BLK_F_RO, 4096, 2097152);
    uint8_t cdb[SCSI_CDB_MAX];
    unsigned n = (unsigned)scsi_cdb_read_capacity16(cdb, 32);
    run(x, 0, cdb, n, 32, 0);
    struct scsi_capacity cap;
    assert_int_equal(scsi_read_capacity16_decode(x->data, x->t.data_in_len, &cap), 0);
    assert_int_equal(cap.blocks, 262144);
    assert_int_equal(cap.block_size, 4096);
    assert_int_equal(cap.lbppbe, 3);
    assert_int_equal(scsi_get_be16(x->data + 14), 1); /* LOWEST ALIGNED LBA */
    n = (unsigned)scsi_cdb_read_capacity10(cdb);
    run(x, 0, cdb, n, 8, 0);
    bool needs16;
    assert_int_equal(scsi_read_capacity10_decode(x->data, x->t.data_in_len, &cap, &needs16), 0);
    assert_int_equal(cap.blocks, 262144);
    assert_false(needs16);

    n = (unsigned)scsi_cdb_mode_sense6(cdb, 0x3f, 255);
    run(x, 0, cdb, n, 255, 0);
    bool wp;
    assert_int_equal(scsi_mode_sense6_write_protected(x->data, x->t.data_in_len, &wp), 0);
    assert_true(wp);
    assert_int_equal(x->t.data_in_len, 24);
    assert_int_equal(x->data[0], 23);     /* MODE DATA LENGTH */
    assert_int_equal(x->data[4], 0x08);   /* the caching page */
    assert_int_equal(x->data[6] & 4, 4);  /* WCE: write-back */
    n = (unsigned)scsi_cdb_mode_sense6(cdb, 0x3f, 4); /* the allocation length bounds it */
    run(x, 0, cdb, n, 255, 0);
    assert_int_equal(x->t.data_in_len, 4);
    cdb[2] = 0xc0 | 0x08; /* saved values */
    run(x, 0, cdb, n, 255, 0);
    expect_sense(&x->t, SCSI_SENSE_ILLEGAL_REQUEST, 0x39, 0);
    n = (unsigned)scsi_cdb_mode_sense6(cdb, 0x0a, 255);
    run(x, 0, cdb, n, 255, 0);
    expect_sense(&x->t, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
    /* MODE SENSE (10): the WP bit in byte 3 of the 8-byte header. */
    uint8_t ten[10] = { SCSI_OP_MODE_SENSE10, 0, 0x08, 0, 0, 0, 0, 0, 255, 0 };
    run(x, 0, ten, 10, 255, 0);
    assert_int_equal(x->t.status, SCSI_STATUS_GOOD);
    assert_int_equal(x->t.data_in_len, 28);
    assert_int_equal(scsi_get_be16(x->data), 26);
    assert_int_equal(x->data[3], 0x80);

    /* More than 2^32 blocks: READ CAPACITY (10) says FFFFFFFFh, (16) the truth. */
    x = disk_fixture(ALL_FEATURES, 512, 1ull << 33);
    n = (unsigned)scsi_cdb_read_capacity10(cdb);
    run(x, 0, cdb, n, 8, 0);
    assert_int_equal(scsi_read_capacity10_decode(x->data, x->t.data_in_len, &cap, &needs16), 0);
    assert_true(needs16);
    /* No blocks at all: NOT READY, as a scsi-hd of zero bytes. */
    x = disk_fixture(ALL_FEATURES, 512, 0);
    n = (unsigned)scsi_cdb_read_capacity16(cdb, 32);
    run(x, 0, cdb, n, 32, 0);
    expect_sense(&x->t, SCSI_SENSE_NOT_READY, 0x04, 0x03);
    n = (unsigned)scsi_cdb_test_unit_ready(cdb);
    run(x, 0, cdb, n, 0, 0);
    expect_sense(&x->t, SCSI_SENSE_NOT_READY, 0x04, 0x03);
}

static void test_reads_writes_flushes(void **state)
{
    (void)state;
    struct disk_fixture *x = disk_fixture(ALL_FEATURES, 4096, 2097152); /* 262144 blocks */
    uint8_t cdb[SCSI_CDB_MAX];
    unsigned n = (unsigned)scsi_cdb_rw(cdb, false, 100, 2);
    run(x, 0, cdb, n, 8192, 0);
    assert_int_equal(x->t.action, VBLK_ACTION_REQUEST);
    assert_int_equal(x->t.type, VIRTIO_BLK_T_IN);
    assert_int_equal(x->t.sector, 800); /* 512-byte units whatever blk_size (5.2.5) */
    assert_int_equal(x->t.bytes, 8192);
    n = (unsigned)scsi_cdb_write16(cdb, 262143, 1); /* the last block */
    run(x, 0, cdb, n, 0, 4096);
    assert_int_equal(x->t.action, VBLK_ACTION_REQUEST);
    assert_int_equal(x->t.type, VIRTIO_BLK_T_OUT);
    assert_int_equal(x->t.sector, 262143ull * 8);
    uint8_t six[6] = { SCSI_OP_READ6, 0, 0, 1, 0, 0 }; /* READ(6) LBA 1, length 0: 256 blocks */
    run(x, 0, six, 6, 256 * 4096, 0);
    assert_int_equal(x->t.bytes, 256 * 4096);
    assert_int_equal(x->t.sector, 8);
    /* Across the end: LBA OUT OF RANGE, nothing sent (5.2.6.1). */
    n = (unsigned)scsi_cdb_read16(cdb, 262143, 2);
    run(x, 0, cdb, n, 8192, 0);
    expect_sense(&x->t, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0);
    n = (unsigned)scsi_cdb_read16(cdb, UINT64_MAX, 1);
    run(x, 0, cdb, n, 4096, 0);
    expect_sense(&x->t, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0);
    /* A transfer the buffer cannot hold, or in the wrong direction: OVERRUN. */
    n = (unsigned)scsi_cdb_rw(cdb, false, 0, 2);
    run(x, 0, cdb, n, 4096, 0);
    assert_int_equal(x->t.action, VBLK_ACTION_OVERRUN);
    run(x, 0, cdb, n, 0, 8192);
    assert_int_equal(x->t.action, VBLK_ACTION_OVERRUN);
    /* Past the Block Limits page's maximum transfer: INVALID FIELD IN CDB. */
    n = (unsigned)scsi_cdb_rw(cdb, false, 0, 257);
    run(x, 0, cdb, n, 4096, 0);
    expect_sense(&x->t, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
    /* Zero blocks: GOOD without a request. */
    n = (unsigned)scsi_cdb_rw(cdb, true, 5, 0);
    run(x, 0, cdb, n, 0, 0);
    assert_int_equal(x->t.action, VBLK_ACTION_ANSWERED);
    assert_int_equal(x->t.status, SCSI_STATUS_GOOD);
    /* SYNCHRONIZE CACHE: a FLUSH of sector 0 with FLUSH, nothing without. */
    n = (unsigned)scsi_cdb_synchronize_cache10(cdb, 0, 0);
    run(x, 0, cdb, n, 0, 0);
    assert_int_equal(x->t.action, VBLK_ACTION_REQUEST);
    assert_int_equal(x->t.type, VIRTIO_BLK_T_FLUSH);
    assert_int_equal(x->t.sector, 0);
    assert_int_equal(x->t.bytes, 0);
    x = disk_fixture(VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_RO, 4096, 2097152);
    run(x, 0, cdb, n, 0, 0);
    assert_int_equal(x->t.action, VBLK_ACTION_ANSWERED);
    assert_int_equal(x->t.status, SCSI_STATUS_GOOD);
    /* Read-only: a write ends in DATA PROTECT, WRITE PROTECTED, a read goes. */
    n = (unsigned)scsi_cdb_rw(cdb, true, 0, 1);
    run(x, 0, cdb, n, 0, 4096);
    expect_sense(&x->t, SCSI_SENSE_DATA_PROTECT, 0x27, 0);
    n = (unsigned)scsi_cdb_rw(cdb, false, 0, 1);
    run(x, 0, cdb, n, 4096, 0);
    assert_int_equal(x->t.action, VBLK_ACTION_REQUEST);
}

static void test_other_commands(void **state)
{
    (void)state;
    struct disk_fixture *x = disk_fixture(ALL_FEATURES, 512, 2048);
    uint8_t cdb[SCSI_CDB_MAX];
    unsigned n = (unsigned)scsi_cdb_report_luns(cdb, 4096);
    run(x, 0, cdb, n, 4096, 0);
    uint16_t luns[4];
    struct scsi_report_luns r;
    assert_int_equal(scsi_report_luns_decode(x->data, 4096, x->t.data_in_len, luns, 4, &r), 0);
    assert_int_equal(r.count, 1);
    assert_int_equal(luns[0], 0);
    cdb[2] = 0x01; /* well-known LUNs only: none */
    run(x, 0, cdb, n, 4096, 0);
    assert_int_equal(scsi_report_luns_decode(x->data, 4096, x->t.data_in_len, luns, 4, &r), 0);
    assert_int_equal(r.count, 0);
    n = (unsigned)scsi_cdb_report_luns(cdb, 8);
    run(x, 0, cdb, n, 8, 0);
    expect_sense(&x->t, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0);
    n = (unsigned)scsi_cdb_test_unit_ready(cdb);
    run(x, 0, cdb, n, 0, 0);
    assert_int_equal(x->t.status, SCSI_STATUS_GOOD);
    run(x, 3, cdb, n, 0, 0); /* another LUN */
    expect_sense(&x->t, SCSI_SENSE_ILLEGAL_REQUEST, 0x25, 0);
    n = (unsigned)scsi_cdb_request_sense(cdb, 18);
    run(x, 0, cdb, n, 18, 0);
    struct scsi_sense s;
    assert_int_equal(x->t.status, SCSI_STATUS_GOOD);
    assert_int_equal(scsi_sense_decode(x->data, x->t.data_in_len, &s), 0);
    assert_int_equal(s.key, SCSI_SENSE_NO_SENSE);
    uint8_t unmap[10] = { SCSI_OP_UNMAP };
    run(x, 0, unmap, 10, 0, 24);
    expect_sense(&x->t, SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0);
    run(x, 0, unmap, 0, 0, 0);
    expect_sense(&x->t, SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0);
}

static void test_device_status(void **state)
{
    (void)state;
    struct vblk_translation t;
    memset(&t, 0, sizeof t);
    /* A read of 4096 bytes: the used length is the data and the status byte (QEMU's). */
    assert_true(vblk_scsi_complete(VIRTIO_BLK_S_OK, 4097, VIRTIO_BLK_T_IN, 4096, &t));
    assert_int_equal(t.status, SCSI_STATUS_GOOD);
    assert_int_equal(t.sense_len, 0);
    assert_int_equal(t.moved, 4096);
    /* A device that says it wrote less: only that much is believed (a short transfer). */
    assert_true(vblk_scsi_complete(VIRTIO_BLK_S_OK, 1001, VIRTIO_BLK_T_IN, 4096, &t));
    assert_int_equal(t.moved, 1000);
    assert_true(vblk_scsi_complete(VIRTIO_BLK_S_OK, 1, VIRTIO_BLK_T_IN, 4096, &t));
    assert_int_equal(t.moved, 0);
    /* ... or more than it could: never more than was asked. */
    assert_true(vblk_scsi_complete(VIRTIO_BLK_S_OK, UINT32_MAX, VIRTIO_BLK_T_IN, 4096, &t));
    assert_int_equal(t.moved, 4096);
    /* A write's used length is the status byte alone: OK moved it all. */
    assert_true(vblk_scsi_complete(VIRTIO_BLK_S_OK, 1, VIRTIO_BLK_T_OUT, 8192, &t));
    assert_int_equal(t.moved, 8192);
    /* No status byte written, or a status no device may write: not believed. */
    assert_false(vblk_scsi_complete(VIRTIO_BLK_S_OK, 0, VIRTIO_BLK_T_IN, 4096, &t));
    assert_false(vblk_scsi_complete(VIRTIO_BLK_S_OK, 0, VIRTIO_BLK_T_OUT, 4096, &t));
    assert_true(vblk_scsi_complete(VIRTIO_BLK_S_IOERR, 4097, VIRTIO_BLK_T_IN, 4096, &t));
    expect_sense(&t, SCSI_SENSE_MEDIUM_ERROR, 0x11, 0);
    assert_int_equal(t.moved, 0);
    assert_true(vblk_scsi_complete(VIRTIO_BLK_S_IOERR, 1, VIRTIO_BLK_T_OUT, 4096, &t));
    expect_sense(&t, SCSI_SENSE_MEDIUM_ERROR, 0x0c, 0);
    assert_int_equal(t.moved, 0);
    assert_true(vblk_scsi_complete(VIRTIO_BLK_S_UNSUPP, 1, VIRTIO_BLK_T_FLUSH, 0, &t));
    expect_sense(&t, SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0);
    assert_false(vblk_scsi_complete(3, 4097, VIRTIO_BLK_T_IN, 4096, &t));
    assert_false(vblk_scsi_complete(VBLK_STATUS_UNWRITTEN, 4097, VIRTIO_BLK_T_IN, 4096, &t));
    assert_string_equal(vblk_status_name(VIRTIO_BLK_S_IOERR), "IOERR");
    assert_string_equal(vblk_status_name(7), "unknown");
}

/* ---- discovery over a seam that answers with the translation ---- */

/* A disk behind the seam the way drivers/virtio_blk/ puts it there: commands translated, the
 * requests served from zeroes with a status the test chooses. */
struct xlate_hba {
    struct hba base;
    struct disk_fixture *disk;
    uint8_t device_status;
    uint64_t requests[16]; /* by virtio-blk request type */
    struct hba_cmd *done[64];
    unsigned n_done;
};

static struct xlate_hba *xlate_of(const struct hba *h) { return (struct xlate_hba *)h; }

static int xlate_submit(struct hba *h, unsigned q, struct hba_cmd *cmd)
{
    (void)q;
    struct xlate_hba *x = xlate_of(h);
    if (x->n_done == 64)
        return -1;
    struct vblk_translation t;
    uint8_t *in = cmd->dir == HBA_DIR_IN ? cmd->data : NULL;
    vblk_scsi_translate(&x->disk->disk, cmd->lun, cmd->cdb, cmd->cdb_len, in, in ? cmd->data_len : 0,
                        cmd->dir == HBA_DIR_OUT ? cmd->data_len : 0, &t);
    cmd->response = cmd->target == 0 ? HBA_RESPONSE_OK : HBA_RESPONSE_BAD_TARGET;
    cmd->residual = cmd->data_len;
    if (t.action == VBLK_ACTION_REQUEST) {
        x->requests[t.type & 15]++;
        if (t.type == VIRTIO_BLK_T_IN)
            memset(cmd->data, 0, t.bytes);
        assert_true(vblk_scsi_complete(x->device_status, t.type == VIRTIO_BLK_T_IN ? t.bytes + 1 : 1, t.type, t.bytes,
                                       &t));
        t.data_in_len = t.type == VIRTIO_BLK_T_IN ? t.moved : 0;
    }
    cmd->status = t.status;
    cmd->sense_len = t.sense_len;
    memcpy(cmd->sense, t.sense, t.sense_len);
    if (t.action == VBLK_ACTION_ANSWERED || t.action == VBLK_ACTION_REQUEST)
        cmd->residual = cmd->data_len - t.data_in_len;
    cmd->submit_tsc = cmd->complete_tsc = fake_clock_now();
    h->queue_stats[q].submitted++;
    x->done[x->n_done++] = cmd;
    return 0;
}

static void xlate_kick(struct hba *h, unsigned q) { (void)h, (void)q; }

static unsigned xlate_poll(struct hba *h, unsigned q, struct hba_cmd **done, unsigned max)
{
    (void)q;
    struct xlate_hba *x = xlate_of(h);
    unsigned n = 0;
    while (n < max && x->n_done > 0)
        done[n++] = x->done[--x->n_done];
    return n;
}

static unsigned xlate_in_flight(const struct hba *h, unsigned q) { (void)q; return xlate_of(h)->n_done; }
static unsigned xlate_none(struct hba *h, unsigned q, uint64_t now, struct hba_cmd **out, unsigned max)
{
    (void)h, (void)q, (void)now, (void)out, (void)max;
    return 0;
}
static unsigned xlate_events(struct hba *h, struct hba_event *e, unsigned max) { (void)h, (void)e, (void)max; return 0; }
static int xlate_tmf(struct hba *h, struct hba_tmf *t) { (void)h, (void)t; return -1; }
static unsigned xlate_tmf_poll(struct hba *h, struct hba_tmf **d, unsigned max) { (void)h, (void)d, (void)max; return 0; }
static int xlate_reset(struct hba *h) { (void)h; return 0; }
static uint64_t xlate_now(const struct hba *h) { (void)h; return fake_clock_now(); }

static const struct hba_ops xlate_ops = { xlate_submit, xlate_kick, xlate_poll, xlate_in_flight, xlate_none,
                                          xlate_events, xlate_tmf, xlate_tmf_poll, xlate_reset, xlate_now };

static void xlate_init(struct xlate_hba *x, struct disk_fixture *d)
{
    memset(x, 0, sizeof *x);
    x->base = (struct hba){ .ops = &xlate_ops, .kind = "virtio-blk", .index = 2, .name = "00:12.0", .num_queues = 1,
                            .queue_depth = 32, .max_target = 0, .max_lun = 0, .cmd_per_lun = 32, .tsc_hz = FAKE_HZ,
                            .tmf_unsupported = true };
    x->disk = d;
}

static void test_discovery_of_a_disk(void **state)
{
    (void)state;
    struct disk_fixture *d = disk_fixture(ALL_FEATURES | VIRTIO_BLK_F_RO, 4096, 2097152);
    struct xlate_hba x;
    xlate_init(&x, d);
    struct inventory inv = { 0 };
    struct discovery_stats st;
    assert_int_equal(discovery_run(&x.base, &inv, &st, FAKE_HZ), 0);
    assert_int_equal(inv.count, 1);
    const struct lun_info *l = &inv.luns[0];
    assert_int_equal(l->hba, 2);
    assert_int_equal(l->target, 0);
    assert_int_equal(l->lun, 0);
    assert_int_equal(l->device_type, SCSI_TYPE_DISK);
    assert_int_equal(l->blocks, 262144);
    assert_int_equal(l->block_size, 4096);
    assert_int_equal(l->lbppbe, 3);
    assert_false(l->flags & (LUN_FAILED | LUN_NOT_READY | LUN_ABSENT | LUN_WP_KNOWN));
    assert_string_equal(l->vendor, "VIRTIO");
    assert_string_equal(l->product, "virtio-blk");
    assert_int_equal(st.targets, 1);    /* one REPORT LUNS: max_target is 0 */
    assert_int_equal(st.luns_failed, 0);
    assert_int_equal(st.ua_retries, 0); /* no power-on attention to retry */
    /* Discovery sends no request to the device: every answer came from the configuration. */
    for (unsigned t = 0; t < 16; t++)
        assert_int_equal(x.requests[t], 0);
    /* The write-protect bit, when a write job asks: VIRTIO_BLK_F_RO through MODE SENSE. */
    size_t first = 0;
    assert_int_equal(discovery_read_write_protect(&x.base, &inv, &first, 1, &st, FAKE_HZ), 0);
    assert_int_equal(inv.luns[0].flags, LUN_WRITE_PROTECTED | LUN_WP_KNOWN);
    free(inv.luns);

    /* A disk of zero bytes: found, not ready, no size. */
    d = disk_fixture(ALL_FEATURES, 512, 0);
    xlate_init(&x, d);
    memset(&inv, 0, sizeof inv);
    assert_int_equal(discovery_run(&x.base, &inv, &st, FAKE_HZ), 0);
    assert_int_equal(inv.count, 1);
    assert_true(inv.luns[0].flags & LUN_NOT_READY);
    assert_int_equal(inv.luns[0].blocks, 0);
    free(inv.luns);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_decode),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_inquiry),
        cmocka_unit_test(test_vpd_pages),
        cmocka_unit_test(test_capacity_and_mode_sense),
        cmocka_unit_test(test_reads_writes_flushes),
        cmocka_unit_test(test_other_commands),
        cmocka_unit_test(test_device_status),
        cmocka_unit_test(test_discovery_of_a_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
