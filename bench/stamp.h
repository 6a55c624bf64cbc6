/*
 * The verify pattern: every logical block written by a verify job starts with a stamp saying
 * whose block it is (HBA, target, LUN, LBA) and which write put it there (generation), and the
 * whole block is covered by a CRC-32C. Reading it back checks all of it; a host tool can find
 * the stamps in a raw image file (docs/jobs.md gives the layout). Pure code.
 */
#ifndef BENCH_STAMP_H
#define BENCH_STAMP_H

#include <stddef.h>
#include <stdint.h>

#define STAMP_MAGIC 0x484352424e554c00ull /* "\0LUNBRCH" little-endian: "LUNBRCH" in a hex dump */

/* Little-endian, at offset 0 of each logical block; the rest of the block is a pattern derived
 * from (lba, generation). */
struct __attribute__((packed)) stamp {
    uint64_t magic;
    uint64_t lba;
    uint64_t generation;
    uint8_t hba, target;
    uint16_t lun;
    uint32_t crc; /* CRC-32C of the whole block with this field zero */
};

struct stamp_id {
    uint8_t hba, target;
    uint16_t lun;
};

/* Fill block_size bytes at buf for this LBA. */
void stamp_fill(uint8_t *buf, uint32_t block_size, struct stamp_id id, uint64_t lba, uint64_t generation);

enum stamp_result {
    STAMP_OK,
    STAMP_NO_MAGIC,     /* not one of ours: never written, or overwritten */
    STAMP_BAD_CRC,      /* torn or corrupted */
    STAMP_WRONG_BLOCK,  /* ours, but for another LBA or LUN: misdirected */
    STAMP_OLD_GENERATION,
};

/* Check a block read back at lba; min_generation is the oldest acceptable write. */
enum stamp_result stamp_check(const uint8_t *buf, uint32_t block_size, struct stamp_id id, uint64_t lba,
                              uint64_t min_generation);
const char *stamp_result_name(enum stamp_result r);

#endif
