/* The pure SCSI layer (drivers/scsi/scsi_*.c): CDB builders, sense, REPORT LUNS, INQUIRY, VPD,
 * READ CAPACITY. Every decoder is fed data a device could send, including lies. */
#include <string.h>

#include "drivers/scsi/scsi.h"
#include "drivers/virtio/virtio_scsi_wire.h"
#include "test_support.h"

/* ---- CDB builders ---- */

/* The builder's length, its bytes, and zeros after it up to SCSI_CDB_MAX (the buffer was filled
 * with 0xa5 before the builder ran, so a byte it forgot to clear shows). */
static void expect_cdb(const uint8_t cdb[SCSI_CDB_MAX], size_t len, const uint8_t *want, size_t want_len)
{
    assert_int_equal(len, want_len);
    assert_memory_equal(cdb, want, want_len);
    for (size_t i = want_len; i < SCSI_CDB_MAX; i++)
        assert_int_equal(cdb[i], 0);
}

static void test_cdb_inquiry(void **state)
{
    (void)state;
    uint8_t cdb[SCSI_CDB_MAX];
    memset(cdb, 0xa5, sizeof(cdb));
    const uint8_t standard[] = { 0x12, 0x00, 0x00, 0x00, 0x24, 0x00 };
    expect_cdb(cdb, scsi_cdb_inquiry(cdb, false, 0, 36), standard, sizeof(standard));
    memset(cdb, 0xa5, sizeof(cdb));
    const uint8_t vpd[] = { 0x12, 0x01, 0x83, 0x12, 0x34, 0x00 };
    expect_cdb(cdb, scsi_cdb_inquiry(cdb, true, 0x83, 0x1234), vpd, sizeof(vpd));
}

static void test_cdb_report_luns(void **state)
{
    (void)state;
    uint8_t cdb[SCSI_CDB_MAX];
    memset(cdb, 0xa5, sizeof(cdb));
    const uint8_t want[] = { 0xa0, 0, 0, 0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0, 0 };
    expect_cdb(cdb, scsi_cdb_report_luns(cdb, 0x01020304), want, sizeof(want));
}

static void test_cdb_test_unit_ready_and_request_sense(void **state)
{
    (void)state;
    uint8_t cdb[SCSI_CDB_MAX];
    memset(cdb, 0xa5, sizeof(cdb));
    const uint8_t tur[] = { 0x00, 0, 0, 0, 0, 0 };
    expect_cdb(cdb, scsi_cdb_test_unit_ready(cdb), tur, sizeof(tur));
    memset(cdb, 0xa5, sizeof(cdb));
    const uint8_t rs[] = { 0x03, 0, 0, 0, 0xfc, 0 };
    expect_cdb(cdb, scsi_cdb_request_sense(cdb, 252), rs, sizeof(rs));
}

