#include "lib/xxhash32.h"

#define PRIME1 0x9E3779B1u
#define PRIME2 0x85EBCA77u
#define PRIME3 0xC2B2AE3Du
#define PRIME4 0x27D4EB2Fu
#define PRIME5 0x165667B1u

static uint32_t rotl(uint32_t x, unsigned n) { return x << n | x >> (32 - n); }

static uint32_t read32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t round32(uint32_t acc, uint32_t lane) { return rotl(acc + lane * PRIME2, 13) * PRIME1; }

uint32_t xxh32(const void *data, size_t len, uint32_t seed)
{
    const uint8_t *p = data, *end = p + len;
    uint32_t h;
    if (len >= 16) {
        /* Step 1-2: four accumulators over 16-byte stripes. */
        uint32_t v1 = seed + PRIME1 + PRIME2, v2 = seed + PRIME2, v3 = seed, v4 = seed - PRIME1;
        for (; end - p >= 16; p += 16) {
            v1 = round32(v1, read32(p));
            v2 = round32(v2, read32(p + 4));
            v3 = round32(v3, read32(p + 8));
            v4 = round32(v4, read32(p + 12));
        }
        h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18); /* step 3 */
    } else {
        h = seed + PRIME5; /* step 1 for short input */
    }
    h += (uint32_t)len; /* step 4 */
    for (; end - p >= 4; p += 4) /* step 5: the rest, 4 bytes, then 1 byte at a time */
        h = rotl(h + read32(p) * PRIME3, 17) * PRIME4;
    for (; p < end; p++)
        h = rotl(h + (uint32_t)*p * PRIME5, 11) * PRIME1;
    h ^= h >> 15; /* step 6: avalanche */
    h *= PRIME2;
    h ^= h >> 13;
    h *= PRIME3;
    h ^= h >> 16;
    return h;
}
