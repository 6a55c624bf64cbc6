/*
 * The pure SCSI layer: CDB builders, sense decoding, and decoders for the data that INQUIRY (with
 * its VPD pages), REPORT LUNS and READ CAPACITY return. No hardware access: the same code runs in
 * the kernel and in the host unit tests and fuzzers.
 *
 * Nothing a device returns is trusted. Every decoder takes the number of bytes that are really
 * there (the smaller of the buffer size and the length the device says it transferred) and
 * returns -1 rather than read past it. The output struct is zeroed first, so on -1 it holds
 * zeros except where a comment says otherwise.
 */
#ifndef DRIVERS_SCSI_SCSI_H
#define DRIVERS_SCSI_SCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- big-endian fields: every multi-byte SCSI field is big-endian (SPC-4 conventions) ---- */

static inline uint16_t scsi_get_be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t scsi_get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t scsi_get_be64(const uint8_t *p)
{
    return (uint64_t)scsi_get_be32(p) << 32 | scsi_get_be32(p + 4);
}

static inline void scsi_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void scsi_put_be32(uint8_t *p, uint32_t v)
{
    scsi_put_be16(p, (uint16_t)(v >> 16));
    scsi_put_be16(p + 2, (uint16_t)v);
}

static inline void scsi_put_be64(uint8_t *p, uint64_t v)
{
    scsi_put_be32(p, (uint32_t)(v >> 32));
    scsi_put_be32(p + 4, (uint32_t)v);
}

/* ---- CDBs ---- */

#define SCSI_CDB_MAX 16

/* Operation codes (SPC-4 annex D, SBC-3 clause 5). */
enum {
    SCSI_OP_TEST_UNIT_READY = 0x00,
    SCSI_OP_REQUEST_SENSE = 0x03,
    SCSI_OP_FORMAT_UNIT = 0x04,
    SCSI_OP_READ6 = 0x08,
    SCSI_OP_WRITE6 = 0x0a,
    SCSI_OP_INQUIRY = 0x12,
    SCSI_OP_MODE_SELECT6 = 0x15,
    SCSI_OP_MODE_SENSE6 = 0x1a,
    SCSI_OP_START_STOP_UNIT = 0x1b,
    SCSI_OP_SEND_DIAGNOSTIC = 0x1d,
    SCSI_OP_PREVENT_ALLOW_MEDIUM_REMOVAL = 0x1e,
    SCSI_OP_READ_CAPACITY10 = 0x25,
    SCSI_OP_READ10 = 0x28,
    SCSI_OP_WRITE10 = 0x2a,
    SCSI_OP_WRITE_AND_VERIFY10 = 0x2e,
    SCSI_OP_VERIFY10 = 0x2f,
    SCSI_OP_SYNCHRONIZE_CACHE10 = 0x35,
    SCSI_OP_WRITE_BUFFER = 0x3b,
    SCSI_OP_READ_BUFFER = 0x3c,
    SCSI_OP_WRITE_SAME10 = 0x41,
    SCSI_OP_UNMAP = 0x42,
    SCSI_OP_LOG_SELECT = 0x4c,
    SCSI_OP_LOG_SENSE = 0x4d,
    SCSI_OP_MODE_SELECT10 = 0x55,
    SCSI_OP_MODE_SENSE10 = 0x5a,
    SCSI_OP_PERSISTENT_RESERVE_IN = 0x5e,
    SCSI_OP_PERSISTENT_RESERVE_OUT = 0x5f,
    SCSI_OP_READ16 = 0x88,
    SCSI_OP_COMPARE_AND_WRITE = 0x89,
    SCSI_OP_WRITE16 = 0x8a,
    SCSI_OP_WRITE_AND_VERIFY16 = 0x8e,
    SCSI_OP_VERIFY16 = 0x8f,
    SCSI_OP_SYNCHRONIZE_CACHE16 = 0x91,
    SCSI_OP_WRITE_SAME16 = 0x93,
    SCSI_OP_SERVICE_ACTION_IN16 = 0x9e,
    SCSI_OP_REPORT_LUNS = 0xa0,
    SCSI_OP_MAINTENANCE_IN = 0xa3,
    SCSI_OP_READ12 = 0xa8,
    SCSI_OP_WRITE12 = 0xaa,
};

