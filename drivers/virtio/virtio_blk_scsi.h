/*
 * The SCSI commands lunbench sends, answered for one virtio-blk disk (in the manner of SAT, the
 * SCSI / ATA Translation): the HBA seam carries SCSI commands, so the virtio-blk driver puts a
 * disk behind it as target 0, LUN 0 of its own "HBA". Reads, writes and SYNCHRONIZE CACHE become
 * virtio-blk requests (5.2.6); REPORT LUNS, INQUIRY (standard data, VPD pages 00, 83, B0), TEST
 * UNIT READY, READ CAPACITY (10) and (16), MODE SENSE (6) and (10) (the caching page and the WP
 * bit) and REQUEST SENSE are answered from the configuration without a round trip; anything
 * else ends in ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE, as SPC-5 4.4 wants of a command a
 * device does not support. Pure: the host tests run discovery over it.
 *
 * What it does not do: UNMAP and WRITE SAME (the DISCARD and WRITE_ZEROES features are reported,
 * not used), VERIFY, the FUA bit (virtio-blk has none; not claimed: DPOFUA is 0), GET_ID.
 */
#ifndef DRIVERS_VIRTIO_VIRTIO_BLK_SCSI_H
#define DRIVERS_VIRTIO_VIRTIO_BLK_SCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/scsi/scsi.h"
#include "drivers/virtio/virtio_blk_wire.h"

/* One disk as the SCSI answers describe it. */
struct vblk_disk {
    const struct vblk_config *config;
    const char *name;  /* where it is ("00:10.0"): the T10 vendor designator of page 83 */
    bool legacy;       /* the revision INQUIRY gives: "0.9" legacy, "1.2" modern */
    uint32_t max_transfer; /* bytes one request may carry (vblk_max_transfer) */
};

#define VBLK_SCSI_SENSE_LEN 18 /* fixed-format sense (SPC-5 4.4.3) */

/* What to do with a command. */
enum vblk_action {
    VBLK_ACTION_ANSWERED, /* answered here: status, sense, data_in_len below */
    VBLK_ACTION_OVERRUN,  /* the data buffer is smaller than the transfer: the transport's OVERRUN */
    VBLK_ACTION_REQUEST,  /* a virtio-blk request: type, sector, bytes below */
};

struct vblk_translation {
    enum vblk_action action;
    /* VBLK_ACTION_ANSWERED */
    uint8_t status;
    uint8_t sense[VBLK_SCSI_SENSE_LEN];
    uint32_t sense_len;
    uint32_t data_in_len; /* bytes written into data_in (at most its length) */
    /* VBLK_ACTION_REQUEST */
    uint32_t type;        /* VIRTIO_BLK_T_IN, _OUT or _FLUSH */
    uint64_t sector;      /* 512-byte units */
    uint32_t bytes;       /* data bytes, from the start of the command's buffer */
    /* vblk_scsi_complete */
    uint32_t moved;       /* data bytes the request moved, at most bytes */
};

/*
 * Translate the command for lun with cdb (cdb_len bytes), a data-in buffer of data_in_len bytes
 * (answered commands write their data there) and data_out_len bytes of data-out (one of the two
 * is 0: no command here moves data both ways). A read or write whose transfer is larger than its
 * buffer is an OVERRUN. LUN 0 is the disk; any other LUN answers INQUIRY with qualifier 3 (no
 * device) and everything else with LOGICAL UNIT NOT SUPPORTED (25/00) (the driver answers
 * BAD_TARGET for a target other than 0 itself).
 */
void vblk_scsi_translate(const struct vblk_disk *disk, uint16_t lun, const uint8_t *cdb, unsigned cdb_len,
                         uint8_t *data_in, uint32_t data_in_len, uint32_t data_out_len, struct vblk_translation *t);

/*
 * The SCSI answer to a request of type and bytes of data that the device completed with status
 * (VIRTIO_BLK_S_*) and used_len (the used length, already clipped by the virtqueue to the chain's
 * writable bytes): GOOD for OK; CHECK CONDITION with MEDIUM ERROR, UNRECOVERED READ ERROR
 * (03/11/00) for a read's IOERR, WRITE ERROR (03/0c/00) for a write's or a flush's; ILLEGAL
 * REQUEST, INVALID COMMAND OPERATION CODE (05/20/00) for UNSUPP. t->moved is what an OK request
 * moved: a read's data is the used length less the status byte (5.2.6: the device writes it
 * last), at most bytes; a write's, all of it. Returns false when the answer cannot be believed:
 * a used length that does not cover the status byte, or a status that is none of the three (the
 * caller reports a transport FAILURE).
 */
bool vblk_scsi_complete(uint8_t status, uint32_t used_len, uint32_t type, uint32_t bytes, struct vblk_translation *t);

#endif
