#include "lib/md_pad.h"

#include <string.h>

void md_pad_hash(const void *data, size_t len, uint32_t *state, md_compress_fn compress, bool big_endian_length)
{
    const uint8_t *p = data;
    size_t left = len;
    for (; left >= 64; p += 64, left -= 64)
        compress(state, p);
    uint8_t tail[128];
    memset(tail, 0, sizeof tail);
    memcpy(tail, p, left);
    tail[left] = 0x80;
    size_t end = left + 1 + 8 <= 64 ? 64 : 128; /* the length must fit after the 0x80 byte */
    uint64_t bits = (uint64_t)len * 8u;
    for (int i = 0; i < 8; i++)
        tail[end - 8 + i] = (uint8_t)(bits >> (big_endian_length ? 56 - 8 * i : 8 * i));
    compress(state, tail);
    if (end == 128)
        compress(state, tail + 64);
}