/* SERVICE ACTION IN (16) service actions (SBC-3: READ CAPACITY (16), GET LBA STATUS). */
enum { SCSI_SAI_READ_CAPACITY16 = 0x10, SCSI_SAI_GET_LBA_STATUS = 0x12 };

/* VPD page codes (SPC-4 7.8, SBC-3 6.6). */
enum {
    SCSI_VPD_SUPPORTED_PAGES = 0x00,
    SCSI_VPD_UNIT_SERIAL = 0x80,
    SCSI_VPD_DEVICE_ID = 0x83,
    SCSI_VPD_BLOCK_LIMITS = 0xb0,
    SCSI_VPD_BLOCK_CHARACTERISTICS = 0xb1,
    SCSI_VPD_LOGICAL_BLOCK_PROVISIONING = 0xb2,
};

/*
 * Each builder fills cdb (zeroing unused bytes up to SCSI_CDB_MAX) and returns the CDB length.
 * The CONTROL byte is always 0 (no NACA, no linking).
 */

/* INQUIRY (SPC-4 6.6). The page code is written as given: SPC requires 0 when evpd is false and
 * a device must reject anything else, which a conformance check may want to send. SPC-2 devices
 * read only the low byte of the allocation length; keep it below 256 for a first INQUIRY. */
size_t scsi_cdb_inquiry(uint8_t cdb[SCSI_CDB_MAX], bool evpd, uint8_t page, uint16_t alloc_len);
/* REPORT LUNS with SELECT REPORT 0 (SPC-4 6.33). SPC asks for an allocation length of at least 16
 * and QEMU fails a smaller one with INVALID FIELD IN CDB. */
size_t scsi_cdb_report_luns(uint8_t cdb[SCSI_CDB_MAX], uint32_t alloc_len);
size_t scsi_cdb_test_unit_ready(uint8_t cdb[SCSI_CDB_MAX]);
/* REQUEST SENSE with DESC 0: fixed-format sense data is asked for (SPC-4, REQUEST SENSE). */
size_t scsi_cdb_request_sense(uint8_t cdb[SCSI_CDB_MAX], uint8_t alloc_len);
/* MODE SENSE(6) of the current values of a page (0x3f: all), without block descriptors. */
size_t scsi_cdb_mode_sense6(uint8_t cdb[SCSI_CDB_MAX], uint8_t page, uint8_t alloc_len);
/* The WP bit of a mode parameter header (6) (SBC-3 6.5.1: device-specific parameter bit 7 for a
 * direct-access device). Returns 0 with *write_protected set, or -1 when fewer than 4 bytes came. */
int scsi_mode_sense6_write_protected(const uint8_t *buf, size_t len, bool *write_protected);
size_t scsi_cdb_read_capacity10(uint8_t cdb[SCSI_CDB_MAX]);
/* SERVICE ACTION IN (16) 0x9e / READ CAPACITY (16) 0x10 (SBC-3 5.17). */
size_t scsi_cdb_read_capacity16(uint8_t cdb[SCSI_CDB_MAX], uint32_t alloc_len);
/* READ/WRITE (SBC-3): a transfer length of 0 moves no data in the (10) and (16) forms. */
size_t scsi_cdb_read10(uint8_t cdb[SCSI_CDB_MAX], uint32_t lba, uint16_t blocks);
size_t scsi_cdb_write10(uint8_t cdb[SCSI_CDB_MAX], uint32_t lba, uint16_t blocks);
size_t scsi_cdb_read16(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks);
size_t scsi_cdb_write16(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks);
/* READ/WRITE (10) when every block of the range has an LBA below 2^32 and blocks fits in 16
 * bits, else (16). */
