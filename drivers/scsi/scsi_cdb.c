/* CDB builders and opcode names. Field layouts cite SPC-4 / SBC-3; all fields are big-endian. */
#include <string.h>

#include "drivers/scsi/scsi.h"

/* Start a CDB: zero all SCSI_CDB_MAX bytes so that reserved fields, CONTROL and unused bytes are
 * 0 whatever the caller's buffer held, then set the opcode. */
static void scsi_cdb_start(uint8_t cdb[SCSI_CDB_MAX], uint8_t opcode)
{
    memset(cdb, 0, SCSI_CDB_MAX);
    cdb[0] = opcode;
}

size_t scsi_cdb_inquiry(uint8_t cdb[SCSI_CDB_MAX], bool evpd, uint8_t page, uint16_t alloc_len)
{
    /* SPC-4 6.6.1: byte 1 bit 0 EVPD, byte 2 PAGE CODE, bytes 3-4 ALLOCATION LENGTH. */
    scsi_cdb_start(cdb, SCSI_OP_INQUIRY);
    cdb[1] = evpd ? 0x01 : 0x00;
    cdb[2] = page;
    scsi_put_be16(cdb + 3, alloc_len);
    return 6;
}

size_t scsi_cdb_report_luns(uint8_t cdb[SCSI_CDB_MAX], uint32_t alloc_len)
{
    /* SPC-4 6.33.1: byte 2 SELECT REPORT (0: all LUNs but well-known ones), bytes 6-9
     * ALLOCATION LENGTH. */
    scsi_cdb_start(cdb, SCSI_OP_REPORT_LUNS);
    scsi_put_be32(cdb + 6, alloc_len);
    return 12;
}

size_t scsi_cdb_test_unit_ready(uint8_t cdb[SCSI_CDB_MAX])
{
    scsi_cdb_start(cdb, SCSI_OP_TEST_UNIT_READY);
    return 6;
}

size_t scsi_cdb_request_sense(uint8_t cdb[SCSI_CDB_MAX], uint8_t alloc_len)
{
    /* SPC-4 REQUEST SENSE: byte 1 bit 0 DESC stays 0 (fixed format), byte 4 ALLOCATION LENGTH. */
    scsi_cdb_start(cdb, SCSI_OP_REQUEST_SENSE);
    cdb[4] = alloc_len;
    return 6;
}

size_t scsi_cdb_mode_sense6(uint8_t cdb[SCSI_CDB_MAX], uint8_t page, uint8_t alloc_len)
{
    /* SPC-4 6.11: byte 1 bit 3 DBD (no block descriptors), byte 2 PC 00b (current values) and
     * PAGE CODE, byte 4 ALLOCATION LENGTH. */
    scsi_cdb_start(cdb, SCSI_OP_MODE_SENSE6);
    cdb[1] = 0x08;
    cdb[2] = page & 0x3f;
    cdb[4] = alloc_len;
    return 6;
}

size_t scsi_cdb_read_capacity10(uint8_t cdb[SCSI_CDB_MAX])
{
    /* SBC-3 5.16: the LBA field and PMI bit are obsolete; all zero. */
    scsi_cdb_start(cdb, SCSI_OP_READ_CAPACITY10);
    return 10;
}

size_t scsi_cdb_read_capacity16(uint8_t cdb[SCSI_CDB_MAX], uint32_t alloc_len)
{
    /* SBC-3 5.17: byte 1 SERVICE ACTION, bytes 10-13 ALLOCATION LENGTH. */
    scsi_cdb_start(cdb, SCSI_OP_SERVICE_ACTION_IN16);
    cdb[1] = SCSI_SAI_READ_CAPACITY16;
    scsi_put_be32(cdb + 10, alloc_len);
    return 16;
}

/* READ (10), WRITE (10), SYNCHRONIZE CACHE (10) share the layout (SBC-3): bytes 2-5 LBA, byte 6
 * GROUP NUMBER, bytes 7-8 TRANSFER LENGTH / NUMBER OF LOGICAL BLOCKS. */
