/* The Merkle-Damgård frame that MD5 (RFC 1321 3.1-3.2), SHA-1 and SHA-256 (FIPS 180-4 5.1.1)
 * share: the message cut into 64-byte blocks, then a 0x80 byte, zeros, and the message's length
 * in bits as 64 bits, little-endian (MD5) or big-endian (SHA), ending on a block boundary. Each
 * block goes through the hash's own compression function. Pure code. */
#ifndef LIB_MD_PAD_H
#define LIB_MD_PAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*md_compress_fn)(uint32_t *state, const uint8_t block[64]);

/* Run compress over every block of data and of its padding, updating state. */
void md_pad_hash(const void *data, size_t len, uint32_t *state, md_compress_fn compress, bool big_endian_length);

#endif