size_t scsi_cdb_rw(uint8_t cdb[SCSI_CDB_MAX], bool write, uint64_t lba, uint32_t blocks);
/* SYNCHRONIZE CACHE (SBC-3): blocks 0 means from lba to the end of the medium. */
size_t scsi_cdb_synchronize_cache10(uint8_t cdb[SCSI_CDB_MAX], uint32_t lba, uint16_t blocks);
size_t scsi_cdb_synchronize_cache16(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks);
/* UNMAP (SBC-4 5.31) with a parameter list of param_len bytes (ANCHOR 0, GROUP NUMBER 0). */
size_t scsi_cdb_unmap(uint8_t cdb[SCSI_CDB_MAX], uint16_t param_len);
/* UNMAP's parameter list (SBC-4 5.31.2): the 8-byte header, then one 16-byte block descriptor
 * per range. Fills buf (at least SCSI_UNMAP_PARAM_LEN(n) bytes) with n ranges and returns its
 * length; 0 when n is 0 or too many to fit the 16-bit lengths. */
#define SCSI_UNMAP_PARAM_LEN(n) (8u + 16u * (n))
size_t scsi_unmap_param_list(uint8_t *buf, const uint64_t *lba, const uint32_t *blocks, size_t n);

/* "INQUIRY", "READ(10)", ...; "unknown" for an opcode not in the table. */
const char *scsi_opcode_name(uint8_t opcode);
/* As scsi_opcode_name, but names the service action where the opcode alone does not say what the
 * command is (0x9e/0x10 is "READ CAPACITY(16)"). len is the CDB length; 0 gives "unknown". */
const char *scsi_cdb_name(const uint8_t *cdb, size_t len);

/* ---- status and sense ---- */

/* SCSI status (SAM-5 5.3) */
enum {
    SCSI_STATUS_GOOD = 0x00,
    SCSI_STATUS_CHECK_CONDITION = 0x02,
    SCSI_STATUS_CONDITION_MET = 0x04,
    SCSI_STATUS_BUSY = 0x08,
    SCSI_STATUS_RESERVATION_CONFLICT = 0x18,
    SCSI_STATUS_TASK_SET_FULL = 0x28,
    SCSI_STATUS_ACA_ACTIVE = 0x30,
    SCSI_STATUS_TASK_ABORTED = 0x40,
};
/* "GOOD", "CHECK CONDITION", ...; "unknown" otherwise. */
const char *scsi_status_name(uint8_t status);

/* Sense keys (SPC-4 4.5.6). 0xc is obsolete/reserved. */
enum {
    SCSI_SENSE_NO_SENSE = 0x0,
    SCSI_SENSE_RECOVERED_ERROR = 0x1,
    SCSI_SENSE_NOT_READY = 0x2,
    SCSI_SENSE_MEDIUM_ERROR = 0x3,
    SCSI_SENSE_HARDWARE_ERROR = 0x4,
    SCSI_SENSE_ILLEGAL_REQUEST = 0x5,
    SCSI_SENSE_UNIT_ATTENTION = 0x6,
    SCSI_SENSE_DATA_PROTECT = 0x7,
    SCSI_SENSE_BLANK_CHECK = 0x8,
    SCSI_SENSE_VENDOR_SPECIFIC = 0x9,
    SCSI_SENSE_COPY_ABORTED = 0xa,
    SCSI_SENSE_ABORTED_COMMAND = 0xb,
    SCSI_SENSE_VOLUME_OVERFLOW = 0xd,
    SCSI_SENSE_MISCOMPARE = 0xe,
    SCSI_SENSE_COMPLETED = 0xf,
};

