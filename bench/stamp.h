/*
 * The verify pattern: every logical block written by a verify job starts with a stamp saying
 * whose block it is (HBA, target, LUN, LBA) and which write put it there (generation), and its
 * data is covered by the checksum verify= names: a CRC-32C of the whole block (verify=crc32c,
 * the stamp's own crc field), or an MD5, SHA-1, SHA-256 or XXH32 digest of the data after the
 * stamp and digest, the stamp's crc then covering the stamp and the digest (fio's verify header
 * idea: a header with its own CRC, then the method's checksum of the rest). Reading it back
 * checks all of it; a host tool can find the stamps in a raw image file (docs/jobs.md gives the
 * layout). Pure code.
 */
#ifndef BENCH_STAMP_H
#define BENCH_STAMP_H

#include <stddef.h>
#include <stdint.h>

/* "\0LUNBRCH" little-endian: "LUNBRCH" in a hex dump; the low byte says the method. */
#define STAMP_MAGIC 0x484352424e554c00ull
#define STAMP_MAGIC_MASK 0xffffffffffffff00ull

/* verify=: the checksum over each block (the magic's low byte). STAMP_META (fio's verify=meta, its
 * VERIFY_HDR_ONLY): the stamp alone, its CRC over itself, and the pattern after it checked where
 * the job gives verify_pattern. STAMP_PATTERN (fio's verify=pattern, VERIFY_PATTERN_NO_HDR): no
 * stamp, the whole block is verify_pattern and is checked byte for byte. */
enum stamp_method { STAMP_CRC32C, STAMP_MD5, STAMP_SHA1, STAMP_SHA256, STAMP_XXHASH, STAMP_META, STAMP_PATTERN,
                    STAMP_METHODS };

/* verify_pattern: the bytes each block's data is made of, repeated from the block's first byte (so
 * that the byte at offset o of a block is bytes[o % len], the stamp and digest covering the first
 * ones); len 0: lunbench's own data, a function of (LBA, generation). */
struct stamp_pattern {
    const uint8_t *bytes;
    size_t len;
};

/* Little-endian, at offset 0 of each logical block; then, for a digest method, the digest; the
 * rest of the block is a pattern derived from (lba, generation). */
struct __attribute__((packed)) stamp {
    uint64_t magic;
    uint64_t lba;
    uint64_t generation;
    uint8_t hba, target;
    uint16_t lun;
    uint32_t crc; /* crc32c: CRC-32C of the whole block with this field zero; a digest method:
                     of the stamp and the digest, this field zero */
};

struct stamp_id {
    uint8_t hba, target;
    uint16_t lun;
};

/* fio's name ("crc32c", "md5", "sha1", "sha256", "xxhash", "meta", "pattern") and the digest's
 * bytes after the stamp (0 for crc32c, whose CRC is the stamp's own field, and for meta and
 * pattern). */
const char *stamp_method_name(enum stamp_method m);
size_t stamp_digest_len(enum stamp_method m);

/* Fill block_size bytes at buf for this LBA (block_size >= 64); pattern may be NULL (no
 * verify_pattern). */
void stamp_fill(uint8_t *buf, uint32_t block_size, struct stamp_id id, uint64_t lba, uint64_t generation,
                enum stamp_method method, const struct stamp_pattern *pattern);

enum stamp_result {
    STAMP_OK,
    STAMP_NO_MAGIC,     /* not one of ours: never written, or overwritten */
    STAMP_BAD_CRC,      /* torn or corrupted (crc32c: the block; a digest method: the stamp) */
    STAMP_BAD_DIGEST,   /* the data after the stamp does not match its digest: torn or corrupted */
    STAMP_OTHER_METHOD, /* ours, written with another verify= method */
    STAMP_WRONG_BLOCK,  /* ours, but for another LBA or LUN: misdirected */
    STAMP_OLD_GENERATION,
    STAMP_BAD_PATTERN,  /* meta or pattern: the data is not verify_pattern */
};

/* Check a block read back at lba; min_generation is the oldest acceptable write; pattern as for
 * stamp_fill (meta and pattern check the data against it; a checksum covers it anyway). */
enum stamp_result stamp_check(const uint8_t *buf, uint32_t block_size, struct stamp_id id, uint64_t lba,
                              uint64_t min_generation, enum stamp_method method, const struct stamp_pattern *pattern);
const char *stamp_result_name(enum stamp_result r);

#endif
