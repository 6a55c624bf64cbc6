/* Blocks read from a LUN one command at a time, waiting: for what lunbench reads outside the
 * benchmark (a job file on a FAT file system on a LUN), never on the I/O path. */
#ifndef DRIVERS_HBA_BLOCK_READ_H
#define DRIVERS_HBA_BLOCK_READ_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/hba/hba.h"

#define HBA_BLOCK_READ_MAX (128u * 4096u) /* bytes one call reads at most */

/* Read count blocks of block_size bytes from target:lun at lba into buf (DMA-able: the kernel's
 * identity-mapped heap), retrying UNIT ATTENTION and BUSY a few times; each command has the
 * deadline timeout_cycles, with the HBA's recovery behind it. 0, or -1 with a one-line reason
 * ("READ(10) LBA 0: CHECK CONDITION, sense ..."). */
int hba_read_blocks(struct hba *h, uint8_t target, uint16_t lun, uint32_t block_size, uint64_t lba, uint32_t count,
                    void *buf, uint64_t timeout_cycles, char *err, size_t err_len);

#endif