/* Sense data response codes (SPC-4 4.5.1). */
enum {
    SCSI_SENSE_FIXED_CURRENT = 0x70,
    SCSI_SENSE_FIXED_DEFERRED = 0x71,
    SCSI_SENSE_DESC_CURRENT = 0x72,
    SCSI_SENSE_DESC_DEFERRED = 0x73,
};

struct scsi_sense {
    uint8_t response_code; /* 0x70/0x71 fixed, 0x72/0x73 descriptor */
    bool descriptor, deferred;
    uint8_t key, asc, ascq;
    bool information_valid;
    uint64_t information; /* fixed: VALID bit + bytes 3-6; descriptor: type 0x00 descriptor */
};
/*
 * Decode fixed (SPC-4 4.5.3) or descriptor (4.5.2) sense data of len bytes. Returns 0, or -1 when
 * the buffer is too short for the format it claims (8 bytes: both formats put ADDITIONAL SENSE
 * LENGTH in byte 7) or the response code is not 0x70-0x73. Sense data may legally be truncated
 * (SPC-4 4.5.1), so a field that lies beyond len or beyond 8 + ADDITIONAL SENSE LENGTH reads as
 * absent: a fixed sense without ASC/ASCQ gives asc = ascq = 0 and still returns 0, and a
 * descriptor cut short is ignored.
 */
int scsi_sense_decode(const uint8_t *buf, size_t len, struct scsi_sense *sense);
/* "NO SENSE", "NOT READY", ...; "unknown" for a key above 0xf. */
const char *scsi_sense_key_name(uint8_t key);
/* The ASC/ASCQ description from SPC-4 annex D.2 (a subset: what QEMU and common disks report).
 * NULL when not in the table: the caller prints the codes in hex. */
const char *scsi_asc_name(uint8_t asc, uint8_t ascq);

/* The additional sense codes lunbench acts on (SPC-5 annex D.2), and the qualifiers it tells
 * apart; every other code is only named (scsi_asc_name). */
enum {
    SCSI_ASC_INVALID_COMMAND_OPERATION_CODE = 0x20,
    SCSI_ASC_INVALID_FIELD_IN_CDB = 0x24,
    SCSI_ASC_LOGICAL_UNIT_NOT_SUPPORTED = 0x25,
    SCSI_ASC_POWER_ON_OR_RESET = 0x29,     /* any qualifier: 29/00 .. 29/07 */
    SCSI_ASC_PARAMETERS_CHANGED = 0x2a,
    SCSI_ASC_MEDIUM_NOT_PRESENT = 0x3a,    /* any qualifier: tray open, closed, ... */
    SCSI_ASC_OPERATING_CONDITIONS_CHANGED = 0x3f,
};
enum {
    SCSI_ASCQ_CAPACITY_DATA_HAS_CHANGED = 0x09,     /* with SCSI_ASC_PARAMETERS_CHANGED */
    SCSI_ASCQ_REPORTED_LUNS_DATA_HAS_CHANGED = 0x0e, /* with SCSI_ASC_OPERATING_CONDITIONS_CHANGED */
};

/* ---- REPORT LUNS ---- */

/*
 * REPORT LUNS (SPC-4 6.33). buf holds xfer_len bytes the device actually wrote (<= buf_len is the
 * caller's business; the decoder uses min(buf_len, xfer_len)). The header's LUN LIST LENGTH may
 * exceed what was transferred: then list_length tells the caller how big a buffer to retry with
 * (8 + list_length) and truncated is set; only whole entries that arrived are decoded. Each
 * 8-byte entry using peripheral device addressing (method 00b, bus 0) or flat space addressing
 * (method 01b) with no second level (bytes 2-7 zero) decodes to a 14-bit LUN (SAM-5 4.7; QEMU
 * encodes LUN < 256 as 00 LL and LUN >= 256 as 40|hi lo); other entries are counted in skipped.
 * Decoded LUNs go to luns[0..max), count = number stored; LUNs beyond max are counted in dropped.
 * Duplicates are not removed. Returns 0, or -1 when fewer than 8 header bytes arrived or the list
 * length is not a multiple of 8 (list_length is then still filled in when the header arrived).
 */
