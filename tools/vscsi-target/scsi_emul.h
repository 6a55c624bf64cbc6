/*
 * The SCSI commands the target's disks answer (SPC-5, SBC-4): INQUIRY (standard data and the VPD
 * pages 00h, 80h, 83h, B0h, B2h), REPORT LUNS (SELECT REPORT 00h, 01h, 02h), TEST UNIT READY,
 * READ CAPACITY (10) and (16), READ and WRITE (10) and (16), SYNCHRONIZE CACHE (10) and (16),
 * MODE SENSE (6) and (10) (the caching and control pages), REQUEST SENSE, UNMAP, WRITE SAME (10)
 * and (16). Any other operation code gets ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE (20/00).
 *
 * Pure: one call takes the CDB and the data-out bytes and fills the data-in buffer, the status
 * and the sense; the block data goes to and from the LUN's block store. Unit-tested on the host.
 */
#ifndef TOOLS_VSCSI_TARGET_SCSI_EMUL_H
#define TOOLS_VSCSI_TARGET_SCSI_EMUL_H

#include <stddef.h>
#include <stdint.h>

#include "tools/vscsi-target/lun_table.h"

#define SCSI_EMUL_SENSE_LEN 18 /* fixed-format sense data (SPC-5 4.4.3) */

/* What a command ends with. response is the virtio-scsi response (virtio 1.2 5.6.6.1): OK, or
 * OVERRUN when the driver's data buffer is smaller than the blocks the CDB asks to move. */
struct scsi_emul_result {
    uint8_t response;
    uint8_t status;
    uint8_t sense[SCSI_EMUL_SENSE_LEN];
    size_t sense_len;
    size_t data_len; /* bytes written to data_in (never more than its capacity) */
};

/* Run one command addressed to LUN lun_number of target tg (which has LUNs); lun is NULL when
 * that LUN is not configured (INQUIRY then answers peripheral qualifier 011b, REPORT LUNS and
 * REQUEST SENSE still work, anything else gets ILLEGAL REQUEST 25/00). */
void scsi_emul_execute(const struct lun_target *tg, struct lun *lun, const uint8_t *cdb, size_t cdb_len,
                       const uint8_t *data_out, size_t data_out_len, uint8_t *data_in, size_t data_in_cap,
                       struct scsi_emul_result *r);

/* r becomes a CHECK CONDITION with fixed-format sense key/asc/ascq (SPC-5 4.4.3) and no data. */
void scsi_emul_check_condition(struct scsi_emul_result *r, uint8_t key, uint8_t asc, uint8_t ascq);
/* The serial number of a LUN as VPD page 80h gives it ("VT" target "L" LUN), for the log too. */
void scsi_emul_serial(const struct lun *lun, char out[16]);

#endif