static size_t scsi_cdb_lba10(uint8_t cdb[SCSI_CDB_MAX], uint8_t opcode, uint32_t lba, uint16_t blocks)
{
    scsi_cdb_start(cdb, opcode);
    scsi_put_be32(cdb + 2, lba);
    scsi_put_be16(cdb + 7, blocks);
    return 10;
}

/* The (16) forms: bytes 2-9 LBA, bytes 10-13 TRANSFER LENGTH / NUMBER OF LOGICAL BLOCKS. */
static size_t scsi_cdb_lba16(uint8_t cdb[SCSI_CDB_MAX], uint8_t opcode, uint64_t lba, uint32_t blocks)
{
    scsi_cdb_start(cdb, opcode);
    scsi_put_be64(cdb + 2, lba);
    scsi_put_be32(cdb + 10, blocks);
    return 16;
}

size_t scsi_cdb_read10(uint8_t cdb[SCSI_CDB_MAX], uint32_t lba, uint16_t blocks)
{
    return scsi_cdb_lba10(cdb, SCSI_OP_READ10, lba, blocks);
}

size_t scsi_cdb_write10(uint8_t cdb[SCSI_CDB_MAX], uint32_t lba, uint16_t blocks)
{
    return scsi_cdb_lba10(cdb, SCSI_OP_WRITE10, lba, blocks);
}

size_t scsi_cdb_read16(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks)
{
    return scsi_cdb_lba16(cdb, SCSI_OP_READ16, lba, blocks);
}

size_t scsi_cdb_write16(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks)
{
    return scsi_cdb_lba16(cdb, SCSI_OP_WRITE16, lba, blocks);
}

size_t scsi_cdb_rw(uint8_t cdb[SCSI_CDB_MAX], bool write, uint64_t lba, uint32_t blocks)
{
    /* (10) holds a 32-bit LBA and a 16-bit length. The last block read is lba + blocks - 1, so
     * the range fits when lba + blocks <= 2^32 (no overflow: lba < 2^32 is checked first). */
    bool fits10 = blocks <= UINT16_MAX && lba <= UINT32_MAX && lba + blocks <= (uint64_t)UINT32_MAX + 1;
    if (fits10)
        return scsi_cdb_lba10(cdb, write ? SCSI_OP_WRITE10 : SCSI_OP_READ10, (uint32_t)lba, (uint16_t)blocks);
    return scsi_cdb_lba16(cdb, write ? SCSI_OP_WRITE16 : SCSI_OP_READ16, lba, blocks);
}

size_t scsi_cdb_synchronize_cache10(uint8_t cdb[SCSI_CDB_MAX], uint32_t lba, uint16_t blocks)
{
    return scsi_cdb_lba10(cdb, SCSI_OP_SYNCHRONIZE_CACHE10, lba, blocks);
}

size_t scsi_cdb_synchronize_cache16(uint8_t cdb[SCSI_CDB_MAX], uint64_t lba, uint32_t blocks)
{
    return scsi_cdb_lba16(cdb, SCSI_OP_SYNCHRONIZE_CACHE16, lba, blocks);
}

size_t scsi_cdb_unmap(uint8_t cdb[SCSI_CDB_MAX], uint16_t param_len)
{
    memset(cdb, 0, SCSI_CDB_MAX);
    cdb[0] = SCSI_OP_UNMAP;
    scsi_put_be16(cdb + 7, param_len); /* PARAMETER LIST LENGTH */
    return 10;
}

size_t scsi_unmap_param_list(uint8_t *buf, const uint64_t *lba, const uint32_t *blocks, size_t n)
{
    if (n == 0 || SCSI_UNMAP_PARAM_LEN(n) > UINT16_MAX)
        return 0;
    size_t len = SCSI_UNMAP_PARAM_LEN(n);
    memset(buf, 0, 8);
    scsi_put_be16(buf, (uint16_t)(len - 2));      /* UNMAP DATA LENGTH: the bytes after itself */
    scsi_put_be16(buf + 2, (uint16_t)(16u * n));  /* UNMAP BLOCK DESCRIPTOR DATA LENGTH */
    for (size_t i = 0; i < n; i++) {
        uint8_t *d = buf + 8 + 16 * i;
        scsi_put_be64(d, lba[i]);
        scsi_put_be32(d + 8, blocks[i]);
        memset(d + 12, 0, 4);
    }
    return len;
}