struct scsi_report_luns {
    uint32_t list_length; /* from the header, bytes */
    bool truncated;
    size_t count, skipped, dropped;
};
int scsi_report_luns_decode(const uint8_t *buf, size_t buf_len, size_t xfer_len, uint16_t *luns, size_t max,
                            struct scsi_report_luns *out);

/* Decode one 2-byte LUN level (SAM-5 4.7): peripheral device addressing with bus 0 or flat space
 * addressing gives the LUN (0..16383); any other address method gives -1. Also what a virtio-scsi
 * event's LUN bytes 2-3 need. */
int scsi_lun_level_decode(const uint8_t level[2]);
#define SCSI_LUN_MAX 16383 /* the largest LUN a single level holds (flat space addressing) */

/* ---- INQUIRY ---- */

/* Peripheral qualifiers (SPC-4 6.6.2). */
enum {
    SCSI_PQ_CONNECTED = 0,
    SCSI_PQ_NOT_CONNECTED = 1, /* QEMU: missing LUN 0 */
    SCSI_PQ_NOT_SUPPORTED = 3, /* QEMU: missing LUN other than 0 */
};
/* Peripheral device types (SPC-4 6.6.2). */
enum {
    SCSI_TYPE_DISK = 0x00,
    SCSI_TYPE_TAPE = 0x01,
    SCSI_TYPE_CDROM = 0x05,
    SCSI_TYPE_WELL_KNOWN_LU = 0x1e,
    SCSI_TYPE_UNKNOWN = 0x1f,
};

#define SCSI_INQUIRY_MIN_LEN 36
/*
 * Standard INQUIRY data (SPC-4 6.6.2). Returns -1 when fewer than 36 bytes arrived (the minimum
 * for vendor/product/revision; QEMU sends 36+). Strings are trimmed of trailing spaces and NULs
 * (QEMU zero-fills them for a missing LUN), non-printable bytes replaced with '?'. A string field
 * that lies beyond 5 + ADDITIONAL LENGTH is not data the device vouches for: it is cut there
 * (QEMU's missing LUN != 0 says ADDITIONAL LENGTH 0, so its strings are empty).
 */
struct scsi_inquiry {
    uint8_t qualifier, device_type, version;
    bool removable;
    char vendor[9], product[17], revision[5];
    uint8_t response_format; /* RESPONSE DATA FORMAT: 2 for SPC-2 and later */
    size_t length;           /* 5 + ADDITIONAL LENGTH: what the device has to give */
};
int scsi_inquiry_decode(const uint8_t *buf, size_t len, struct scsi_inquiry *inq);
/* 0 "disk", 5 "cd/dvd", 1 "tape", 0x1f "unknown/no device", ...; "reserved" for the rest. */
const char *scsi_device_type_name(uint8_t type);

/*
 * VPD pages. Each decoder checks that the 4-byte header arrived, the page code byte, and that
 * 4 + PAGE LENGTH <= len; else it returns -1. scsi_vpd_header does just that much, so that a
 * caller can learn the size to ask for again: it returns 0 when the header arrived with the
 * expected page code, with *page_len = PAGE LENGTH (the page may still be longer than len).
 */
int scsi_vpd_header(const uint8_t *buf, size_t len, uint8_t page, size_t *page_len);
/* 0x00 (SPC-4 7.8): pages[0..*count), *count = number stored (a page lists at most 256 codes). */
int scsi_vpd_supported_pages(const uint8_t *buf, size_t len, uint8_t *pages, size_t max, size_t *count);
/* 0x80 (SPC-4 7.8): the right-aligned serial number, leading and trailing spaces trimmed,
 * non-printables as '?', cut to serial_len - 1 characters. -1 also when serial_len is 0. */
