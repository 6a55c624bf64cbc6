/* SBC-4 checks of a disk: READ CAPACITY, the READs at the edges of the medium, VERIFY,
 * SYNCHRONIZE CACHE, the Block Limits, Block Device Characteristics and Logical Block
 * Provisioning VPD pages, and (check_writes=yes only) writes read back. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/command.h"

CHECK_FN(readcap16_matches_readcap10)
{
    if (!check_is_disk(l))
        return check_skip(why, why_len, "not a disk");
    struct answer a16, a10;
    struct check_capacity c16;
    if (!check_read_capacity16(l, &a16, &c16))
        return check_skip(why, why_len, "no READ CAPACITY(16) answer");
    uint8_t cdb[SCSI_CDB_MAX];
    if (!check_send_good(l, cdb, scsi_cdb_read_capacity10(cdb), 8, &a10))
        return COMMAND_LOST(&a10);
    struct scsi_capacity c10;
    bool needs_16 = false;
    if (a10.v.outcome != HBA_OUTCOME_DONE || scsi_read_capacity10_decode(l->buf, a10.got, &c10, &needs_16) != 0)
        return check_fail(&a10, why, why_len, "GOOD with a capacity");
    /* SBC-4 5.20.2: past 2^32 - 1 blocks, RETURNED LOGICAL BLOCK ADDRESS is FFFFFFFFh. */
    bool match = c16.blocks - 1 > 0xfffffffeull ? needs_16
                                                : !needs_16 && c10.blocks == c16.blocks && c10.block_size == c16.block_size;
    if (!match)
        return check_failf(&a10, why, why_len, "the capacity of READ CAPACITY(16): %" PRIu64 " blocks of %" PRIu32,
                           c16.blocks, c16.block_size);
    return CHECK_PASS;
}

static enum check_result read_at(const struct check_lun *l, bool last, bool sixteen, char *why, size_t why_len)
{
    if (!check_is_disk(l) || (l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY)))
        return check_skip(why, why_len, "not a ready disk");
    if (l->info->block_size > CHECK_BUF)
        return check_skip(why, why_len, "blocks larger than the check's buffer");
    uint64_t lba = last ? l->info->blocks - 1 : 0;
    if (!sixteen && lba > 0xffffffffull)
        return check_skip(why, why_len, "the last LBA needs READ(16)");
    uint8_t cdb[SCSI_CDB_MAX] = { 0 };
    size_t len;
    if (sixteen) {
        len = scsi_cdb_read16(cdb, lba, 1);
    } else {
        len = scsi_cdb_read10(cdb, (uint32_t)lba, 1);
    }
    struct answer a;
    if (!check_send_good(l, cdb, len, l->info->block_size, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE || a.got != l->info->block_size)
        return check_fail(&a, why, why_len, "GOOD with one whole block");
    return CHECK_PASS;
}

CHECK_FN(read10_first_lba) { return read_at(l, false, false, why, why_len); }
CHECK_FN(read16_last_lba) { return read_at(l, true, true, why, why_len); }

CHECK_FN(read_past_the_end)
{
    if (!check_is_disk(l) || (l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY)))
        return check_skip(why, why_len, "not a ready disk");
    uint8_t cdb[SCSI_CDB_MAX];
    size_t len = scsi_cdb_read16(cdb, l->info->blocks, 1);
    struct answer a;
    if (!check_send_good(l, cdb, len, l->info->block_size <= CHECK_BUF ? l->info->block_size : CHECK_BUF, &a))
        return COMMAND_LOST(&a);
    if (!check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00))
        return check_fail(&a, why, why_len, "CHECK CONDITION, ILLEGAL REQUEST 21/00 (LOGICAL BLOCK ADDRESS OUT OF RANGE)");
    return CHECK_PASS;
}

CHECK_FN(read10_transfer_length_zero)
{
    if (!check_is_disk(l) || (l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY)))
        return check_skip(why, why_len, "not a ready disk");
    uint8_t cdb[SCSI_CDB_MAX];
    size_t len = scsi_cdb_read10(cdb, 0, 0);
    struct answer a;
    if (!check_send_good(l, cdb, len, 0, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE)
        return check_fail(&a, why, why_len, "GOOD (a transfer length of zero reads nothing and is no error)");
    return CHECK_PASS;
}

CHECK_FN(synchronize_cache10)
{
    if (!check_is_disk(l) || (l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY)))
        return check_skip(why, why_len, "not a ready disk");
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    if (!check_send_good(l, cdb, scsi_cdb_synchronize_cache10(cdb, 0, 0), 0, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome != HBA_OUTCOME_DONE)
        return check_fail(&a, why, why_len, "GOOD");
    return CHECK_PASS;
}

CHECK_FN(read10_last_lba) { return read_at(l, true, false, why, why_len); }

