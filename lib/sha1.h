/* SHA-1 (FIPS 180-4 6.1), as fio's verify=sha1 uses it: sha1("abc") is
 * a9993e364706816aba3e25717850c26c9cd0d89d. Pure code. */
#ifndef LIB_SHA1_H
#define LIB_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define SHA1_DIGEST_LEN 20

void sha1(const void *data, size_t len, uint8_t digest[SHA1_DIGEST_LEN]);

#endif