int scsi_vpd_serial(const uint8_t *buf, size_t len, char *serial, size_t serial_len);
/* 0x83 (SPC-4 7.8): count designators; keep the first NAA (binary, 8 or 16 bytes) and the first T10
 * vendor id (ASCII) that name the logical unit (ASSOCIATION 00b). A designator that runs past
 * the page end is an error. */
struct scsi_vpd_devid {
    size_t designators;
    bool have_naa;
    uint8_t naa[16];
    size_t naa_len;
    char t10[64];
};
int scsi_vpd_device_id(const uint8_t *buf, size_t len, struct scsi_vpd_devid *id);
/* 0xB0 Block Limits (SBC-4 6.6.4), page length >= 0x3c. 0 in a field means "not reported". */
struct scsi_vpd_block_limits {
    uint32_t max_transfer_blocks, optimal_transfer_blocks, max_unmap_lba_count;
    uint32_t max_unmap_descriptors; /* MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT; FFFFFFFFh: no limit */
    uint32_t unmap_granularity;     /* OPTIMAL UNMAP GRANULARITY, blocks */
    uint16_t optimal_granularity_blocks;
};
int scsi_vpd_block_limits(const uint8_t *buf, size_t len, struct scsi_vpd_block_limits *bl);
/* 0xB1 Block Device Characteristics (SBC-4 6.6.2), page length >= 4: rate 0 = not reported,
 * 1 = non-rotating (solid state), else rpm; form factor 0 = not reported, 1 = 5.25", 2 = 3.5",
 * 3 = 2.5", 4 = 1.8", 5 = below 1.8". */
struct scsi_vpd_characteristics {
    uint16_t rotation_rate;
    uint8_t form_factor;
};
int scsi_vpd_characteristics(const uint8_t *buf, size_t len, struct scsi_vpd_characteristics *c);
/* 0xB2 Logical Block Provisioning (SBC-4 6.6.6), page length >= 4. lbprz is set only for LBPRZ
 * field 001b (unmapped blocks read as zeros); provisioning_type 0 full, 1 resource, 2 thin. */
struct scsi_vpd_provisioning {
    bool lbpu, lbpws, lbpws10, lbprz;
    uint8_t provisioning_type;
};
int scsi_vpd_provisioning(const uint8_t *buf, size_t len, struct scsi_vpd_provisioning *p);

/* ---- READ CAPACITY ---- */

#define SCSI_READ_CAPACITY10_LEN 8
#define SCSI_READ_CAPACITY16_LEN 32
/*
 * READ CAPACITY (SBC-3 5.16, 5.17). blocks = last LBA + 1. (10): if the last LBA reads 0xffffffff,
 * *needs_16 is set (blocks is then 2^32, a lower bound). (16): protection (PROT_EN, P_TYPE: the
 * protection type is p_type + 1 when prot_en), LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT,
 * LBPME/LBPRZ; it needs all 32 bytes, and a last LBA of 2^64 - 1 (no block count fits) or a
 * capacity of 2^64 bytes or more (no byte offset fits) is an error. Both return -1 on short data
 * or a block length of 0 or not a power of two in 512..65536: scsi_read_capacity_problem says
 * which, for the error line.
 */
struct scsi_capacity {
    uint64_t blocks;
    uint32_t block_size;
    bool prot_en;
    uint8_t p_type;
    uint8_t lbppbe;
    bool lbpme, lbprz;
};
int scsi_read_capacity10_decode(const uint8_t *buf, size_t len, struct scsi_capacity *cap, bool *needs_16);
int scsi_read_capacity16_decode(const uint8_t *buf, size_t len, struct scsi_capacity *cap);
/* Why the decoder of READ CAPACITY (16) (sixteen) or (10) refuses len bytes of buf, in words
 * ("its block length is not a power of two in 512..65536"), or NULL when it takes them. */
const char *scsi_read_capacity_problem(const uint8_t *buf, size_t len, bool sixteen);

#endif
