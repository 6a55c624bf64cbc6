/* SHA-256 (FIPS 180-4 6.2), as fio's verify=sha256 uses it: sha256("abc") is
 * ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad. Pure code. */
#ifndef LIB_SHA256_H
#define LIB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32

void sha256(const void *data, size_t len, uint8_t digest[SHA256_DIGEST_LEN]);

#endif
