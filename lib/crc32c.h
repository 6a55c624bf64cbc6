/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as iSCSI and fio's verify=crc32c use:
 * crc32c("123456789") = 0xE3069283. */
#ifndef LIB_CRC32C_H
#define LIB_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC: start with crc = 0; the pre- and post-inversion are done inside. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

#endif
