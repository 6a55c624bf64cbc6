/* MD5 (RFC 1321), as fio's verify=md5 uses it: md5("abc") is 900150983cd24fb0d6963f7d28e17f72.
 * Pure code. */
#ifndef LIB_MD5_H
#define LIB_MD5_H

#include <stddef.h>
#include <stdint.h>

#define MD5_DIGEST_LEN 16

void md5(const void *data, size_t len, uint8_t digest[MD5_DIGEST_LEN]);

#endif