CHECK_FN(read_across_the_end)
{
    if (!check_is_disk(l) || (l->info->flags & (LUN_NO_MEDIUM | LUN_NOT_READY)))
        return check_skip(why, why_len, "not a ready disk");
    if (2u * l->info->block_size > CHECK_BUF)
        return check_skip(why, why_len, "blocks larger than the check's buffer");
    uint8_t cdb[SCSI_CDB_MAX];
    size_t len = scsi_cdb_read16(cdb, l->info->blocks - 1, 2); /* the last block and one past it */
    struct answer a;
    if (!check_send_good(l, cdb, len, 2 * l->info->block_size, &a))
        return COMMAND_LOST(&a);
    if (!check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00))
        return check_fail(&a, why, why_len, "CHECK CONDITION, ILLEGAL REQUEST 21/00 (the range passes the last LBA)");
    return CHECK_PASS;
}


/* ---- READ CAPACITY (SBC-4 5.20, 5.21) ---- */

/* READ CAPACITY(16) with alloc bytes of room: GOOD with want bytes (the data is 32 bytes, cut at
 * the allocation length: SBC-4 5.21.1, SPC-5 4.2.5.6). */
static enum check_result readcap16_length(const struct check_lun *l, uint32_t alloc, uint32_t want, char *why,
                                          size_t why_len)
{
    if (!check_is_disk(l))
        return check_skip(why, why_len, "not a disk");
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    if (!check_send_good(l, cdb, scsi_cdb_read_capacity16(cdb, alloc), alloc, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome == HBA_OUTCOME_UNSUPPORTED)
        return check_skip(why, why_len, "no READ CAPACITY(16)");
    if (!check_good(&a) || a.got != want)
        return check_failf(&a, why, why_len, "GOOD with exactly %u bytes, the residual the rest", (unsigned)want);
    return CHECK_PASS;
}

CHECK_FN(readcap16_allocation_length) { return readcap16_length(l, 12, 12, why, why_len); }
CHECK_FN(readcap16_transfer_length) { return readcap16_length(l, 64, 32, why, why_len); }

/* READ CAPACITY(16) of a ready disk, or false with the SKIP in *res. */
static bool ready_capacity(const struct check_lun *l, struct answer *a, struct check_capacity *c, char *why,
                           size_t why_len, enum check_result *res)
{
    if (!check_ready_disk(l)) {
        *res = NOT_A_READY_DISK();
        return false;
    }
    if (!check_read_capacity16(l, a, c)) {
        *res = check_skip(why, why_len, "no READ CAPACITY(16) answer");
        return false;
    }
    return true;
}

/* SBC-4 5.21.2: LOWEST ALIGNED LOGICAL BLOCK ADDRESS names a block within the first physical
 * block, so it is below 2^LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT. */
CHECK_FN(readcap16_lowest_aligned)
{
    struct answer a;
    struct check_capacity c;
    enum check_result res;
    if (!ready_capacity(l, &a, &c, why, why_len, &res))
        return res;
    uint16_t lowest = scsi_get_be16(l->buf + 14) & 0x3fff;
    if (lowest >= (1u << c.full.lbppbe))
        return check_failf(&a, why, why_len, "LOWEST ALIGNED LBA below 2^%u (it is %u)", c.full.lbppbe, lowest);
    return CHECK_PASS;
}

CHECK_FN(readcap16_matches_inventory)
{
    struct answer a;
    struct check_capacity c;
    enum check_result res;
    if (!ready_capacity(l, &a, &c, why, why_len, &res))
        return res;
    if (c.blocks != l->info->blocks || c.block_size != l->info->block_size)
        return check_failf(&a, why, why_len, "%" PRIu64 " blocks of %u, as discovery read (nothing changed since)",
                           l->info->blocks, (unsigned)l->info->block_size);
    return CHECK_PASS;
}

/* SBC-4 5.21.2 and 6.6.6: LBPME set means logical block provisioning management, whose
 * Logical Block Provisioning VPD page the LUN then has; its LBPRZ agrees with READ CAPACITY's. */
CHECK_FN(readcap16_lbpme_has_page)
{
    struct answer a;
    struct check_capacity c;
    enum check_result res;
    if (!ready_capacity(l, &a, &c, why, why_len, &res))
        return res;
    if (!c.full.lbpme)
        return check_skip(why, why_len, "LBPME is zero: no provisioning management");
    uint8_t pages[64];
    size_t n = 0;
    if (!check_supported_pages(l, &a, pages, &n))
        return check_skip(why, why_len, "no supported-pages list (spc.vpd.supported_pages says why)");
    if (!check_page_listed(pages, n, SCSI_VPD_LOGICAL_BLOCK_PROVISIONING))
        return check_fail(&a, why, why_len, "page B2 among the supported pages (READ CAPACITY(16) says LBPME)");
    return CHECK_PASS;
}

/* Page B0 (SBC-4 6.6.4) or B2 (6.6.6) read and decoded: true, or false with *r the verdict (the
 * page's absence or refusal as check_vpd_page judges it, or a FAIL for a page too short). */
static bool block_limits_page(const struct check_lun *l, struct answer *a, struct scsi_vpd_block_limits *bl,
                              char *why, size_t why_len, enum check_result *r)
{
    if (check_vpd_page(l, SCSI_VPD_BLOCK_LIMITS, a, why, why_len, r) <= 0)
        return false;
    if (scsi_vpd_block_limits(l->buf, a->got, bl) == 0)
        return true;
    *r = check_fail(a, why, why_len, "page B0 with its 3Ch bytes");
    return false;
}

static bool provisioning_page(const struct check_lun *l, struct answer *a, struct scsi_vpd_provisioning *p,
                              char *why, size_t why_len, enum check_result *r)
{
    if (check_vpd_page(l, SCSI_VPD_LOGICAL_BLOCK_PROVISIONING, a, why, why_len, r) <= 0)
        return false;
    if (scsi_vpd_provisioning(l->buf, a->got, p) == 0)
        return true;
    *r = check_fail(a, why, why_len, "page B2 at least 8 bytes");
    return false;
}

CHECK_FN(lbp_lbprz_matches_readcap16)
{
    struct answer a;
    struct check_capacity c;
    enum check_result res;
    if (!ready_capacity(l, &a, &c, why, why_len, &res))
        return res;
    enum check_result r;
    struct scsi_vpd_provisioning p;
    if (!provisioning_page(l, &a, &p, why, why_len, &r))
        return r;
    if (p.lbprz != c.full.lbprz)
        return check_failf(&a, why, why_len, "LBPRZ %u, as READ CAPACITY(16) says", c.full.lbprz);
    return CHECK_PASS;
}

/* ---- READ (SBC-4 5.14 - 5.17) ---- */

/* One READ of blocks at lba with the CDB kind (6, 10, 12 or 16) and flags in byte 1 (DPO 10h,
 * FUA 08h), into a buffer of buf_blocks blocks. */
static bool read_lbas(const struct check_lun *l, unsigned kind, uint64_t lba, uint32_t blocks, uint8_t flags,
                        uint32_t buf_blocks, struct answer *a)
{
    uint8_t cdb[SCSI_CDB_MAX] = { 0 };
    size_t len;
    switch (kind) {
    case 6:
        cdb[0] = SCSI_OP_READ6;
        cdb[1] = (uint8_t)(lba >> 16 & 0x1f);
        cdb[2] = (uint8_t)(lba >> 8);
        cdb[3] = (uint8_t)lba;
        cdb[4] = (uint8_t)blocks; /* 0 means 256 (SBC-4 5.15) */
        len = 6;
        break;
    case 12:
        cdb[0] = SCSI_OP_READ12;
        scsi_put_be32(cdb + 2, (uint32_t)lba);
        scsi_put_be32(cdb + 6, blocks);
        len = 12;
        break;
    case 16: len = scsi_cdb_read16(cdb, lba, blocks); break;
    default: len = scsi_cdb_read10(cdb, (uint32_t)lba, (uint16_t)blocks); break;
    }
    if (kind != 6)
        cdb[1] |= flags;
    return check_send_good(l, cdb, len, buf_blocks * l->info->block_size, a);
}

/* READ of one block at LBA 0 with the given CDB and flags: GOOD, one block; an optional CDB
 * (READ(6), READ(12)) may be refused as unsupported. */
static enum check_result read_one(const struct check_lun *l, unsigned kind, uint8_t flags, bool optional, char *why,
                                  size_t why_len)
{
    if (!check_ready_disk(l))
        return NOT_A_READY_DISK();
    if (l->info->block_size > CHECK_BUF)
        return check_skip(why, why_len, "blocks larger than the check's buffer");
    struct answer a;
    if (!read_lbas(l, kind, 0, 1, flags, 1, &a))
        return COMMAND_LOST(&a);
    if (optional && a.v.outcome == HBA_OUTCOME_UNSUPPORTED)
        return check_skip(why, why_len, "the LUN does not support this READ (it is optional)");
    if (!check_good(&a) || a.got != l->info->block_size)
        return check_fail(&a, why, why_len, "GOOD with one whole block");
    return CHECK_PASS;
}

CHECK_FN(read6_first_lba) { return read_one(l, 6, 0, true, why, why_len); }
CHECK_FN(read12_first_lba) { return read_one(l, 12, 0, true, why, why_len); }
CHECK_FN(read16_first_lba) { return read_one(l, 16, 0, false, why, why_len); }
CHECK_FN(read10_fua) { return read_one(l, 10, 0x08, false, why, why_len); }
CHECK_FN(read10_dpo) { return read_one(l, 10, 0x10, false, why, why_len); }
CHECK_FN(read16_fua) { return read_one(l, 16, 0x08, false, why, why_len); }

CHECK_FN(read10_past_the_end)
{
    if (!check_ready_disk(l))
        return NOT_A_READY_DISK();
    if (l->info->blocks > 0xffffffffull)
        return check_skip(why, why_len, "the end is past READ(10)'s reach");
    if (l->info->block_size > CHECK_BUF)
        return check_skip(why, why_len, "blocks larger than the check's buffer");
    struct answer a;
    if (!read_lbas(l, 10, l->info->blocks, 1, 0, 1, &a))
        return COMMAND_LOST(&a);
    if (!check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00))
        return check_fail(&a, why, why_len, "CHECK CONDITION, ILLEGAL REQUEST 21/00 (LOGICAL BLOCK ADDRESS OUT OF RANGE)");
    return CHECK_PASS;
}

