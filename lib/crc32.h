/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as the GPT header's HeaderCRC32 (UEFI
 * 2.10 5.3.2): crc32_ieee("123456789") = 0xCBF43926. Bitwise: it checks a few headers, no data. */
#ifndef LIB_CRC32_H
#define LIB_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_ieee(const uint8_t *p, size_t n);

#endif