static void test_cdb_read_capacity(void **state)
{
    (void)state;
    uint8_t cdb[SCSI_CDB_MAX];
    memset(cdb, 0xa5, sizeof(cdb));
    const uint8_t rc10[] = { 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    expect_cdb(cdb, scsi_cdb_read_capacity10(cdb), rc10, sizeof(rc10));
    memset(cdb, 0xa5, sizeof(cdb));
    const uint8_t rc16[] = { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x20, 0, 0 };
    expect_cdb(cdb, scsi_cdb_read_capacity16(cdb, 32), rc16, sizeof(rc16));
    memset(cdb, 0xa5, sizeof(cdb));
    const uint8_t rc16_big[] = { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 0, 0 };
    expect_cdb(cdb, scsi_cdb_read_capacity16(cdb, 0xdeadbeef), rc16_big, sizeof(rc16_big));
}

static void test_cdb_read_write10(void **state)
{
    (void)state;
    uint8_t cdb[SCSI_CDB_MAX];
    memset(cdb, 0xa5, sizeof(cdb));
    const uint8_t rd[] = { 0x28, 0, 0x12, 0x34, 0x56, 0x78, 0, 0xab, 0xcd, 0 };
    expect_cdb(cdb, scsi_cdb_read10(cdb, 0x12345678, 0xabcd), rd, sizeof(rd));
    memset(cdb, 0xa5, sizeof(cdb));
    const uint8_t wr[] = { 0x2a, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x00, 0x01, 0 };
    expect_cdb(cdb, scsi_cdb_write10(cdb, 0xffffffff, 1), wr, sizeof(wr));
}

static void test_cdb_read_write16(void **state)
{
    (void)state;
    uint8_t cdb[SCSI_CDB_MAX];
    memset(cdb, 0xa5, sizeof(cdb));
    const uint8_t rd[] = { 0x88, 0, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0 };
    expect_cdb(cdb, scsi_cdb_read16(cdb, 0x0102030405060708ull, 0x0a0b0c0d), rd, sizeof(rd));
    memset(cdb, 0xa5, sizeof(cdb));
    const uint8_t wr[] = { 0x8a, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0, 0 };
    expect_cdb(cdb, scsi_cdb_write16(cdb, 0xfffffffffffffffeull, 0xffffffff), wr, sizeof(wr));
}

static void test_cdb_synchronize_cache(void **state)
{
    (void)state;
    uint8_t cdb[SCSI_CDB_MAX];
    memset(cdb, 0xa5, sizeof(cdb));
    const uint8_t sc10[] = { 0x35, 0, 0x00, 0x00, 0x10, 0x00, 0, 0x00, 0x00, 0 };
    expect_cdb(cdb, scsi_cdb_synchronize_cache10(cdb, 0x1000, 0), sc10, sizeof(sc10));
    memset(cdb, 0xa5, sizeof(cdb));
    const uint8_t sc16[] = { 0x91, 0, 0, 0, 0, 0x01, 0, 0, 0, 0x02, 0, 0, 0x01, 0x00, 0, 0 };
    expect_cdb(cdb, scsi_cdb_synchronize_cache16(cdb, 0x100000002ull, 256), sc16, sizeof(sc16));
}

/* UNMAP (SBC-4 5.31): the CDB carries the parameter list's length; the list is an 8-byte header
 * (UNMAP DATA LENGTH, UNMAP BLOCK DESCRIPTOR DATA LENGTH) and a 16-byte descriptor per range. */
static void test_cdb_unmap_and_parameter_list(void **state)
{
    (void)state;
    uint8_t cdb[SCSI_CDB_MAX];
    memset(cdb, 0xa5, sizeof(cdb));
    const uint8_t un[] = { 0x42, 0, 0, 0, 0, 0, 0, 0x00, 0x28, 0 };
    expect_cdb(cdb, scsi_cdb_unmap(cdb, 40), un, sizeof(un));
    uint8_t list[40];
    memset(list, 0xa5, sizeof(list));
    const uint64_t lba[2] = { 0x0102030405060708ull, 7 };
    const uint32_t blocks[2] = { 0x0a0b0c0d, 1 };
    assert_int_equal(scsi_unmap_param_list(list, lba, blocks, 2), 40);
    const uint8_t want[40] = { 0x00, 0x26, 0x00, 0x20, 0, 0, 0, 0,
                               0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0, 0,
                               0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0 };
    assert_memory_equal(list, want, sizeof(want));
    assert_int_equal(SCSI_UNMAP_PARAM_LEN(1), 24);
    assert_int_equal(scsi_unmap_param_list(list, lba, blocks, 0), 0);
    assert_int_equal(scsi_unmap_param_list(list, lba, blocks, 4096), 0); /* past the 16-bit lengths */
    assert_string_equal(scsi_cdb_name(cdb, 10), "UNMAP");
}

static void test_cdb_rw_chooses_10_or_16(void **state)
{
    (void)state;
    static const struct {
        uint64_t lba;
        uint32_t blocks;
        bool write;
        size_t want_len;
    } cases[] = {
        { 0, 0, false, 10 },
        { 0, 1, true, 10 },
        { 0, 65535, false, 10 },
        { 0, 65536, false, 16 },            /* the length does not fit 16 bits */
        { 0xfffffffe, 2, false, 10 },       /* last block 0xffffffff */
        { 0xffffffff, 1, true, 10 },        /* last block 0xffffffff: (10) addresses it */
        { 0xffffffff, 2, false, 16 },       /* the second block is 2^32 */
        { 0xffff0001, 65535, false, 10 },   /* last block 0xffffffff */
        { 0xffff0002, 65535, true, 16 },    /* last block 2^32 */
        { 0x100000000ull, 1, true, 16 },    /* the LBA itself does not fit */
        { UINT64_MAX, 1, false, 16 },       /* no wrap-around to a small LBA */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t cdb[SCSI_CDB_MAX];
        memset(cdb, 0xa5, sizeof(cdb));
        size_t len = scsi_cdb_rw(cdb, cases[i].write, cases[i].lba, cases[i].blocks);
        assert_int_equal(len, cases[i].want_len);
        uint8_t want[SCSI_CDB_MAX];
        size_t want_len;
        if (cases[i].want_len == 10) {
            want_len = cases[i].write ? scsi_cdb_write10(want, (uint32_t)cases[i].lba, (uint16_t)cases[i].blocks)
                                      : scsi_cdb_read10(want, (uint32_t)cases[i].lba, (uint16_t)cases[i].blocks);
        } else {
            want_len = cases[i].write ? scsi_cdb_write16(want, cases[i].lba, cases[i].blocks)
                                      : scsi_cdb_read16(want, cases[i].lba, cases[i].blocks);
        }
        expect_cdb(cdb, len, want, want_len);
    }
    /* The chosen (16) form carries the whole 64-bit LBA and 32-bit length. */
    uint8_t cdb[SCSI_CDB_MAX];
    assert_int_equal(scsi_cdb_rw(cdb, false, 0, 65536), 16);
    assert_int_equal(cdb[0], 0x88);
    assert_int_equal(scsi_get_be32(cdb + 10), 65536);
    assert_int_equal(scsi_cdb_rw(cdb, true, 0x100000000ull, 8), 16);
    assert_int_equal(cdb[0], 0x8a);
    assert_int_equal(scsi_get_be64(cdb + 2), 0x100000000ull);
    assert_int_equal(scsi_get_be32(cdb + 10), 8);
}

static void test_opcode_names(void **state)
{
    (void)state;
    assert_string_equal(scsi_opcode_name(0x12), "INQUIRY");
    assert_string_equal(scsi_opcode_name(0x28), "READ(10)");
    assert_string_equal(scsi_opcode_name(0x8a), "WRITE(16)");
    assert_string_equal(scsi_opcode_name(0xa0), "REPORT LUNS");
    assert_string_equal(scsi_opcode_name(0x00), "TEST UNIT READY");
    assert_string_equal(scsi_opcode_name(0xff), "unknown");
    assert_string_equal(scsi_opcode_name(0x02), "unknown");
    uint8_t cdb[SCSI_CDB_MAX];
    size_t len = scsi_cdb_read_capacity16(cdb, 32);
    assert_string_equal(scsi_cdb_name(cdb, len), "READ CAPACITY(16)");
    assert_string_equal(scsi_cdb_name(cdb, 1), "SERVICE ACTION IN(16)");
    cdb[1] = 0x1f;
    assert_string_equal(scsi_cdb_name(cdb, len), "SERVICE ACTION IN(16)");
    len = scsi_cdb_synchronize_cache10(cdb, 0, 0);
    assert_string_equal(scsi_cdb_name(cdb, len), "SYNCHRONIZE CACHE(10)");
    assert_string_equal(scsi_cdb_name(cdb, 0), "unknown");
}

/* ---- sense ---- */

static struct scsi_sense sense_garbage(void)
{
    struct scsi_sense s;
    memset(&s, 0xa5, sizeof(s));
    s.descriptor = s.deferred = s.information_valid = true;
    return s;
}

static void expect_sense_zero(const struct scsi_sense *s)
{
    assert_int_equal(s->response_code, 0);
    assert_false(s->descriptor);
    assert_false(s->deferred);
    assert_int_equal(s->key, 0);
    assert_int_equal(s->asc, 0);
    assert_int_equal(s->ascq, 0);
    assert_false(s->information_valid);
    assert_int_equal(s->information, 0);
}

static void test_sense_fixed_with_information(void **state)
{
    (void)state;
    /* MEDIUM ERROR, UNRECOVERED READ ERROR at LBA 0x12345678, VALID set. */
    const uint8_t buf[18] = { 0xf0, 0, 0x03, 0x12, 0x34, 0x56, 0x78, 10, 0, 0, 0, 0, 0x11, 0x00 };
    struct scsi_sense s = sense_garbage();
    assert_int_equal(scsi_sense_decode(buf, sizeof(buf), &s), 0);
    assert_int_equal(s.response_code, 0x70);
    assert_false(s.descriptor);
    assert_false(s.deferred);
    assert_int_equal(s.key, SCSI_SENSE_MEDIUM_ERROR);
    assert_int_equal(s.asc, 0x11);
    assert_int_equal(s.ascq, 0x00);
    assert_true(s.information_valid);
    assert_int_equal(s.information, 0x12345678);
}

static void test_sense_fixed_without_valid(void **state)
{
    (void)state;
    /* INFORMATION bytes hold junk but VALID is clear: they mean nothing. The high nibble of byte 2
     * (FILEMARK, EOM, ILI, SDAT_OVFL) is not part of the key. */
    const uint8_t buf[18] = { 0x70, 0, 0xf5, 0xde, 0xad, 0xbe, 0xef, 10, 0, 0, 0, 0, 0x24, 0x00 };
    struct scsi_sense s = sense_garbage();
    assert_int_equal(scsi_sense_decode(buf, sizeof(buf), &s), 0);
    assert_int_equal(s.key, SCSI_SENSE_ILLEGAL_REQUEST);
    assert_int_equal(s.asc, 0x24);
    assert_int_equal(s.ascq, 0x00);
    assert_false(s.information_valid);
    assert_int_equal(s.information, 0);
}

static void test_sense_fixed_additional_length_stops_before_asc(void **state)
{
    (void)state;
    /* ADDITIONAL SENSE LENGTH 4: the data ends after byte 11; bytes 12-13 are stale buffer. */
    const uint8_t buf[18] = { 0x70, 0, 0x06, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0x29, 0x00 };
    struct scsi_sense s = sense_garbage();
    assert_int_equal(scsi_sense_decode(buf, sizeof(buf), &s), 0);
    assert_int_equal(s.key, SCSI_SENSE_UNIT_ATTENTION);
    assert_int_equal(s.asc, 0);
    assert_int_equal(s.ascq, 0);
    /* ADDITIONAL SENSE LENGTH 5 covers ASC but not ASCQ: both are treated as absent. */
    const uint8_t five[18] = { 0x70, 0, 0x06, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0x29, 0x07 };
    assert_int_equal(scsi_sense_decode(five, sizeof(five), &s), 0);
    assert_int_equal(s.asc, 0);
    assert_int_equal(s.ascq, 0);
    /* A large ADDITIONAL SENSE LENGTH but only 13 bytes transferred: the same. */
    const uint8_t cut[13] = { 0x70, 0, 0x06, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x29 };
    assert_int_equal(scsi_sense_decode(cut, sizeof(cut), &s), 0);
    assert_int_equal(s.key, SCSI_SENSE_UNIT_ATTENTION);
    assert_int_equal(s.asc, 0);
    /* Exactly 14 bytes with ADDITIONAL SENSE LENGTH 6: ASC and ASCQ are there. */
    const uint8_t exact[14] = { 0x70, 0, 0x06, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0x29, 0x07 };
    assert_int_equal(scsi_sense_decode(exact, sizeof(exact), &s), 0);
    assert_int_equal(s.asc, 0x29);
    assert_int_equal(s.ascq, 0x07);
}

static void test_sense_descriptor_with_information(void **state)
{
    (void)state;
    /* A sense-key-specific descriptor (type 0x02, 8 bytes) first, then the information descriptor:
     * the walk has to step over the first one by its length. */
    const uint8_t buf[] = {
        0x72, 0x03, 0x11, 0x00, 0, 0, 0, 20,
        0x02, 0x06, 0, 0, 0x80, 0x00, 0x05, 0,
        0x00, 0x0a, 0x80, 0, 0x00, 0x00, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89,
    };
    struct scsi_sense s = sense_garbage();
    assert_int_equal(scsi_sense_decode(buf, sizeof(buf), &s), 0);
    assert_int_equal(s.response_code, 0x72);
    assert_true(s.descriptor);
    assert_false(s.deferred);
    assert_int_equal(s.key, SCSI_SENSE_MEDIUM_ERROR);
    assert_int_equal(s.asc, 0x11);
    assert_int_equal(s.ascq, 0x00);
    assert_true(s.information_valid);
    assert_int_equal(s.information, 0x123456789ull);
    /* Two information descriptors: the first one counts. */
    const uint8_t two[] = {
        0x72, 0x03, 0x11, 0x00, 0, 0, 0, 24,
        0x00, 0x0a, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        0x00, 0x0a, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
    };
    assert_int_equal(scsi_sense_decode(two, sizeof(two), &s), 0);
    assert_int_equal(s.information, 1);
}

static void test_sense_descriptor_without_descriptors(void **state)
{
    (void)state;
    const uint8_t buf[8] = { 0x72, 0x05, 0x24, 0x00, 0, 0, 0, 0 };
    struct scsi_sense s = sense_garbage();
    assert_int_equal(scsi_sense_decode(buf, sizeof(buf), &s), 0);
    assert_true(s.descriptor);
    assert_int_equal(s.key, SCSI_SENSE_ILLEGAL_REQUEST);
    assert_int_equal(s.asc, 0x24);
    assert_int_equal(s.ascq, 0x00);
    assert_false(s.information_valid);
    assert_int_equal(s.information, 0);
}

static void test_sense_descriptor_cut_or_invalid(void **state)
{
    (void)state;
    struct scsi_sense s = sense_garbage();
    /* The header promises a 12-byte information descriptor but only 6 of its bytes arrived. */
    const uint8_t cut[14] = { 0x72, 0x03, 0x11, 0x00, 0, 0, 0, 12, 0x00, 0x0a, 0x80, 0, 0, 0 };
    assert_int_equal(scsi_sense_decode(cut, sizeof(cut), &s), 0);
    assert_int_equal(s.asc, 0x11);
    assert_false(s.information_valid);
    /* The descriptor's own length runs past ADDITIONAL SENSE LENGTH (stale bytes after it). */
    const uint8_t over[20] = { 0x72, 0x03, 0x11, 0x00, 0, 0, 0, 6,
                               0x00, 0x0a, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x42 };
    assert_int_equal(scsi_sense_decode(over, sizeof(over), &s), 0);
    assert_false(s.information_valid);
    assert_int_equal(s.information, 0);
    /* A whole information descriptor with VALID clear. */
    const uint8_t invalid[20] = { 0x72, 0x03, 0x11, 0x00, 0, 0, 0, 12,
                                  0x00, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x42 };
    assert_int_equal(scsi_sense_decode(invalid, sizeof(invalid), &s), 0);
    assert_false(s.information_valid);
    /* An odd byte after the last descriptor (less than a descriptor header) is ignored. */
    const uint8_t tail[9] = { 0x72, 0x06, 0x29, 0x00, 0, 0, 0, 1, 0x00 };
    assert_int_equal(scsi_sense_decode(tail, sizeof(tail), &s), 0);
    assert_int_equal(s.asc, 0x29);
    assert_false(s.information_valid);
}

static void test_sense_deferred(void **state)
{
    (void)state;
    struct scsi_sense s = sense_garbage();
    const uint8_t fixed[18] = { 0x71, 0, 0x04, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x44, 0x00 };
    assert_int_equal(scsi_sense_decode(fixed, sizeof(fixed), &s), 0);
    assert_int_equal(s.response_code, 0x71);
    assert_true(s.deferred);
    assert_false(s.descriptor);
    assert_int_equal(s.key, SCSI_SENSE_HARDWARE_ERROR);
    assert_int_equal(s.asc, 0x44);
    /* VALID with a deferred error: response code still 0x71. */
    const uint8_t fixed_valid[18] = { 0xf1, 0, 0x03, 0, 0, 0, 9, 10, 0, 0, 0, 0, 0x0c, 0x00 };
    assert_int_equal(scsi_sense_decode(fixed_valid, sizeof(fixed_valid), &s), 0);
    assert_int_equal(s.response_code, 0x71);
    assert_true(s.deferred);
    assert_true(s.information_valid);
    assert_int_equal(s.information, 9);
    const uint8_t desc[8] = { 0x73, 0x03, 0x0c, 0x00, 0, 0, 0, 0 };
    assert_int_equal(scsi_sense_decode(desc, sizeof(desc), &s), 0);
    assert_int_equal(s.response_code, 0x73);
    assert_true(s.deferred);
    assert_true(s.descriptor);
    assert_int_equal(s.key, SCSI_SENSE_MEDIUM_ERROR);
    assert_int_equal(s.asc, 0x0c);
}

static void test_sense_short_buffers(void **state)
{
    (void)state;
    const uint8_t fixed[18] = { 0x70, 0, 0x02, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x04, 0x01 };
    const uint8_t desc[8] = { 0x72, 0x02, 0x04, 0x01, 0, 0, 0, 0 };
    struct scsi_sense s = sense_garbage();
    assert_int_equal(scsi_sense_decode(NULL, 0, &s), -1);
    expect_sense_zero(&s);
    s = sense_garbage();
    assert_int_equal(scsi_sense_decode(fixed, 1, &s), -1);
    expect_sense_zero(&s);
    s = sense_garbage();
    assert_int_equal(scsi_sense_decode(fixed, 7, &s), -1);
    expect_sense_zero(&s);
    s = sense_garbage();
    assert_int_equal(scsi_sense_decode(desc, 7, &s), -1);
    expect_sense_zero(&s);
    /* 8 bytes: the key arrived, ASC/ASCQ of the fixed format did not. */
    assert_int_equal(scsi_sense_decode(fixed, 8, &s), 0);
    assert_int_equal(s.key, SCSI_SENSE_NOT_READY);
    assert_int_equal(s.asc, 0);
    assert_int_equal(s.ascq, 0);
    /* 8 bytes are the whole descriptor-format header, ASC/ASCQ included. */
    assert_int_equal(scsi_sense_decode(desc, 8, &s), 0);
    assert_int_equal(s.key, SCSI_SENSE_NOT_READY);
    assert_int_equal(s.asc, 0x04);
    assert_int_equal(s.ascq, 0x01);
}

static void test_sense_garbage_response_codes(void **state)
{
    (void)state;
    static const uint8_t codes[] = { 0x00, 0x01, 0x6f, 0x74, 0x7e, 0x7f, 0x80, 0xff };
    for (size_t i = 0; i < sizeof(codes); i++) {
        uint8_t buf[18] = { codes[i], 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0x00 };
        struct scsi_sense s = sense_garbage();
        assert_int_equal(scsi_sense_decode(buf, sizeof(buf), &s), -1);
        expect_sense_zero(&s);
    }
}

static void test_status_and_sense_names(void **state)
{
    (void)state;
    assert_string_equal(scsi_status_name(SCSI_STATUS_GOOD), "GOOD");
    assert_string_equal(scsi_status_name(SCSI_STATUS_CHECK_CONDITION), "CHECK CONDITION");
    assert_string_equal(scsi_status_name(SCSI_STATUS_CONDITION_MET), "CONDITION MET");
    assert_string_equal(scsi_status_name(SCSI_STATUS_BUSY), "BUSY");
    assert_string_equal(scsi_status_name(SCSI_STATUS_RESERVATION_CONFLICT), "RESERVATION CONFLICT");
    assert_string_equal(scsi_status_name(SCSI_STATUS_TASK_SET_FULL), "TASK SET FULL");
    assert_string_equal(scsi_status_name(SCSI_STATUS_ACA_ACTIVE), "ACA ACTIVE");
    assert_string_equal(scsi_status_name(SCSI_STATUS_TASK_ABORTED), "TASK ABORTED");
    assert_string_equal(scsi_status_name(0x01), "unknown");
    assert_string_equal(scsi_status_name(0xff), "unknown");

    assert_string_equal(scsi_sense_key_name(SCSI_SENSE_NO_SENSE), "NO SENSE");
    assert_string_equal(scsi_sense_key_name(SCSI_SENSE_NOT_READY), "NOT READY");
    assert_string_equal(scsi_sense_key_name(SCSI_SENSE_MEDIUM_ERROR), "MEDIUM ERROR");
    assert_string_equal(scsi_sense_key_name(SCSI_SENSE_ILLEGAL_REQUEST), "ILLEGAL REQUEST");
    assert_string_equal(scsi_sense_key_name(SCSI_SENSE_UNIT_ATTENTION), "UNIT ATTENTION");
    assert_string_equal(scsi_sense_key_name(SCSI_SENSE_DATA_PROTECT), "DATA PROTECT");
    assert_string_equal(scsi_sense_key_name(SCSI_SENSE_ABORTED_COMMAND), "ABORTED COMMAND");
    assert_string_equal(scsi_sense_key_name(SCSI_SENSE_MISCOMPARE), "MISCOMPARE");
    assert_string_equal(scsi_sense_key_name(SCSI_SENSE_COMPLETED), "COMPLETED");
    assert_string_equal(scsi_sense_key_name(0x10), "unknown");
    assert_string_equal(scsi_sense_key_name(0xff), "unknown");
}

static void test_asc_names(void **state)
{
    (void)state;
    assert_string_equal(scsi_asc_name(0x04, 0x01), "LOGICAL UNIT IS IN PROCESS OF BECOMING READY");
    assert_string_equal(scsi_asc_name(0x04, 0x03), "LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED");
    assert_string_equal(scsi_asc_name(0x0c, 0x00), "WRITE ERROR");
    assert_string_equal(scsi_asc_name(0x11, 0x00), "UNRECOVERED READ ERROR");
    assert_string_equal(scsi_asc_name(0x20, 0x00), "INVALID COMMAND OPERATION CODE");
    assert_string_equal(scsi_asc_name(0x21, 0x00), "LOGICAL BLOCK ADDRESS OUT OF RANGE");
    assert_string_equal(scsi_asc_name(0x24, 0x00), "INVALID FIELD IN CDB");
    assert_string_equal(scsi_asc_name(0x25, 0x00), "LOGICAL UNIT NOT SUPPORTED");
    assert_string_equal(scsi_asc_name(0x27, 0x00), "WRITE PROTECTED");
    assert_string_equal(scsi_asc_name(0x28, 0x00), "NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED");
    assert_string_equal(scsi_asc_name(0x29, 0x00), "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED");
    assert_string_equal(scsi_asc_name(0x2a, 0x09), "CAPACITY DATA HAS CHANGED");
    assert_string_equal(scsi_asc_name(0x3a, 0x02), "MEDIUM NOT PRESENT - TRAY OPEN");
    assert_string_equal(scsi_asc_name(0x3f, 0x0e), "REPORTED LUNS DATA HAS CHANGED");
    /* Every code the brief asks for has a name. */
    static const uint8_t known[][2] = {
        { 0x04, 0x00 }, { 0x04, 0x02 }, { 0x1a, 0x00 }, { 0x26, 0x00 }, { 0x29, 0x01 }, { 0x29, 0x02 },
        { 0x29, 0x03 }, { 0x29, 0x04 }, { 0x29, 0x05 }, { 0x29, 0x06 }, { 0x29, 0x07 }, { 0x2a, 0x01 },
        { 0x3a, 0x00 }, { 0x3a, 0x01 }, { 0x44, 0x00 }, { 0x47, 0x00 }, { 0x4e, 0x00 }, { 0x5d, 0x00 },
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        assert_non_null(scsi_asc_name(known[i][0], known[i][1]));
    assert_null(scsi_asc_name(0x24, 0x01)); /* known ASC, unknown ASCQ */
    assert_null(scsi_asc_name(0x7f, 0x7f));
    assert_null(scsi_asc_name(0xff, 0xff));
}

/* ---- REPORT LUNS ---- */

/* A REPORT LUNS buffer: header with list_length, then the entries (8 bytes each). */
static size_t rl_build(uint8_t *buf, size_t buf_size, uint32_t list_length, const uint8_t (*entries)[8], size_t n)
{
    memset(buf, 0, buf_size);
    scsi_put_be32(buf, list_length);
    assert_true(8 + n * 8 <= buf_size);
    memcpy(buf + 8, entries, n * 8);
    return 8 + n * 8;
}

static void rl_garbage(struct scsi_report_luns *out)
{
    memset(out, 0xa5, sizeof(*out));
    out->truncated = true;
}

static void test_report_luns_peripheral_and_flat(void **state)
{
    (void)state;
    /* QEMU's encoding: 00 LL below 256, 40|hi lo from 256. */
    const uint8_t entries[][8] = {
        { 0x00, 0x00 }, { 0x00, 0xff }, { 0x41, 0x00 }, { 0x4f, 0xff }, { 0x7f, 0xff }, { 0x40, 0x05 },
    };
    uint8_t buf[64];
    size_t len = rl_build(buf, sizeof(buf), 48, entries, 6);
    uint16_t luns[8];
    struct scsi_report_luns out;
    rl_garbage(&out);
    assert_int_equal(scsi_report_luns_decode(buf, sizeof(buf), len, luns, 8, &out), 0);
    assert_int_equal(out.list_length, 48);
    assert_false(out.truncated);
    assert_int_equal(out.count, 6);
    assert_int_equal(out.skipped, 0);
    assert_int_equal(out.dropped, 0);
    const uint16_t want[] = { 0, 255, 256, 4095, 16383, 5 };
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(luns[i], want[i]);
}

static void test_report_luns_truncated(void **state)
{
    (void)state;
    /* Three LUNs, but the first REPORT LUNS only had room for one (SeaBIOS starts that way). */
    const uint8_t entries[][8] = { { 0x00, 0x00 }, { 0x00, 0x01 }, { 0x00, 0x02 } };
    uint8_t buf[32];
    rl_build(buf, sizeof(buf), 24, entries, 3);
    uint16_t luns[4];
    struct scsi_report_luns out;
    rl_garbage(&out);
    assert_int_equal(scsi_report_luns_decode(buf, 16, 16, luns, 4, &out), 0);
    assert_true(out.truncated);
    assert_int_equal(out.list_length, 24);
    assert_int_equal(8 + out.list_length, 32); /* the size to ask again with */
    assert_int_equal(out.count, 1);
    assert_int_equal(luns[0], 0);
    assert_int_equal(out.skipped, 0);
    assert_int_equal(out.dropped, 0);
}

static void test_report_luns_length_far_beyond_buffer(void **state)
{
    (void)state;
    const uint8_t entries[][8] = { { 0x00, 0x03 }, { 0x40, 0x09 } };
    uint8_t buf[24];
    rl_build(buf, sizeof(buf), 0xfffffff8u, entries, 2);
    uint16_t luns[4];
    struct scsi_report_luns out;
    rl_garbage(&out);
    /* The device also claims to have written far more than the buffer holds. */
    assert_int_equal(scsi_report_luns_decode(buf, sizeof(buf), 0x7fffffff, luns, 4, &out), 0);
    assert_true(out.truncated);
    assert_int_equal(out.list_length, 0xfffffff8u);
    assert_int_equal(out.count, 2);
    assert_int_equal(luns[0], 3);
    assert_int_equal(luns[1], 9);
}

static void test_report_luns_xfer_cuts_entry(void **state)
{
    (void)state;
    const uint8_t entries[][8] = { { 0x00, 0x01 }, { 0x00, 0x02 }, { 0x00, 0x03 } };
    uint8_t buf[32];
    rl_build(buf, sizeof(buf), 24, entries, 3);
    uint16_t luns[4] = { 0 };
    struct scsi_report_luns out;
    rl_garbage(&out);
    /* 20 bytes transferred: one entry and half of the next. */
    assert_int_equal(scsi_report_luns_decode(buf, sizeof(buf), 20, luns, 4, &out), 0);
    assert_true(out.truncated);
    assert_int_equal(out.count, 1);
    assert_int_equal(luns[0], 1);
    assert_int_equal(luns[1], 0);
    assert_int_equal(out.skipped, 0);
    /* The header says two entries; a third one that the device wrote after them is not read. */
    scsi_put_be32(buf, 16);
    assert_int_equal(scsi_report_luns_decode(buf, sizeof(buf), sizeof(buf), luns, 4, &out), 0);
    assert_false(out.truncated);
    assert_int_equal(out.count, 2);
    /* An empty list is fine. */
    scsi_put_be32(buf, 0);
    assert_int_equal(scsi_report_luns_decode(buf, sizeof(buf), 8, luns, 4, &out), 0);
    assert_false(out.truncated);
    assert_int_equal(out.count, 0);
}

static void test_report_luns_bad_header(void **state)
{
    (void)state;
    uint8_t buf[64];
    const uint8_t entries[][8] = { { 0x00, 0x01 } };
    rl_build(buf, sizeof(buf), 8, entries, 1);
    uint16_t luns[4];
    struct scsi_report_luns out;
    rl_garbage(&out);
    assert_int_equal(scsi_report_luns_decode(buf, 7, 64, luns, 4, &out), -1);
    assert_int_equal(out.count, 0);
    assert_int_equal(out.list_length, 0);
    assert_false(out.truncated);
    assert_int_equal(scsi_report_luns_decode(buf, 64, 7, luns, 4, &out), -1);
    assert_int_equal(scsi_report_luns_decode(buf, 64, 0, luns, 4, &out), -1);
    /* A list length that is not whole entries. */
    scsi_put_be32(buf, 12);
    rl_garbage(&out);
    assert_int_equal(scsi_report_luns_decode(buf, sizeof(buf), sizeof(buf), luns, 4, &out), -1);
    assert_int_equal(out.list_length, 12);
    assert_int_equal(out.count, 0);
    scsi_put_be32(buf, 0xffffffff);
    assert_int_equal(scsi_report_luns_decode(buf, sizeof(buf), sizeof(buf), luns, 4, &out), -1);
}

static void test_report_luns_skips_other_address_methods(void **state)
{
    (void)state;
    const uint8_t entries[][8] = {
        { 0x80, 0x01 },                               /* logical unit addressing (10b) */
        { 0xc1, 0x01 },                               /* extended: the REPORT LUNS well-known LUN */
        { 0x00, 0x05, 0x00, 0x01 },                   /* peripheral with a second level */
        { 0x40, 0x05, 0, 0, 0, 0, 0, 0x01 },          /* flat with junk in the fourth level */
        { 0x01, 0x05 },                               /* peripheral, bus 1 */
        { 0x00, 0x07 },                               /* the one plain LUN */
    };
    uint8_t buf[64];
    size_t len = rl_build(buf, sizeof(buf), 48, entries, 6);
    uint16_t luns[8];
    struct scsi_report_luns out;
    rl_garbage(&out);
    assert_int_equal(scsi_report_luns_decode(buf, sizeof(buf), len, luns, 8, &out), 0);
    assert_int_equal(out.skipped, 5);
    assert_int_equal(out.count, 1);
    assert_int_equal(luns[0], 7);
    assert_int_equal(out.dropped, 0);
}

static void test_report_luns_drops_beyond_max(void **state)
{
    (void)state;
    const uint8_t entries[][8] = { { 0x00, 0x00 }, { 0x80, 0x00 }, { 0x00, 0x01 }, { 0x00, 0x02 }, { 0x41, 0x00 } };
    uint8_t buf[64];
    size_t len = rl_build(buf, sizeof(buf), 40, entries, 5);
    uint16_t luns[3] = { 0xffff, 0xffff, 0xffff };
    struct scsi_report_luns out;
    rl_garbage(&out);
    assert_int_equal(scsi_report_luns_decode(buf, sizeof(buf), len, luns, 2, &out), 0);
    assert_int_equal(out.count, 2);
    assert_int_equal(luns[0], 0);
    assert_int_equal(luns[1], 1);
    assert_int_equal(luns[2], 0xffff); /* nothing written past max */
    assert_int_equal(out.dropped, 2);
    assert_int_equal(out.skipped, 1);
    /* max 0: only counting. */
    assert_int_equal(scsi_report_luns_decode(buf, sizeof(buf), len, NULL, 0, &out), 0);
    assert_int_equal(out.count, 0);
    assert_int_equal(out.dropped, 4);
    assert_int_equal(out.skipped, 1);
}

static void test_lun_level_decode(void **state)
{
    (void)state;
    assert_int_equal(scsi_lun_level_decode((const uint8_t[]){ 0x00, 0x05 }), 5);
    assert_int_equal(scsi_lun_level_decode((const uint8_t[]){ 0x40, 0x05 }), 5);
    assert_int_equal(scsi_lun_level_decode((const uint8_t[]){ 0x7f, 0xff }), 16383);
    assert_int_equal(scsi_lun_level_decode((const uint8_t[]){ 0x3f, 0x05 }), -1);
    assert_int_equal(scsi_lun_level_decode((const uint8_t[]){ 0x80, 0x05 }), -1);
    assert_int_equal(scsi_lun_level_decode((const uint8_t[]){ 0xc0, 0x00 }), -1);
}

static void test_virtio_lun_encode(void **state)
{
    (void)state;
    static const struct {
        uint16_t lun;
        uint8_t want[8];
    } cases[] = {
        { 0, { 1, 7, 0x40, 0x00, 0, 0, 0, 0 } },
        { 255, { 1, 7, 0x40, 0xff, 0, 0, 0, 0 } },
        { 256, { 1, 7, 0x41, 0x00, 0, 0, 0, 0 } },
        { 16383, { 1, 7, 0x7f, 0xff, 0, 0, 0, 0 } },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t out[8];
        memset(out, 0xa5, sizeof(out));
        assert_int_equal(vscsi_lun_encode(out, 7, cases[i].lun), 0);
        assert_memory_equal(out, cases[i].want, 8);
    }
    uint8_t out[8];
    memset(out, 0xa5, sizeof(out));
    assert_int_equal(vscsi_lun_encode(out, 255, 16384), -1);
    const uint8_t zero[8] = { 0 };
    assert_memory_equal(out, zero, 8);
    assert_int_equal(vscsi_lun_encode(out, 0, 0xffff), -1);
    /* Every LUN survives the trip through the request encoding and back. */
    for (unsigned lun = 0; lun <= VSCSI_LUN_MAX; lun++) {
        assert_int_equal(vscsi_lun_encode(out, 3, (uint16_t)lun), 0);
        assert_int_equal(scsi_lun_level_decode(out + 2), lun);
    }
}

/* ---- INQUIRY ---- */

/* 36+ bytes of standard INQUIRY data; fields 8..35 as given (the caller pads). */
static void inquiry_build(uint8_t *buf, size_t size, uint8_t b0, uint8_t b1, uint8_t additional, const char *ids)
{
    memset(buf, 0, size);
    buf[0] = b0;
    buf[1] = b1;
    buf[2] = 0x05; /* SPC-3 */
    buf[3] = 0x12; /* HISUP, response data format 2 */
    buf[4] = additional;
    if (ids)
        memcpy(buf + 8, ids, 28);
}

static void inquiry_garbage(struct scsi_inquiry *inq)
{
    memset(inq, 0xa5, sizeof(*inq));
    inq->removable = true;
}

static void test_inquiry_qemu_disk(void **state)
{
    (void)state;
    uint8_t buf[96];
    inquiry_build(buf, sizeof(buf), 0x00, 0x00, 31, "QEMU    QEMU HARDDISK   2.5+");
    struct scsi_inquiry inq;
    inquiry_garbage(&inq);
    assert_int_equal(scsi_inquiry_decode(buf, 36, &inq), 0);
    assert_int_equal(inq.qualifier, SCSI_PQ_CONNECTED);
    assert_int_equal(inq.device_type, SCSI_TYPE_DISK);
    assert_int_equal(inq.version, 5);
    assert_int_equal(inq.response_format, 2);
    assert_int_equal(inq.length, 36);
    assert_false(inq.removable);
    assert_string_equal(inq.vendor, "QEMU");
    assert_string_equal(inq.product, "QEMU HARDDISK");
    assert_string_equal(inq.revision, "2.5+");
    assert_string_equal(scsi_device_type_name(inq.device_type), "disk");
    /* More data (version descriptors) changes nothing. */
    buf[4] = 91;
    assert_int_equal(scsi_inquiry_decode(buf, sizeof(buf), &inq), 0);
    assert_int_equal(inq.length, 96);
    assert_string_equal(inq.product, "QEMU HARDDISK");
}

static void test_inquiry_missing_lun(void **state)
{
    (void)state;
    /* QEMU's answer for a LUN other than 0 that does not exist: 0x7f, everything else zero. */
    uint8_t buf[36];
    inquiry_build(buf, sizeof(buf), 0x7f, 0x00, 0, NULL);
    buf[2] = buf[3] = 0;
    struct scsi_inquiry inq;
    inquiry_garbage(&inq);
    assert_int_equal(scsi_inquiry_decode(buf, sizeof(buf), &inq), 0);
    assert_int_equal(inq.qualifier, SCSI_PQ_NOT_SUPPORTED);
    assert_int_equal(inq.device_type, SCSI_TYPE_UNKNOWN);
    assert_string_equal(scsi_device_type_name(inq.device_type), "unknown/no device");
    assert_string_equal(inq.vendor, "");
    assert_string_equal(inq.product, "");
    assert_string_equal(inq.revision, "");
    assert_int_equal(inq.length, 5);
    /* ... and for a missing LUN 0: qualifier 1, "QEMU TARGET". */
    inquiry_build(buf, sizeof(buf), 0x3f, 0x00, 31, "QEMU    QEMU TARGET     2.5+");
    assert_int_equal(scsi_inquiry_decode(buf, sizeof(buf), &inq), 0);
    assert_int_equal(inq.qualifier, SCSI_PQ_NOT_CONNECTED);
    assert_int_equal(inq.device_type, SCSI_TYPE_UNKNOWN);
    assert_string_equal(inq.product, "QEMU TARGET");
}

static void test_inquiry_removable_cd(void **state)
{
    (void)state;
    uint8_t buf[36];
    inquiry_build(buf, sizeof(buf), 0x05, 0x80, 31, "QEMU    QEMU DVD-ROM    2.5+");
    struct scsi_inquiry inq;
    inquiry_garbage(&inq);
    assert_int_equal(scsi_inquiry_decode(buf, sizeof(buf), &inq), 0);
    assert_int_equal(inq.device_type, SCSI_TYPE_CDROM);
    assert_true(inq.removable);
    assert_string_equal(inq.product, "QEMU DVD-ROM");
    assert_string_equal(scsi_device_type_name(inq.device_type), "cd/dvd");
}

static void test_inquiry_short(void **state)
{
    (void)state;
    uint8_t buf[36];
    inquiry_build(buf, sizeof(buf), 0x00, 0x00, 31, "QEMU    QEMU HARDDISK   2.5+");
    struct scsi_inquiry inq;
    inquiry_garbage(&inq);
    assert_int_equal(scsi_inquiry_decode(buf, 35, &inq), -1);
    assert_int_equal(inq.device_type, 0);
    assert_string_equal(inq.vendor, "");
    assert_string_equal(inq.product, "");
    assert_int_equal(scsi_inquiry_decode(buf, 5, &inq), -1);
    assert_int_equal(scsi_inquiry_decode(NULL, 0, &inq), -1);
}

static void test_inquiry_nonprintable_and_cut(void **state)
{
    (void)state;
    uint8_t buf[36];
    inquiry_build(buf, sizeof(buf), 0x00, 0x00, 31, "AB\x01" "C\x7f   " "\tX\x80Y" "\0\0\0\0\0\0\0\0\0\0\0\0" "1\0 2");
    struct scsi_inquiry inq;
    inquiry_garbage(&inq);
    assert_int_equal(scsi_inquiry_decode(buf, sizeof(buf), &inq), 0);
    assert_string_equal(inq.vendor, "AB?C?");
    assert_string_equal(inq.product, "?X?Y");
    assert_string_equal(inq.revision, "1? 2"); /* only trailing spaces and NULs go */
    /* ADDITIONAL LENGTH 19: the data ends at byte 23, in the middle of the product. */
    inquiry_build(buf, sizeof(buf), 0x00, 0x00, 19, "VENDOR  PRODUCT-NAME-XXX1234");
    assert_int_equal(scsi_inquiry_decode(buf, sizeof(buf), &inq), 0);
    assert_int_equal(inq.length, 24);
    assert_string_equal(inq.vendor, "VENDOR");
    assert_string_equal(inq.product, "PRODUCT-");
    assert_string_equal(inq.revision, "");
}

static void test_device_type_names(void **state)
{
    (void)state;
    assert_string_equal(scsi_device_type_name(0x00), "disk");
    assert_string_equal(scsi_device_type_name(0x01), "tape");
    assert_string_equal(scsi_device_type_name(0x05), "cd/dvd");
    assert_string_equal(scsi_device_type_name(0x0d), "enclosure services");
    assert_string_equal(scsi_device_type_name(0x1f), "unknown/no device");
    assert_string_equal(scsi_device_type_name(0x0a), "reserved");
    assert_string_equal(scsi_device_type_name(0xff), "reserved");
}

/* ---- VPD ---- */

/* A VPD page: 4-byte header (type 0 disk), then the body. Returns the total length. */
static size_t vpd_build(uint8_t *buf, size_t size, uint8_t page, const uint8_t *body, size_t body_len)
{
    memset(buf, 0, size);
    assert_true(4 + body_len <= size);
    buf[1] = page;
    scsi_put_be16(buf + 2, (uint16_t)body_len);
    if (body_len)
        memcpy(buf + 4, body, body_len);
    return 4 + body_len;
}

static void test_vpd_supported_pages(void **state)
{
    (void)state;
    const uint8_t body[] = { 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 };
    uint8_t buf[32];
    size_t len = vpd_build(buf, sizeof(buf), 0x00, body, sizeof(body));
    uint8_t pages[8];
    size_t count = 99;
    assert_int_equal(scsi_vpd_supported_pages(buf, len, pages, 8, &count), 0);
    assert_int_equal(count, 6);
    assert_memory_equal(pages, body, 6);
    assert_int_equal(scsi_vpd_supported_pages(buf, len, pages, 3, &count), 0);
    assert_int_equal(count, 3);
    /* Wrong page code. */
    buf[1] = 0x80;
    assert_int_equal(scsi_vpd_supported_pages(buf, len, pages, 8, &count), -1);
    assert_int_equal(count, 0);
    buf[1] = 0x00;
    /* Page length beyond what arrived; scsi_vpd_header still says how much to ask for. */
    scsi_put_be16(buf + 2, 0x100);
    assert_int_equal(scsi_vpd_supported_pages(buf, len, pages, 8, &count), -1);
    size_t page_len = 0;
    assert_int_equal(scsi_vpd_header(buf, len, 0x00, &page_len), 0);
    assert_int_equal(page_len, 0x100);
    assert_int_equal(scsi_vpd_header(buf, len, 0x83, &page_len), -1);
    assert_int_equal(scsi_vpd_header(buf, 3, 0x00, &page_len), -1);
    /* One byte short of the page length. */
    scsi_put_be16(buf + 2, 6);
    assert_int_equal(scsi_vpd_supported_pages(buf, len - 1, pages, 8, &count), -1);
    assert_int_equal(scsi_vpd_supported_pages(buf, 3, pages, 8, &count), -1);
}

static void test_vpd_serial(void **state)
{
    (void)state;
    const char body[] = "   QM00001  ";
    uint8_t buf[32];
    size_t len = vpd_build(buf, sizeof(buf), 0x80, (const uint8_t *)body, sizeof(body) - 1);
    char serial[32];
    memset(serial, 'x', sizeof(serial));
    assert_int_equal(scsi_vpd_serial(buf, len, serial, sizeof(serial)), 0);
    assert_string_equal(serial, "QM00001");
    assert_int_equal(scsi_vpd_serial(buf, len, serial, 4), 0);
    assert_string_equal(serial, "QM0");
    assert_int_equal(scsi_vpd_serial(buf, len, serial, 0), -1);
    buf[5] = 0x1b; /* ESC */
    assert_int_equal(scsi_vpd_serial(buf, len, serial, sizeof(serial)), 0);
    assert_string_equal(serial, "? QM00001");
    /* Wrong page code; page length beyond the buffer. */
    buf[1] = 0x83;
    assert_int_equal(scsi_vpd_serial(buf, len, serial, sizeof(serial)), -1);
    assert_string_equal(serial, "");
    buf[1] = 0x80;
    assert_int_equal(scsi_vpd_serial(buf, len - 1, serial, sizeof(serial)), -1);
    assert_string_equal(serial, "");
    /* An empty serial (page length 0). */
    len = vpd_build(buf, sizeof(buf), 0x80, NULL, 0);
    assert_int_equal(scsi_vpd_serial(buf, len, serial, sizeof(serial)), 0);
    assert_string_equal(serial, "");
}

static void devid_garbage(struct scsi_vpd_devid *id)
{
    memset(id, 0xa5, sizeof(*id));
    id->have_naa = true;
}

static void test_vpd_device_id(void **state)
{
    (void)state;
    const uint8_t body[] = {
        /* QEMU's default: vendor specific (type 0), ASCII, the drive id */
        0x02, 0x00, 0x00, 11, 'd', 'r', 'i', 'v', 'e', '-', 's', 'c', 's', 'i', '0',
        /* NAA of the target port (PIV, association 01b): not the logical unit's */
        0x61, 0x93, 0x00, 8, 0x50, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
        /* NAA 5 of the logical unit */
        0x01, 0x03, 0x00, 8, 0x50, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
        /* T10 vendor id of the logical unit */
        0x02, 0x01, 0x00, 12, 'Q', 'E', 'M', 'U', ' ', ' ', ' ', ' ', 'A', 'B', 'C', 'D',
        /* a second (NAA 6) designator: counted, not kept */
        0x01, 0x03, 0x00, 16, 0x60, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    };
    uint8_t buf[128];
    size_t len = vpd_build(buf, sizeof(buf), 0x83, body, sizeof(body));
    struct scsi_vpd_devid id;
    devid_garbage(&id);
    assert_int_equal(scsi_vpd_device_id(buf, len, &id), 0);
    assert_int_equal(id.designators, 5);
    assert_true(id.have_naa);
    assert_int_equal(id.naa_len, 8);
    const uint8_t naa[8] = { 0x50, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };
    assert_memory_equal(id.naa, naa, 8);
    assert_string_equal(id.t10, "QEMU    ABCD");
    /* Only QEMU's default designator: nothing kept. */
    len = vpd_build(buf, sizeof(buf), 0x83, body, 15);
    devid_garbage(&id);
    assert_int_equal(scsi_vpd_device_id(buf, len, &id), 0);
    assert_int_equal(id.designators, 1);
    assert_false(id.have_naa);
    assert_int_equal(id.naa_len, 0);
    assert_string_equal(id.t10, "");
    /* An NAA designator of a length no NAA format has is not kept. */
    const uint8_t odd_naa[] = { 0x01, 0x03, 0x00, 4, 0x50, 1, 2, 3 };
    len = vpd_build(buf, sizeof(buf), 0x83, odd_naa, sizeof(odd_naa));
    assert_int_equal(scsi_vpd_device_id(buf, len, &id), 0);
    assert_int_equal(id.designators, 1);
    assert_false(id.have_naa);
    /* An empty page. */
    len = vpd_build(buf, sizeof(buf), 0x83, NULL, 0);
    assert_int_equal(scsi_vpd_device_id(buf, len, &id), 0);
    assert_int_equal(id.designators, 0);
}

static void test_vpd_device_id_errors(void **state)
{
    (void)state;
    const uint8_t good[] = { 0x01, 0x03, 0x00, 8, 0x50, 1, 2, 3, 4, 5, 6, 7 };
    uint8_t buf[64];
    struct scsi_vpd_devid id;
    size_t len = vpd_build(buf, sizeof(buf), 0x83, good, sizeof(good));
    /* Wrong page code. */
    buf[1] = 0x80;
    devid_garbage(&id);
    assert_int_equal(scsi_vpd_device_id(buf, len, &id), -1);
    assert_int_equal(id.designators, 0);
    assert_false(id.have_naa);
    buf[1] = 0x83;
    /* Page length beyond the buffer. */
    assert_int_equal(scsi_vpd_device_id(buf, len - 1, &id), -1);
    /* A designator that runs past the page end: nothing half-decoded is returned. */
    const uint8_t overrun[] = { 0x01, 0x03, 0x00, 8, 0x50, 1, 2, 3, 4, 5, 6, 7,
                                0x02, 0x01, 0x00, 40, 'Q', 'E', 'M', 'U' };
    len = vpd_build(buf, sizeof(buf), 0x83, overrun, sizeof(overrun));
    devid_garbage(&id);
    assert_int_equal(scsi_vpd_device_id(buf, sizeof(buf), &id), -1);
    assert_int_equal(id.designators, 0);
    assert_false(id.have_naa);
    assert_string_equal(id.t10, "");
    /* Two bytes after the last designator: less than a designator header. */
    const uint8_t tail[] = { 0x01, 0x03, 0x00, 8, 0x50, 1, 2, 3, 4, 5, 6, 7, 0x02, 0x01 };
    len = vpd_build(buf, sizeof(buf), 0x83, tail, sizeof(tail));
    assert_int_equal(scsi_vpd_device_id(buf, len, &id), -1);
}

/* A Block Limits page as QEMU sends it (page length 0x3c). */
static size_t block_limits_build(uint8_t *buf, size_t size)
{
    uint8_t body[0x3c] = { 0 };
    scsi_put_be16(body + 2, 8);          /* OPTIMAL TRANSFER LENGTH GRANULARITY */
    scsi_put_be32(body + 4, 0xffff);     /* MAXIMUM TRANSFER LENGTH */
    scsi_put_be32(body + 8, 0x80);       /* OPTIMAL TRANSFER LENGTH */
    scsi_put_be32(body + 12, 0x11111111); /* MAXIMUM PREFETCH LENGTH: not decoded */
    scsi_put_be32(body + 16, 0x400000);  /* MAXIMUM UNMAP LBA COUNT */
    scsi_put_be32(body + 20, 255);       /* MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT */
    scsi_put_be32(body + 24, 8);         /* OPTIMAL UNMAP GRANULARITY */
    return vpd_build(buf, size, 0xb0, body, sizeof(body));
}

static void test_vpd_block_limits(void **state)
{
    (void)state;
    uint8_t buf[0x40];
    size_t len = block_limits_build(buf, sizeof(buf));
    struct scsi_vpd_block_limits bl;
    memset(&bl, 0xa5, sizeof(bl));
    assert_int_equal(scsi_vpd_block_limits(buf, len, &bl), 0);
    assert_int_equal(bl.optimal_granularity_blocks, 8);
    assert_int_equal(bl.max_transfer_blocks, 0xffff);
    assert_int_equal(bl.optimal_transfer_blocks, 0x80);
    assert_int_equal(bl.max_unmap_lba_count, 0x400000);
    assert_int_equal(bl.max_unmap_descriptors, 255);
    assert_int_equal(bl.unmap_granularity, 8);
    /* Wrong page code. */
    buf[1] = 0xb1;
    memset(&bl, 0xa5, sizeof(bl));
    assert_int_equal(scsi_vpd_block_limits(buf, len, &bl), -1);
    assert_int_equal(bl.max_transfer_blocks, 0);
    buf[1] = 0xb0;
    /* Page length beyond the buffer. */
    assert_int_equal(scsi_vpd_block_limits(buf, len - 1, &bl), -1);
    assert_int_equal(scsi_vpd_block_limits(buf, 16, &bl), -1);
    /* An SBC-2 style short page (page length 0x0c) that did arrive whole. */
    scsi_put_be16(buf + 2, 0x0c);
    assert_int_equal(scsi_vpd_block_limits(buf, 16, &bl), -1);
}

static void test_vpd_characteristics(void **state)
{
    (void)state;
    uint8_t body[0x3c] = { 0 };
    scsi_put_be16(body, 1); /* non-rotating */
    body[3] = 0x23;         /* WACEREQ bits set; NOMINAL FORM FACTOR 3 (2.5") */
    uint8_t buf[0x40];
    size_t len = vpd_build(buf, sizeof(buf), 0xb1, body, sizeof(body));
    struct scsi_vpd_characteristics c;
    memset(&c, 0xa5, sizeof(c));
    assert_int_equal(scsi_vpd_characteristics(buf, len, &c), 0);
    assert_int_equal(c.rotation_rate, 1);
    assert_int_equal(c.form_factor, 3);
    scsi_put_be16(buf + 4, 7200);
    assert_int_equal(scsi_vpd_characteristics(buf, len, &c), 0);
    assert_int_equal(c.rotation_rate, 7200);
    /* Wrong page code; page length beyond the buffer; a page too short for the fields. */
    buf[1] = 0xb0;
    memset(&c, 0xa5, sizeof(c));
    assert_int_equal(scsi_vpd_characteristics(buf, len, &c), -1);
    assert_int_equal(c.rotation_rate, 0);
    assert_int_equal(c.form_factor, 0);
    buf[1] = 0xb1;
    assert_int_equal(scsi_vpd_characteristics(buf, 8, &c), -1);
    len = vpd_build(buf, sizeof(buf), 0xb1, body, 3);
    assert_int_equal(scsi_vpd_characteristics(buf, len, &c), -1);
}

static void test_vpd_provisioning(void **state)
{
    (void)state;
    const uint8_t body[] = { 0x00, 0xe4, 0x02, 0x00 }; /* LBPU LBPWS LBPWS10, LBPRZ 001b; thin */
    uint8_t buf[16];
    size_t len = vpd_build(buf, sizeof(buf), 0xb2, body, sizeof(body));
    struct scsi_vpd_provisioning p;
    memset(&p, 0xa5, sizeof(p));
    assert_int_equal(scsi_vpd_provisioning(buf, len, &p), 0);
    assert_true(p.lbpu);
    assert_true(p.lbpws);
    assert_true(p.lbpws10);
    assert_true(p.lbprz);
    assert_int_equal(p.provisioning_type, 2);
    /* LBPRZ 010b (SBC-4: a provisioning initialization pattern, not zeros); only LBPU. */
    buf[5] = 0x88;
    buf[6] = 0xf9; /* MINIMUM PERCENTAGE bits are not the type */
    assert_int_equal(scsi_vpd_provisioning(buf, len, &p), 0);
    assert_true(p.lbpu);
    assert_false(p.lbpws);
    assert_false(p.lbpws10);
    assert_false(p.lbprz);
    assert_int_equal(p.provisioning_type, 1);
    /* LBPRZ 011b is reserved: bit 2 alone does not promise zeros. */
    buf[5] = 0x0c;
    assert_int_equal(scsi_vpd_provisioning(buf, len, &p), 0);
    assert_false(p.lbprz);
    /* Wrong page code; page length beyond the buffer. */
    buf[1] = 0xb0;
    memset(&p, 0xa5, sizeof(p));
    assert_int_equal(scsi_vpd_provisioning(buf, len, &p), -1);
    assert_false(p.lbpu);
    assert_int_equal(p.provisioning_type, 0);
    buf[1] = 0xb2;
    assert_int_equal(scsi_vpd_provisioning(buf, len - 1, &p), -1);
}

/* ---- READ CAPACITY ---- */

static void test_read_capacity10(void **state)
{
    (void)state;
    uint8_t buf[8];
    struct scsi_capacity cap;
    bool needs_16 = true;
    scsi_put_be32(buf, 0x1fffff);
    scsi_put_be32(buf + 4, 512);
    assert_int_equal(scsi_read_capacity10_decode(buf, sizeof(buf), &cap, &needs_16), 0);
    assert_int_equal(cap.blocks, 0x200000);
    assert_int_equal(cap.block_size, 512);
    assert_false(needs_16);
    assert_false(cap.prot_en);
    scsi_put_be32(buf + 4, 4096);
    assert_int_equal(scsi_read_capacity10_decode(buf, sizeof(buf), &cap, &needs_16), 0);
    assert_int_equal(cap.block_size, 4096);
    /* Too big for (10): ask (16). */
    scsi_put_be32(buf, 0xffffffff);
    assert_int_equal(scsi_read_capacity10_decode(buf, sizeof(buf), &cap, &needs_16), 0);
    assert_true(needs_16);
    assert_int_equal(cap.blocks, 0x100000000ull);
    scsi_put_be32(buf, 0xfffffffe);
    assert_int_equal(scsi_read_capacity10_decode(buf, sizeof(buf), &cap, &needs_16), 0);
    assert_false(needs_16);
    assert_int_equal(cap.blocks, 0xffffffffull);
    /* Block lengths: 0, not a power of two, outside 512..65536. */
    static const uint32_t bad[] = { 0, 1, 256, 520, 1000, 4095, 131072, 0x80000000u };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        scsi_put_be32(buf + 4, bad[i]);
        needs_16 = true;
        assert_int_equal(scsi_read_capacity10_decode(buf, sizeof(buf), &cap, &needs_16), -1);
        assert_false(needs_16);
        assert_int_equal(cap.blocks, 0);
    }
    scsi_put_be32(buf + 4, 65536);
    assert_int_equal(scsi_read_capacity10_decode(buf, sizeof(buf), &cap, &needs_16), 0);
    /* Short data. */
    assert_int_equal(scsi_read_capacity10_decode(buf, 7, &cap, &needs_16), -1);
    assert_int_equal(scsi_read_capacity10_decode(NULL, 0, &cap, &needs_16), -1);
}

static void test_read_capacity16(void **state)
{
    (void)state;
    uint8_t buf[32] = { 0 };
    struct scsi_capacity cap;
    scsi_put_be64(buf, 0x3ffffffffull);
    scsi_put_be32(buf + 8, 4096);
    buf[12] = 0x03; /* P_TYPE 001b (type 2), PROT_EN */
    buf[13] = 0x23; /* P_I_EXPONENT 2, LBPPBE 3 */
    buf[14] = 0xc0; /* LBPME, LBPRZ */
    assert_int_equal(scsi_read_capacity16_decode(buf, sizeof(buf), &cap), 0);
    assert_int_equal(cap.blocks, 0x400000000ull);
    assert_int_equal(cap.block_size, 4096);
    assert_true(cap.prot_en);
    assert_int_equal(cap.p_type, 1);
    assert_int_equal(cap.lbppbe, 3);
    assert_true(cap.lbpme);
    assert_true(cap.lbprz);
    /* 512-byte blocks, no protection, no provisioning. */
    memset(buf, 0, sizeof(buf));
    scsi_put_be64(buf, 0x1fffff);
    scsi_put_be32(buf + 8, 512);
    buf[12] = 0x30; /* RC BASIS bits only */
    assert_int_equal(scsi_read_capacity16_decode(buf, sizeof(buf), &cap), 0);
    assert_int_equal(cap.blocks, 0x200000);
    assert_int_equal(cap.block_size, 512);
    assert_false(cap.prot_en);
    assert_int_equal(cap.p_type, 0);
    assert_int_equal(cap.lbppbe, 0);
    assert_false(cap.lbpme);
    assert_false(cap.lbprz);
    /* Short data. */
    assert_int_equal(scsi_read_capacity16_decode(buf, 31, &cap), -1);
    assert_int_equal(scsi_read_capacity16_decode(buf, 12, &cap), -1);
    /* Zero or odd block length. */
    scsi_put_be32(buf + 8, 0);
    assert_int_equal(scsi_read_capacity16_decode(buf, sizeof(buf), &cap), -1);
    scsi_put_be32(buf + 8, 520);
    assert_int_equal(scsi_read_capacity16_decode(buf, sizeof(buf), &cap), -1);
    assert_int_equal(cap.blocks, 0);
    assert_string_equal(scsi_read_capacity_problem(buf, sizeof(buf), true),
                        "its block length is not a power of two in 512..65536");
    /* A last LBA of 2^64 - 1 leaves no block count that fits. */
    scsi_put_be32(buf + 8, 512);
    scsi_put_be64(buf, UINT64_MAX);
    assert_int_equal(scsi_read_capacity16_decode(buf, sizeof(buf), &cap), -1);
    assert_string_equal(scsi_read_capacity_problem(buf, sizeof(buf), true),
                        "its last LBA is 2^64 - 1 (2^64 blocks: no count fits)");
    /* 2^64 - 1 blocks of 512 bytes, or 2^55 of 512 (2^64 bytes): the capacity in bytes does not fit;
     * one block less than 2^55 does. */
    scsi_put_be64(buf, UINT64_MAX - 1);
    assert_int_equal(scsi_read_capacity16_decode(buf, sizeof(buf), &cap), -1);
    assert_string_equal(scsi_read_capacity_problem(buf, sizeof(buf), true), "its capacity in bytes does not fit 64 bits");
    scsi_put_be64(buf, (1ull << 55) - 1);
    assert_int_equal(scsi_read_capacity16_decode(buf, sizeof(buf), &cap), -1);
    scsi_put_be64(buf, (1ull << 55) - 2);
    assert_int_equal(scsi_read_capacity16_decode(buf, sizeof(buf), &cap), 0);
    assert_int_equal(cap.blocks, (1ull << 55) - 1);
    assert_null(scsi_read_capacity_problem(buf, sizeof(buf), true));
    assert_string_equal(scsi_read_capacity_problem(buf, 31, true), "the data is short");
}

static void test_mode_sense6(void **state)
{
    (void)state;
    uint8_t cdb[SCSI_CDB_MAX];
    memset(cdb, 0xa5, sizeof cdb);
    assert_int_equal(scsi_cdb_mode_sense6(cdb, 0x3f, 4), 6);
    const uint8_t want[SCSI_CDB_MAX] = { 0x1a, 0x08, 0x3f, 0, 4, 0 };
    assert_memory_equal(cdb, want, sizeof want);
    /* Header: mode data length, medium type, device-specific parameter, block descriptor length. */
    const uint8_t ro[4] = { 3, 0, 0x80, 0 }, rw[4] = { 3, 0, 0x10, 0 };
    bool wp = true;
    assert_int_equal(scsi_mode_sense6_write_protected(rw, 4, &wp), 0);
    assert_false(wp);
    assert_int_equal(scsi_mode_sense6_write_protected(ro, 4, &wp), 0);
    assert_true(wp);
    assert_int_equal(scsi_mode_sense6_write_protected(ro, 3, &wp), -1);
    assert_false(wp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mode_sense6),
        cmocka_unit_test(test_cdb_unmap_and_parameter_list),
        cmocka_unit_test(test_cdb_inquiry),
        cmocka_unit_test(test_cdb_report_luns),
        cmocka_unit_test(test_cdb_test_unit_ready_and_request_sense),
        cmocka_unit_test(test_cdb_read_capacity),
        cmocka_unit_test(test_cdb_read_write10),
        cmocka_unit_test(test_cdb_read_write16),
        cmocka_unit_test(test_cdb_synchronize_cache),
        cmocka_unit_test(test_cdb_rw_chooses_10_or_16),
        cmocka_unit_test(test_opcode_names),
        cmocka_unit_test(test_sense_fixed_with_information),
        cmocka_unit_test(test_sense_fixed_without_valid),
        cmocka_unit_test(test_sense_fixed_additional_length_stops_before_asc),
        cmocka_unit_test(test_sense_descriptor_with_information),
        cmocka_unit_test(test_sense_descriptor_without_descriptors),
        cmocka_unit_test(test_sense_descriptor_cut_or_invalid),
        cmocka_unit_test(test_sense_deferred),
        cmocka_unit_test(test_sense_short_buffers),
        cmocka_unit_test(test_sense_garbage_response_codes),
        cmocka_unit_test(test_status_and_sense_names),
        cmocka_unit_test(test_asc_names),
        cmocka_unit_test(test_report_luns_peripheral_and_flat),
        cmocka_unit_test(test_report_luns_truncated),
        cmocka_unit_test(test_report_luns_length_far_beyond_buffer),
        cmocka_unit_test(test_report_luns_xfer_cuts_entry),
        cmocka_unit_test(test_report_luns_bad_header),
        cmocka_unit_test(test_report_luns_skips_other_address_methods),
        cmocka_unit_test(test_report_luns_drops_beyond_max),
        cmocka_unit_test(test_lun_level_decode),
        cmocka_unit_test(test_virtio_lun_encode),
        cmocka_unit_test(test_inquiry_qemu_disk),
        cmocka_unit_test(test_inquiry_missing_lun),
        cmocka_unit_test(test_inquiry_removable_cd),
        cmocka_unit_test(test_inquiry_short),
        cmocka_unit_test(test_inquiry_nonprintable_and_cut),
        cmocka_unit_test(test_device_type_names),
        cmocka_unit_test(test_vpd_supported_pages),
        cmocka_unit_test(test_vpd_serial),
        cmocka_unit_test(test_vpd_device_id),
        cmocka_unit_test(test_vpd_device_id_errors),
        cmocka_unit_test(test_vpd_block_limits),
        cmocka_unit_test(test_vpd_characteristics),
        cmocka_unit_test(test_vpd_provisioning),
        cmocka_unit_test(test_read_capacity10),
        cmocka_unit_test(test_read_capacity16),
    };
    return cmocka_run_group_tests_name("scsi", tests, NULL, NULL);
}
