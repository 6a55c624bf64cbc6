#include "stamp.h"

#include <stdbool.h>
#include <string.h>

#include "lib/crc32c.h"
#include "lib/md5.h"
#include "lib/sha1.h"
#include "lib/sha256.h"
#include "lib/xxhash32.h"

#define DIGEST_MAX SHA256_DIGEST_LEN
#define XXHASH_SEED 1 /* fio's verify=xxhash: XXH32_init(1) */

const char *stamp_method_name(enum stamp_method m)
{
    static const char *const names[STAMP_METHODS] = { "crc32c", "md5", "sha1", "sha256", "xxhash", "meta", "pattern" };
    return (unsigned)m < STAMP_METHODS ? names[m] : "?";
}

size_t stamp_digest_len(enum stamp_method m)
{
    switch (m) {
    case STAMP_MD5: return MD5_DIGEST_LEN;
    case STAMP_SHA1: return SHA1_DIGEST_LEN;
    case STAMP_SHA256: return SHA256_DIGEST_LEN;
    case STAMP_XXHASH: return 4;
    default: return 0;
    }
}

/* The method's digest of len bytes (little-endian for XXH32, as fio stores it on x86). */
static void digest(enum stamp_method m, const uint8_t *p, size_t len, uint8_t out[DIGEST_MAX])
{
    switch (m) {
    case STAMP_MD5: md5(p, len, out); break;
    case STAMP_SHA1: sha1(p, len, out); break;
    case STAMP_SHA256: sha256(p, len, out); break;
    case STAMP_XXHASH: {
        uint32_t h = xxh32(p, len, XXHASH_SEED);
        memcpy(out, &h, sizeof h);
        break;
    }
    default: break;
    }
}

static uint64_t splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* CRC-32C of the first len bytes of buf with the stamp's crc field taken as zero, without
 * copying them. */
static uint32_t crc_without_field(const uint8_t *buf, size_t len)
{
    uint32_t zero = 0;
    uint32_t c = crc32c(0, buf, offsetof(struct stamp, crc));
    c = crc32c(c, &zero, sizeof zero);
    return crc32c(c, buf + sizeof(struct stamp), len - sizeof(struct stamp));
}

static bool has_pattern(const struct stamp_pattern *pattern) { return pattern != NULL && pattern->len != 0; }

/* Bytes [from, block_size) of the block: the pattern at its phase, else lunbench's own data. */
static void fill_data(uint8_t *buf, uint32_t from, uint32_t block_size, uint64_t lba, uint64_t generation,
                      const struct stamp_pattern *pattern)
{
    if (has_pattern(pattern)) {
        for (uint32_t off = from; off < block_size; off++)
            buf[off] = pattern->bytes[off % pattern->len];
        return;
    }
    uint64_t state = lba * 0x100000001b3ull ^ generation;
    for (uint32_t off = from; off + 8 <= block_size; off += 8) {
        uint64_t v = splitmix(&state);
        memcpy(buf + off, &v, 8);
    }
}

/* Whether bytes [from, block_size) are the pattern at its phase. */
static bool data_is_pattern(const uint8_t *buf, uint32_t from, uint32_t block_size, const struct stamp_pattern *pattern)
{
    for (uint32_t off = from; off < block_size; off++)
        if (buf[off] != pattern->bytes[off % pattern->len])
            return false;
    return true;
}

void stamp_fill(uint8_t *buf, uint32_t block_size, struct stamp_id id, uint64_t lba, uint64_t generation,
                enum stamp_method method, const struct stamp_pattern *pattern)
{
    if (method == STAMP_PATTERN) { /* fio's VERIFY_PATTERN_NO_HDR: the data alone */
        fill_data(buf, 0, block_size, lba, generation, pattern);
        return;
    }
    struct stamp s = { .magic = STAMP_MAGIC | (uint8_t)method, .lba = lba, .generation = generation, .hba = id.hba,
                       .target = id.target, .lun = id.lun, .crc = 0 };
    fill_data(buf, sizeof s, block_size, lba, generation, pattern);
    memcpy(buf, &s, sizeof s);
    size_t dlen = stamp_digest_len(method), covered = method == STAMP_META ? sizeof s : block_size;
    if (dlen != 0) {
        uint8_t d[DIGEST_MAX];
        size_t data = sizeof s + dlen;
        digest(method, buf + data, block_size - data, d);
        memcpy(buf + sizeof s, d, dlen);
        covered = data; /* the stamp's CRC covers the stamp and the digest */
    }
    s.crc = crc_without_field(buf, covered);
    memcpy(buf + offsetof(struct stamp, crc), &s.crc, sizeof s.crc);
}

enum stamp_result stamp_check(const uint8_t *buf, uint32_t block_size, struct stamp_id id, uint64_t lba,
                              uint64_t min_generation, enum stamp_method method, const struct stamp_pattern *pattern)
{
    if (method == STAMP_PATTERN)
        return has_pattern(pattern) && data_is_pattern(buf, 0, block_size, pattern) ? STAMP_OK : STAMP_BAD_PATTERN;
    struct stamp s;
    size_t dlen = stamp_digest_len(method);
    if (block_size < sizeof s + dlen)
        return STAMP_NO_MAGIC;
    memcpy(&s, buf, sizeof s);
    if ((s.magic & STAMP_MAGIC_MASK) != STAMP_MAGIC)
        return STAMP_NO_MAGIC;
    if ((s.magic & 0xff) != (uint8_t)method)
        return STAMP_OTHER_METHOD;
    size_t covered = dlen ? sizeof s + dlen : method == STAMP_META ? sizeof s : block_size;
    if (crc_without_field(buf, covered) != s.crc)
        return STAMP_BAD_CRC;
    if (dlen != 0) {
        uint8_t d[DIGEST_MAX];
        digest(method, buf + sizeof s + dlen, block_size - sizeof s - dlen, d);
        if (memcmp(d, buf + sizeof s, dlen) != 0)
            return STAMP_BAD_DIGEST;
    }
    if (s.lba != lba || s.hba != id.hba || s.target != id.target || s.lun != id.lun)
        return STAMP_WRONG_BLOCK;
    if (s.generation < min_generation)
        return STAMP_OLD_GENERATION;
    /* fio's VERIFY_HDR_ONLY: the header, then the pattern where there is one. */
    if (method == STAMP_META && has_pattern(pattern) && !data_is_pattern(buf, sizeof s, block_size, pattern))
        return STAMP_BAD_PATTERN;
    return STAMP_OK;
}

const char *stamp_result_name(enum stamp_result r)
{
    switch (r) {
    case STAMP_OK: return "ok";
    case STAMP_NO_MAGIC: return "no stamp (never written or overwritten)";
    case STAMP_BAD_CRC: return "CRC mismatch (torn or corrupted)";
    case STAMP_BAD_DIGEST: return "digest mismatch (torn or corrupted data)";
    case STAMP_OTHER_METHOD: return "stamped with another verify method";
    case STAMP_WRONG_BLOCK: return "stamp of another block (misdirected)";
    case STAMP_OLD_GENERATION: return "stale generation (lost write)";
    case STAMP_BAD_PATTERN: return "pattern mismatch (the data is not verify_pattern)";
    }
    return "?";
}