CHECK_FN(read10_two_blocks)
{
    if (!check_ready_disk(l) || l->info->blocks < 2)
        return NOT_A_READY_DISK();
    if (2u * l->info->block_size > CHECK_BUF)
        return check_skip(why, why_len, "blocks larger than the check's buffer");
    struct answer a;
    if (!read_lbas(l, 10, 0, 2, 0, 2, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got != 2 * l->info->block_size)
        return check_fail(&a, why, why_len, "GOOD with two whole blocks");
    return CHECK_PASS;
}

/* READ(10) and READ(16) of the same block bring the same bytes; so do two READs of it (nobody
 * writes while the checks run). */
static enum check_result same_data(const struct check_lun *l, unsigned first, unsigned second, char *why,
                                   size_t why_len)
{
    if (!check_ready_disk(l))
        return NOT_A_READY_DISK();
    uint32_t bs = l->info->block_size;
    if (bs > CHECK_BUF)
        return check_skip(why, why_len, "blocks larger than the check's buffer");
    struct answer a;
    if (!read_lbas(l, first, 0, 1, 0, 1, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got != bs)
        return check_fail(&a, why, why_len, "GOOD with one whole block");
    uint8_t *before = malloc(bs);
    if (before == NULL)
        return check_skip(why, why_len, "out of memory");
    memcpy(before, l->buf, bs);
    bool ok = read_lbas(l, second, 0, 1, 0, 1, &a);
    bool same = ok && check_good(&a) && a.got == bs && memcmp(before, l->buf, bs) == 0;
    free(before);
    if (!ok)
        return COMMAND_LOST(&a);
    if (!same)
        return check_fail(&a, why, why_len, "the same bytes as the READ before it");
    return CHECK_PASS;
}

CHECK_FN(read10_matches_read16) { return same_data(l, 10, 16, why, why_len); }
CHECK_FN(read_data_stable) { return same_data(l, 10, 10, why, why_len); }

/* ---- VERIFY (SBC-4 5.31, 5.32) and SYNCHRONIZE CACHE (5.24, 5.25) ---- */

/* A command on one range without data: VERIFY(10/16) with BYTCHK zero, SYNCHRONIZE CACHE(16). */
static bool range_command(const struct check_lun *l, uint8_t op, uint64_t lba, uint32_t blocks, struct answer *a)
{
    uint8_t cdb[SCSI_CDB_MAX] = { op };
    size_t len;
    if (op == SCSI_OP_VERIFY10) {
        scsi_put_be32(cdb + 2, (uint32_t)lba);
        scsi_put_be16(cdb + 7, (uint16_t)blocks);
        len = 10;
    } else {
        scsi_put_be64(cdb + 2, lba);
        scsi_put_be32(cdb + 10, blocks);
        len = 16;
    }
    return check_send_good(l, cdb, len, 0, a);
}

static enum check_result range_at(const struct check_lun *l, uint8_t op, bool past_end, char *why, size_t why_len)
{
    if (!check_ready_disk(l))
        return NOT_A_READY_DISK();
    if (op == SCSI_OP_VERIFY10 && l->info->blocks > 0xffffffffull)
        return check_skip(why, why_len, "the end is past VERIFY(10)'s reach");
    struct answer a;
    if (!range_command(l, op, past_end ? l->info->blocks : 0, 1, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome == HBA_OUTCOME_UNSUPPORTED)
        return check_skip(why, why_len, "the LUN does not support the command (it is optional)");
    if (past_end) {
        if (!check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00))
            return check_fail(&a, why, why_len, "CHECK CONDITION, ILLEGAL REQUEST 21/00 (LOGICAL BLOCK ADDRESS OUT OF RANGE)");
    } else if (!check_good(&a)) {
        return check_fail(&a, why, why_len, "GOOD");
    }
    return CHECK_PASS;
}

CHECK_FN(verify10_first_lba) { return range_at(l, SCSI_OP_VERIFY10, false, why, why_len); }
CHECK_FN(verify10_past_the_end) { return range_at(l, SCSI_OP_VERIFY10, true, why, why_len); }
CHECK_FN(verify16_first_lba) { return range_at(l, SCSI_OP_VERIFY16, false, why, why_len); }
CHECK_FN(verify16_past_the_end) { return range_at(l, SCSI_OP_VERIFY16, true, why, why_len); }
CHECK_FN(synchronize_cache16) { return range_at(l, SCSI_OP_SYNCHRONIZE_CACHE16, false, why, why_len); }
CHECK_FN(synchronize_cache_past_the_end) { return range_at(l, SCSI_OP_SYNCHRONIZE_CACHE16, true, why, why_len); }

/* ---- the VPD pages of a block device (SBC-4 6.6) ---- */

/* The page's PAGE LENGTH is the one SBC fixes: 3Ch for Block Limits (6.6.4) and Block Device
 * Characteristics (6.6.2), at least 4 for Logical Block Provisioning (6.6.6). */
static enum check_result sbc_page_length(const struct check_lun *l, uint8_t code, unsigned want, bool at_least,
                                         char *why, size_t why_len)
{
    if (!check_is_disk(l))
        return check_skip(why, why_len, "not a disk");
    struct answer a;
    enum check_result r;
    int have = check_vpd_page(l, code, &a, why, why_len, &r);
    if (have <= 0)
        return r;
    unsigned len = scsi_get_be16(l->buf + 2);
    if (at_least ? len < want : len != want)
        return check_failf(&a, why, why_len, "PAGE LENGTH %s%04xh (it is %04xh)", at_least ? "at least " : "",
                           want, len);
    return CHECK_PASS;
}

CHECK_FN(block_limits_length) { return sbc_page_length(l, SCSI_VPD_BLOCK_LIMITS, 0x3c, false, why, why_len); }
CHECK_FN(characteristics_length)
{
    return sbc_page_length(l, SCSI_VPD_BLOCK_CHARACTERISTICS, 0x3c, false, why, why_len);
}
CHECK_FN(provisioning_length)
{
    return sbc_page_length(l, SCSI_VPD_LOGICAL_BLOCK_PROVISIONING, 4, true, why, why_len);
}

/* SBC-4 6.6.4: a nonzero MAXIMUM TRANSFER LENGTH bounds OPTIMAL TRANSFER LENGTH. */
CHECK_FN(block_limits_optimal_within_max)
{
    if (!check_is_disk(l))
        return check_skip(why, why_len, "not a disk");
    struct answer a;
    enum check_result r;
    struct scsi_vpd_block_limits bl;
    if (!block_limits_page(l, &a, &bl, why, why_len, &r))
        return r;
    if (bl.max_transfer_blocks != 0 && bl.optimal_transfer_blocks > bl.max_transfer_blocks)
        return check_failf(&a, why, why_len, "OPTIMAL TRANSFER LENGTH at most MAXIMUM TRANSFER LENGTH (%u > %u)",
                           (unsigned)bl.optimal_transfer_blocks, (unsigned)bl.max_transfer_blocks);
    return CHECK_PASS;
}

/* A READ of MAXIMUM TRANSFER LENGTH blocks (where the check's buffer holds it) is GOOD: the
 * limit is what the LUN takes. */
CHECK_FN(block_limits_max_transfer_honoured)
{
    if (!check_ready_disk(l))
        return NOT_A_READY_DISK();
    struct answer a;
    enum check_result r;
    struct scsi_vpd_block_limits bl;
    if (!block_limits_page(l, &a, &bl, why, why_len, &r))
        return r;
    uint32_t fits = CHECK_BUF / l->info->block_size;
    uint32_t blocks = bl.max_transfer_blocks == 0 || bl.max_transfer_blocks > fits ? fits : bl.max_transfer_blocks;
    if (blocks > l->info->blocks)
        blocks = (uint32_t)l->info->blocks;
    if (blocks == 0)
        return check_skip(why, why_len, "blocks larger than the check's buffer");
    if (!read_lbas(l, 16, 0, blocks, 0, blocks, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got != blocks * l->info->block_size)
        return check_fail(&a, why, why_len, "GOOD with every block asked for (within MAXIMUM TRANSFER LENGTH)");
    return CHECK_PASS;
}

/* ---- writes (check_writes=yes, on the LUNs luns= names) ---- */

/* WRITE(10 or 16) of one block of the LBA's pattern, flags in byte 1 (FUA 08h). */
static bool write_block(const struct check_lun *l, bool sixteen, uint64_t lba, uint8_t flags, struct answer *a)
{
    uint8_t cdb[SCSI_CDB_MAX];
    size_t len = sixteen ? scsi_cdb_write16(cdb, lba, 1) : scsi_cdb_write10(cdb, (uint32_t)lba, 1);
    cdb[1] |= flags;
    check_pattern_fill(l->buf, l->info->block_size, lba);
    return check_send_dir(l, cdb, len, HBA_DIR_OUT, l->info->block_size, a);
}

/* The WP bit of the mode parameter header (SBC-4 6.5.1), read now (discovery leaves it to the
 * first write job). false when MODE SENSE(6) did not answer: a write then says what it is. */
static bool write_protected_now(const struct check_lun *l)
{
    uint8_t cdb[SCSI_CDB_MAX];
    struct answer a;
    bool wp = false;
    if (check_send_good(l, cdb, scsi_cdb_mode_sense6(cdb, 0x3f, 4), 4, &a) && check_good(&a))
        scsi_mode_sense6_write_protected(l->buf, a.got, &wp);
    return wp;
}

/* SBC-4 5.40, 5.42 and 4.5: a block written is read back as written. */
static enum check_result write_read_back(const struct check_lun *l, bool sixteen, uint64_t lba, uint8_t flags,
                                         char *why, size_t why_len)
{
    if (!check_ready_disk(l) || write_protected_now(l))
        return check_skip(why, why_len, "not a ready, writable disk");
    if (l->info->block_size > CHECK_BUF)
        return check_skip(why, why_len, "blocks larger than the check's buffer");
    if (!sixteen && lba > 0xffffffffull)
        return check_skip(why, why_len, "the LBA is past WRITE(10)'s reach");
    struct answer a;
    if (!write_block(l, sixteen, lba, flags, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a))
        return check_fail(&a, why, why_len, "GOOD");
    if (!read_lbas(l, 16, lba, 1, 0, 1, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got != l->info->block_size || !check_pattern_holds(l->buf, a.got, lba))
        return check_fail(&a, why, why_len, "the READ(16) after the write: GOOD with the block as written");
    return CHECK_PASS;
}

CHECK_FN(write10_read_back) { return write_read_back(l, false, l->info->blocks - 1, 0, why, why_len); }
CHECK_FN(write16_read_back) { return write_read_back(l, true, 0, 0, why, why_len); }
CHECK_FN(write10_fua_read_back) { return write_read_back(l, false, l->info->blocks > 1 ? 1 : 0, 0x08, why, why_len); }

/* SBC-4 4.5: a WRITE past the last LBA writes nothing and ends in 21/00. */
CHECK_FN(write_past_the_end)
{
    if (!check_ready_disk(l) || write_protected_now(l))
        return check_skip(why, why_len, "not a ready, writable disk");
    if (l->info->block_size > CHECK_BUF)
        return check_skip(why, why_len, "blocks larger than the check's buffer");
    struct answer a;
    if (!write_block(l, true, l->info->blocks, 0, &a))
        return COMMAND_LOST(&a);
    if (!check_sense_is(&a, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00))
        return check_fail(&a, why, why_len, "CHECK CONDITION, ILLEGAL REQUEST 21/00 (LOGICAL BLOCK ADDRESS OUT OF RANGE)");
    return CHECK_PASS;
}

/* SBC-4 4.11: a write-protected LUN (WP in the mode parameter header) refuses writes with DATA
 * PROTECT 27/xx. */
CHECK_FN(write_refused_when_protected)
{
    if (!check_ready_disk(l))
        return NOT_A_READY_DISK();
    if (!write_protected_now(l))
        return check_skip(why, why_len, "the LUN is writable (WP clear)");
    if (l->info->block_size > CHECK_BUF)
        return check_skip(why, why_len, "blocks larger than the check's buffer");
    struct answer a;
    if (!write_block(l, false, 0, 0, &a))
        return COMMAND_LOST(&a);
    if (a.cmd.status != SCSI_STATUS_CHECK_CONDITION || !a.v.have_sense || a.v.sense.key != SCSI_SENSE_DATA_PROTECT ||
        a.v.sense.asc != 0x27)
        return check_fail(&a, why, why_len, "CHECK CONDITION, DATA PROTECT 27/xx (WRITE PROTECTED)");
    return CHECK_PASS;
}

/* SBC-4 5.46, 5.47: WRITE SAME writes its one block of data to every LBA of the range. Two
 * blocks from LBA 2; a LUN without WRITE SAME SKIPs (it is optional). */
static enum check_result write_same(const struct check_lun *l, bool sixteen, char *why, size_t why_len)
{
    uint32_t bs = l->info->block_size;
    if (!check_ready_disk(l) || write_protected_now(l) || l->info->blocks < 4)
        return check_skip(why, why_len, "not a ready, writable disk of 4 blocks or more");
    if (2u * bs > CHECK_BUF)
        return check_skip(why, why_len, "blocks larger than the check's buffer");
    uint8_t cdb[SCSI_CDB_MAX] = { sixteen ? SCSI_OP_WRITE_SAME16 : SCSI_OP_WRITE_SAME10 };
    if (sixteen) {
        scsi_put_be64(cdb + 2, 2);
        scsi_put_be32(cdb + 10, 2);
    } else {
        scsi_put_be32(cdb + 2, 2);
        scsi_put_be16(cdb + 7, 2);
    }
    check_pattern_fill(l->buf, bs, 2);
    struct answer a;
    if (!check_send_dir(l, cdb, sixteen ? 16 : 10, HBA_DIR_OUT, bs, &a))
        return COMMAND_LOST(&a);
    if (a.v.outcome == HBA_OUTCOME_UNSUPPORTED)
        return check_skip(why, why_len, "the LUN does not support WRITE SAME (it is optional)");
    if (!check_good(&a))
        return check_fail(&a, why, why_len, "GOOD");
    if (!read_lbas(l, 16, 2, 2, 0, 2, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a) || a.got != 2 * bs || !check_pattern_holds(l->buf, bs, 2) ||
        !check_pattern_holds(l->buf + bs, bs, 2))
        return check_fail(&a, why, why_len, "the READ(16) after it: GOOD with the one block in both LBAs");
    return CHECK_PASS;
}

CHECK_FN(write_same10_read_back) { return write_same(l, false, why, why_len); }
CHECK_FN(write_same16_read_back) { return write_same(l, true, why, why_len); }

/* SBC-4 5.30 and 6.6.6: where page B2 offers UNMAP (LBPU), UNMAP of a written block is GOOD, and
 * with LBPRZ 001b the block then reads as zeros. */
CHECK_FN(unmap_read_back)
{
    uint32_t bs = l->info->block_size;
    if (!check_ready_disk(l) || write_protected_now(l) || l->info->blocks < 4)
        return check_skip(why, why_len, "not a ready, writable disk of 4 blocks or more");
    if (bs > CHECK_BUF)
        return check_skip(why, why_len, "blocks larger than the check's buffer");
    struct answer a;
    enum check_result r;
    struct scsi_vpd_provisioning p;
    if (!provisioning_page(l, &a, &p, why, why_len, &r))
        return r;
    if (!p.lbpu)
        return check_skip(why, why_len, "page B2 does not offer UNMAP (LBPU clear)");
    if (!write_block(l, true, 3, 0, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a))
        return check_fail(&a, why, why_len, "GOOD for the WRITE(16) before the UNMAP");
    uint8_t cdb[SCSI_CDB_MAX];
    const uint64_t lba = 3;
    const uint32_t one = 1;
    size_t plen = scsi_unmap_param_list(l->buf, &lba, &one, 1);
    if (!check_send_dir(l, cdb, scsi_cdb_unmap(cdb, (uint16_t)plen), HBA_DIR_OUT, (uint32_t)plen, &a))
        return COMMAND_LOST(&a);
    if (!check_good(&a))
        return check_fail(&a, why, why_len, "GOOD (page B2 says LBPU)");
    if (!p.lbprz)
        return CHECK_PASS; /* what an unmapped block reads as is not given */
    if (!read_lbas(l, 16, 3, 1, 0, 1, &a))
        return COMMAND_LOST(&a);
    for (uint32_t i = 0; check_good(&a) && a.got == bs && i < bs; i++)
        if (l->buf[i] != 0)
            return check_fail(&a, why, why_len, "zeros from the unmapped block (LBPRZ 001b)");
    if (!check_good(&a) || a.got != bs)
        return check_fail(&a, why, why_len, "GOOD with one whole block");
    return CHECK_PASS;
}

const struct check_def check_sbc[] = {
    { "sbc.readcap16.matches_readcap10", "SBC-4 5.20.2", "READ CAPACITY(10) gives READ CAPACITY(16)'s capacity, or FFFFFFFFh past 2^32 - 1 blocks", readcap16_matches_readcap10 },
    { "sbc.readcap16.allocation_length", "SBC-4 5.21.1", "READ CAPACITY(16) with ALLOCATION LENGTH 12: exactly 12 bytes", readcap16_allocation_length },
    { "sbc.readcap16.transfer_length", "SBC-4 5.21.2", "READ CAPACITY(16) with room for 64 bytes: the 32 of its data", readcap16_transfer_length },
    { "sbc.readcap16.lowest_aligned", "SBC-4 5.21.2", "LOWEST ALIGNED LBA below 2^(blocks per physical block exponent)", readcap16_lowest_aligned },
    { "sbc.readcap16.matches_inventory", "SBC-4 5.21.2", "READ CAPACITY(16): the capacity discovery read", readcap16_matches_inventory },
    { "sbc.readcap16.lbpme_has_page", "SBC-4 6.6.6", "LBPME set: page B2 among the supported pages", readcap16_lbpme_has_page },
    { "sbc.vpd.provisioning.lbprz", "SBC-4 6.6.6", "page B2, when offered: LBPRZ as READ CAPACITY(16)'s", lbp_lbprz_matches_readcap16 },
    { "sbc.read6.first_lba", "SBC-4 5.15", "READ(6) of LBA 0, when supported: GOOD, one whole block", read6_first_lba },
    { "sbc.read10.first_lba", "SBC-4 5.14", "READ(10) of LBA 0: GOOD, one whole block", read10_first_lba },
    { "sbc.read10.last_lba", "SBC-4 5.14", "READ(10) of the last LBA (below 2^32): GOOD, one whole block", read10_last_lba },
    { "sbc.read10.past_the_end", "SBC-4 4.5", "READ(10) of the LBA after the last: ILLEGAL REQUEST 21/00", read10_past_the_end },
    { "sbc.read10.two_blocks", "SBC-4 5.14", "READ(10) of 2 blocks: GOOD, both whole", read10_two_blocks },
    { "sbc.read10.fua", "SBC-4 5.14", "READ(10) with FUA: GOOD, one whole block", read10_fua },
    { "sbc.read10.dpo", "SBC-4 5.14", "READ(10) with DPO: GOOD, one whole block", read10_dpo },
    { "sbc.read10.transfer_length_zero", "SBC-4 5.14", "READ(10) of 0 blocks: GOOD, no data", read10_transfer_length_zero },
    { "sbc.read10.matches_read16", "SBC-4 5.16", "READ(10) and READ(16) of LBA 0: the same bytes", read10_matches_read16 },
    { "sbc.read.data_stable", "SBC-4 4.5", "two READs of LBA 0: the same bytes", read_data_stable },
    { "sbc.read12.first_lba", "SBC-4 5.15", "READ(12) of LBA 0, when supported: GOOD, one whole block", read12_first_lba },
    { "sbc.read16.first_lba", "SBC-4 5.16", "READ(16) of LBA 0: GOOD, one whole block", read16_first_lba },
    { "sbc.read16.fua", "SBC-4 5.16", "READ(16) with FUA: GOOD, one whole block", read16_fua },
    { "sbc.read16.last_lba", "SBC-4 5.16", "READ(16) of the last LBA: GOOD, one whole block", read16_last_lba },
    { "sbc.read16.past_the_end", "SBC-4 4.5", "READ(16) of the LBA after the last: ILLEGAL REQUEST 21/00", read_past_the_end },
    { "sbc.read16.across_the_end", "SBC-4 4.5", "READ(16) of the last LBA and the one after: ILLEGAL REQUEST 21/00", read_across_the_end },
    { "sbc.verify10.first_lba", "SBC-4 5.31", "VERIFY(10), BYTCHK 0, of LBA 0, when supported: GOOD", verify10_first_lba },
    { "sbc.verify10.past_the_end", "SBC-4 5.31", "VERIFY(10) of the LBA after the last, when supported: ILLEGAL REQUEST 21/00", verify10_past_the_end },
    { "sbc.verify16.first_lba", "SBC-4 5.32", "VERIFY(16), BYTCHK 0, of LBA 0, when supported: GOOD", verify16_first_lba },
    { "sbc.verify16.past_the_end", "SBC-4 5.32", "VERIFY(16) of the LBA after the last, when supported: ILLEGAL REQUEST 21/00", verify16_past_the_end },
    { "sbc.synchronize_cache", "SBC-4 5.24", "SYNCHRONIZE CACHE(10) of the whole LUN: GOOD", synchronize_cache10 },
    { "sbc.synchronize_cache16", "SBC-4 5.25", "SYNCHRONIZE CACHE(16) of LBA 0, when supported: GOOD", synchronize_cache16 },
    { "sbc.synchronize_cache16.past_the_end", "SBC-4 5.25", "SYNCHRONIZE CACHE(16) of the LBA after the last: ILLEGAL REQUEST 21/00", synchronize_cache_past_the_end },
    { "sbc.write10.read_back", "SBC-4 5.40", "WRITE(10) of the last LBA: GOOD, and READ(16) brings it back", write10_read_back, .writes = true },
    { "sbc.write16.read_back", "SBC-4 5.42", "WRITE(16) of LBA 0: GOOD, and READ(16) brings it back", write16_read_back, .writes = true },
    { "sbc.write10.fua_read_back", "SBC-4 5.40", "WRITE(10) with FUA of LBA 1: GOOD, and READ(16) brings it back", write10_fua_read_back, .writes = true },
    { "sbc.write16.past_the_end", "SBC-4 4.5", "WRITE(16) of the LBA after the last: ILLEGAL REQUEST 21/00", write_past_the_end, .writes = true },
    { "sbc.write.protected", "SBC-4 4.11", "on a write-protected LUN: WRITE(10) ends in DATA PROTECT 27/xx", write_refused_when_protected, .writes = true },
    { "sbc.write_same10.read_back", "SBC-4 5.46", "WRITE SAME(10) of 2 blocks, when supported: GOOD, both read back as the one block", write_same10_read_back, .writes = true },
    { "sbc.write_same16.read_back", "SBC-4 5.47", "WRITE SAME(16) of 2 blocks, when supported: GOOD, both read back as the one block", write_same16_read_back, .writes = true },
    { "sbc.unmap.read_back", "SBC-4 5.30", "UNMAP of a written block where page B2 says LBPU: GOOD; zeros after it with LBPRZ", unmap_read_back, .writes = true },
    { "sbc.vpd.block_limits.length", "SBC-4 6.6.4", "page B0, when offered: PAGE LENGTH 003Ch", block_limits_length },
    { "sbc.vpd.block_limits.optimal_within_max", "SBC-4 6.6.4", "page B0: OPTIMAL TRANSFER LENGTH at most a nonzero MAXIMUM TRANSFER LENGTH", block_limits_optimal_within_max },
    { "sbc.vpd.block_limits.max_transfer_honoured", "SBC-4 6.6.4", "a READ(16) of MAXIMUM TRANSFER LENGTH blocks (up to 4 KiB): GOOD", block_limits_max_transfer_honoured },
    { "sbc.vpd.characteristics.length", "SBC-4 6.6.2", "page B1, when offered: PAGE LENGTH 003Ch", characteristics_length },
    { "sbc.vpd.provisioning.length", "SBC-4 6.6.6", "page B2, when offered: PAGE LENGTH at least 4", provisioning_length },
};
const size_t check_sbc_count = sizeof check_sbc / sizeof check_sbc[0];
