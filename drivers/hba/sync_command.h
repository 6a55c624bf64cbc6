/* Commands one at a time, waiting for each: for what lunbench does outside the benchmark (a job
 * file on a FAT file system on a LUN, the conformance checks of mode=check), never on the I/O
 * path. */
#ifndef DRIVERS_HBA_SYNC_COMMAND_H
#define DRIVERS_HBA_SYNC_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/hba/hba.h"

#define HBA_BLOCK_READ_MAX (128u * 4096u) /* bytes one call reads at most */

/* Run cmd (built by the caller, deadline from its timeout) on request queue 0 and wait until it
 * comes back, answered or lost in an HBA reset: the HBA's recovery brings every command back.
 * 0 with the answer in cmd, or -1 when the HBA refused it or stopped working (err says so). */
int hba_command_wait(struct hba *h, struct hba_cmd *cmd, char *err, size_t err_len);

/* Send a task-management function and wait for its answer, at most timeout_cycles (the device
 * may keep an unanswered TMF's slot until a reset). Only with no recovery TMF in flight, so that
 * the recovery layer cannot reap this one. The answer in tmf->response; 0, or -1 with err. */
int hba_tmf_wait(struct hba *h, struct hba_tmf *tmf, uint64_t timeout_cycles, char *err, size_t err_len);

/* Read count blocks of block_size bytes from target:lun at lba into buf (DMA-able: the kernel's
 * identity-mapped heap), retrying UNIT ATTENTION and BUSY a few times; each command has the
 * deadline timeout_cycles, with the HBA's recovery behind it. 0, or -1 with a one-line reason
 * ("READ(10) LBA 0: CHECK CONDITION, sense ..."). */
int hba_read_blocks(struct hba *h, uint8_t target, uint16_t lun, uint32_t block_size, uint64_t lba, uint32_t count,
                    void *buf, uint64_t timeout_cycles, char *err, size_t err_len);

#endif