const char *scsi_opcode_name(uint8_t opcode)
{
    switch (opcode) {
    case SCSI_OP_TEST_UNIT_READY: return "TEST UNIT READY";
    case SCSI_OP_REQUEST_SENSE: return "REQUEST SENSE";
    case SCSI_OP_FORMAT_UNIT: return "FORMAT UNIT";
    case SCSI_OP_READ6: return "READ(6)";
    case SCSI_OP_WRITE6: return "WRITE(6)";
    case SCSI_OP_INQUIRY: return "INQUIRY";
    case SCSI_OP_MODE_SELECT6: return "MODE SELECT(6)";
    case SCSI_OP_MODE_SENSE6: return "MODE SENSE(6)";
    case SCSI_OP_START_STOP_UNIT: return "START STOP UNIT";
    case SCSI_OP_SEND_DIAGNOSTIC: return "SEND DIAGNOSTIC";
    case SCSI_OP_PREVENT_ALLOW_MEDIUM_REMOVAL: return "PREVENT ALLOW MEDIUM REMOVAL";
    case SCSI_OP_READ_CAPACITY10: return "READ CAPACITY(10)";
    case SCSI_OP_READ10: return "READ(10)";
    case SCSI_OP_WRITE10: return "WRITE(10)";
    case SCSI_OP_WRITE_AND_VERIFY10: return "WRITE AND VERIFY(10)";
    case SCSI_OP_VERIFY10: return "VERIFY(10)";
    case SCSI_OP_SYNCHRONIZE_CACHE10: return "SYNCHRONIZE CACHE(10)";
    case SCSI_OP_WRITE_BUFFER: return "WRITE BUFFER";
    case SCSI_OP_READ_BUFFER: return "READ BUFFER";
    case SCSI_OP_WRITE_SAME10: return "WRITE SAME(10)";
    case SCSI_OP_UNMAP: return "UNMAP";
    case SCSI_OP_LOG_SELECT: return "LOG SELECT";
    case SCSI_OP_LOG_SENSE: return "LOG SENSE";
    case SCSI_OP_MODE_SELECT10: return "MODE SELECT(10)";
    case SCSI_OP_MODE_SENSE10: return "MODE SENSE(10)";
    case SCSI_OP_PERSISTENT_RESERVE_IN: return "PERSISTENT RESERVE IN";
    case SCSI_OP_PERSISTENT_RESERVE_OUT: return "PERSISTENT RESERVE OUT";
    case SCSI_OP_READ16: return "READ(16)";
    case SCSI_OP_COMPARE_AND_WRITE: return "COMPARE AND WRITE";
    case SCSI_OP_WRITE16: return "WRITE(16)";
    case SCSI_OP_WRITE_AND_VERIFY16: return "WRITE AND VERIFY(16)";
    case SCSI_OP_VERIFY16: return "VERIFY(16)";
    case SCSI_OP_SYNCHRONIZE_CACHE16: return "SYNCHRONIZE CACHE(16)";
    case SCSI_OP_WRITE_SAME16: return "WRITE SAME(16)";
    case SCSI_OP_SERVICE_ACTION_IN16: return "SERVICE ACTION IN(16)";
    case SCSI_OP_REPORT_LUNS: return "REPORT LUNS";
    case SCSI_OP_MAINTENANCE_IN: return "MAINTENANCE IN";
    case SCSI_OP_READ12: return "READ(12)";
    case SCSI_OP_WRITE12: return "WRITE(12)";
    default: return "unknown";
    }
}

const char *scsi_cdb_name(const uint8_t *cdb, size_t len)
{
    if (len == 0)
        return "unknown";
    /* SBC-3 (SERVICE ACTION IN (16)): the service action is in byte 1, bits 4-0. */
    if (cdb[0] == SCSI_OP_SERVICE_ACTION_IN16 && len >= 2) {
        switch (cdb[1] & 0x1f) {
        case SCSI_SAI_READ_CAPACITY16: return "READ CAPACITY(16)";
        case SCSI_SAI_GET_LBA_STATUS: return "GET LBA STATUS";
        default: break;
        }
    }
    return scsi_opcode_name(cdb[0]);
}
