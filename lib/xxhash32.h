/* XXH32 (xxHash's 32-bit hash, its specification "xxHash fast digest algorithm" 0.1.1), as fio's
 * verify=xxhash uses it with seed 1: xxh32("abc", 0) is 0x32d153ff. Pure code. */
#ifndef LIB_XXHASH32_H
#define LIB_XXHASH32_H

#include <stddef.h>
#include <stdint.h>

uint32_t xxh32(const void *data, size_t len, uint32_t seed);

#endif
