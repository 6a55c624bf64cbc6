#include "stamp.h"

#include <string.h>

#include "lib/crc32c.h"

static uint64_t splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void stamp_fill(uint8_t *buf, uint32_t block_size, struct stamp_id id, uint64_t lba, uint64_t generation)
{
    struct stamp s = { .magic = STAMP_MAGIC, .lba = lba, .generation = generation, .hba = id.hba,
                       .target = id.target, .lun = id.lun, .crc = 0 };
    uint64_t state = lba * 0x100000001b3ull ^ generation;
    for (uint32_t off = sizeof s; off + 8 <= block_size; off += 8) {
        uint64_t v = splitmix(&state);
        memcpy(buf + off, &v, 8);
    }
    memcpy(buf, &s, sizeof s);
    s.crc = crc32c(0, buf, block_size);
    memcpy(buf + offsetof(struct stamp, crc), &s.crc, sizeof s.crc);
}

enum stamp_result stamp_check(const uint8_t *buf, uint32_t block_size, struct stamp_id id, uint64_t lba,
                              uint64_t min_generation)
{
    struct stamp s;
    if (block_size < sizeof s)
        return STAMP_NO_MAGIC;
    memcpy(&s, buf, sizeof s);
    if (s.magic != STAMP_MAGIC)
        return STAMP_NO_MAGIC;
    uint32_t crc = s.crc, zero = 0;
    /* CRC over the block with the crc field taken as zero, without copying the block. */
    uint32_t c = crc32c(0, buf, offsetof(struct stamp, crc));
    c = crc32c(c, &zero, sizeof zero);
    c = crc32c(c, buf + sizeof s, block_size - sizeof s);
    if (c != crc)
        return STAMP_BAD_CRC;
    if (s.lba != lba || s.hba != id.hba || s.target != id.target || s.lun != id.lun)
        return STAMP_WRONG_BLOCK;
    if (s.generation < min_generation)
        return STAMP_OLD_GENERATION;
    return STAMP_OK;
}

const char *stamp_result_name(enum stamp_result r)
{
    switch (r) {
    case STAMP_OK: return "ok";
    case STAMP_NO_MAGIC: return "no stamp (never written or overwritten)";
    case STAMP_BAD_CRC: return "CRC mismatch (torn or corrupted)";
    case STAMP_WRONG_BLOCK: return "stamp of another block (misdirected)";
    case STAMP_OLD_GENERATION: return "stale generation (lost write)";
    }
    return "?";
}
