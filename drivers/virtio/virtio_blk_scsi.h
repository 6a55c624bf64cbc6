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

/* Whether op is one of the READs (write false) or WRITEs (write true) vblk_scsi_translate turns
 * into requests. */
static inline bool vblk_scsi_rw_op(uint8_t op, bool *write)
{
    switch (op) {
    case SCSI_OP_READ6:
    case SCSI_OP_READ10:
    case SCSI_OP_READ12:
    case SCSI_OP_READ16:
        *write = false;
        return true;
    case SCSI_OP_WRITE6:
    case SCSI_OP_WRITE10:
    case SCSI_OP_WRITE12:
    case SCSI_OP_WRITE16:
        *write = true;
        return true;
    default:
        return false;
    }
}

/* READ and WRITE (6), (10), (12), (16) (SBC-4 5.12-5.15, 5.35-5.38) and SYNCHRONIZE CACHE (10)
 * and (16): LBA and length; false when the CDB is too short for its operation code. */
static inline bool vblk_scsi_rw_fields(const uint8_t *cdb, unsigned cdb_len, uint64_t *lba, uint32_t *blocks)
{
    switch (cdb[0]) {
    case SCSI_OP_READ6:
    case SCSI_OP_WRITE6:
        if (cdb_len < 6)
            return false;
        *lba = (uint32_t)(cdb[1] & 0x1f) << 16 | scsi_get_be16(cdb + 2);
        *blocks = cdb[4] ? cdb[4] : 256; /* SBC-4 5.13: 0 means 256 blocks */
        return true;
    case SCSI_OP_READ10:
    case SCSI_OP_WRITE10:
    case SCSI_OP_SYNCHRONIZE_CACHE10:
        if (cdb_len < 10)
            return false;
        *lba = scsi_get_be32(cdb + 2);
        *blocks = scsi_get_be16(cdb + 7);
        return true;
    case SCSI_OP_READ12:
    case SCSI_OP_WRITE12:
        if (cdb_len < 12)
            return false;
        *lba = scsi_get_be32(cdb + 2);
        *blocks = scsi_get_be32(cdb + 6);
        return true;
    default: /* the (16) forms */
        if (cdb_len < 16)
            return false;
        *lba = scsi_get_be64(cdb + 2);
        *blocks = scsi_get_be32(cdb + 10);
        return true;
    }
}

/* What vblk_scsi_translate makes of a READ or WRITE to LUN 0 (op one of vblk_scsi_rw_op's) with a
 * buffer of buffer bytes: VBLK_RW_REQUEST with the request's sector and bytes, or why not. In line
 * and the only copy of these checks: the translation answers each verdict, the driver's path for
 * reads and writes (drivers/virtio_blk/) takes a request straight from it. */
enum vblk_rw_verdict {
    VBLK_RW_REQUEST,
    VBLK_RW_BAD_CDB,      /* too short for its operation code */
    VBLK_RW_OUT_OF_RANGE, /* past the capacity (5.2.6.1: the driver MUST NOT) */
    VBLK_RW_READ_ONLY,    /* a write to a VIRTIO_BLK_F_RO disk */
    VBLK_RW_EMPTY,        /* transfer length 0: nothing to move, not an error */
    VBLK_RW_TOO_LONG,     /* more than one request may carry */
    VBLK_RW_OVERRUN,      /* more than the buffer holds */
};

static inline enum vblk_rw_verdict vblk_scsi_rw_verdict(const struct vblk_disk *d, const uint8_t *cdb, unsigned cdb_len,
                                                        bool write, uint32_t buffer, uint64_t *sector, uint32_t *bytes)
{
    const struct vblk_config *c = d->config;
    uint64_t lba;
    uint32_t blocks;
    if (!vblk_scsi_rw_fields(cdb, cdb_len, &lba, &blocks))
        return VBLK_RW_BAD_CDB;
    if (lba > c->blocks || blocks > c->blocks - lba)
        return VBLK_RW_OUT_OF_RANGE;
    if (write && c->read_only)
        return VBLK_RW_READ_ONLY;
    if (blocks == 0)
        return VBLK_RW_EMPTY;
    uint64_t n = (uint64_t)blocks * c->blk_size;
    if (n > d->max_transfer)
        return VBLK_RW_TOO_LONG;
    if (n > buffer)
        return VBLK_RW_OVERRUN;
    *sector = lba * (c->blk_size / VBLK_SECTOR_SIZE);
    *bytes = (uint32_t)n;
    return VBLK_RW_REQUEST;
}

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

/* vblk_scsi_complete for a status other than OK: IOERR and UNSUPP answered (true), others not
 * believed (false). */
bool vblk_scsi_complete_error(uint8_t status, uint32_t type, struct vblk_translation *t);

/*
 * The SCSI answer to a request of type and bytes of data that the device completed with status
 * (VIRTIO_BLK_S_*) and used_len (the used length, already clipped by the virtqueue to the chain's
 * writable bytes): GOOD for OK; CHECK CONDITION with MEDIUM ERROR, UNRECOVERED READ ERROR
 * (03/11/00) for a read's IOERR, WRITE ERROR (03/0c/00) for a write's or a flush's; ILLEGAL
 * REQUEST, INVALID COMMAND OPERATION CODE (05/20/00) for UNSUPP. t->moved is what an OK request
 * moved: a read's data is the used length less the status byte (5.2.6: the device writes it
 * last), at most bytes; a write's, all of it. Returns false when the answer cannot be believed:
 * a used length that does not cover the status byte, or a status that is none of the three (the
 * caller reports a transport FAILURE). In line for OK, the answer of every I/O that went well;
 * vblk_scsi_complete_error answers the others.
 */
static inline bool vblk_scsi_complete(uint8_t status, uint32_t used_len, uint32_t type, uint32_t bytes,
                                      struct vblk_translation *t)
{
    t->moved = 0;
    if (used_len < 1)
        return false; /* not even the status byte */
    if (status != VIRTIO_BLK_S_OK)
        return vblk_scsi_complete_error(status, type, t); /* out of line: the rest of the statuses */
    t->action = VBLK_ACTION_ANSWERED;
    t->status = SCSI_STATUS_GOOD;
    t->sense_len = 0;
    t->moved = type != VIRTIO_BLK_T_IN ? bytes : used_len - 1 < bytes ? used_len - 1 : bytes;
    return true;
}

#endif
