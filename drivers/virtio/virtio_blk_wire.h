/*
 * virtio-blk's wire format (virtio 1.2, 5.2): feature bits, request types and status codes, the
 * request header, the device configuration layout and its checks, and the split of a data buffer
 * into the segments seg_max and size_max allow. Pure: the driver (drivers/virtio_blk/) builds and
 * parses with these, and the host tests and the fuzzer drive them with any bytes.
 */
#ifndef DRIVERS_VIRTIO_VIRTIO_BLK_WIRE_H
#define DRIVERS_VIRTIO_VIRTIO_BLK_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/virtio/virtqueue.h"

/* PCI IDs: transitional 0x1001, modern 0x1040 + device ID 2 (virtio 1.2, 4.1.2.1, 5.2.1). */
static inline bool vblk_pci_match(uint16_t vendor, uint16_t device)
{
    return vendor == 0x1af4 && (device == 0x1001 || device == 0x1042);
}

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX (1ull << 1)
#define VIRTIO_BLK_F_SEG_MAX (1ull << 2)
#define VIRTIO_BLK_F_GEOMETRY (1ull << 4)
#define VIRTIO_BLK_F_RO (1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6)
#define VIRTIO_BLK_F_FLUSH (1ull << 9)
#define VIRTIO_BLK_F_TOPOLOGY (1ull << 10)
#define VIRTIO_BLK_F_CONFIG_WCE (1ull << 11)
#define VIRTIO_BLK_F_MQ (1ull << 12)
#define VIRTIO_BLK_F_DISCARD (1ull << 13)
#define VIRTIO_BLK_F_WRITE_ZEROES (1ull << 14)

/* Request types (5.2.6). */
enum {
    VIRTIO_BLK_T_IN = 0,
    VIRTIO_BLK_T_OUT = 1,
    VIRTIO_BLK_T_FLUSH = 4,
    VIRTIO_BLK_T_GET_ID = 8,
    VIRTIO_BLK_T_DISCARD = 11,
    VIRTIO_BLK_T_WRITE_ZEROES = 13,
};

/* The status byte the device writes last (5.2.6). */
enum { VIRTIO_BLK_S_OK = 0, VIRTIO_BLK_S_IOERR = 1, VIRTIO_BLK_S_UNSUPP = 2 };
/* What the driver puts in the status byte before submitting: not a status, so an answer the
 * device never wrote cannot read as VIRTIO_BLK_S_OK. */
#define VBLK_STATUS_UNWRITTEN 0xff

/* "OK", "IOERR", "UNSUPP"; "unknown" for anything else. */
const char *vblk_status_name(uint8_t status);

/* The device-readable header of every request (5.2.6): the sector is always in 512-byte units,
 * whatever blk_size says (5.2.5). Little-endian (virtio 1.2, 1.4; legacy: the guest's, also
 * little-endian on x86). */
struct __attribute__((packed)) vblk_req_hdr {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
#define VBLK_SECTOR_SIZE 512

/* struct virtio_blk_config (5.2.4): each field's offset and natural width (4.1.3.1: the driver
 * reads every field with its own width). */
enum {
    VBLK_CFG_CAPACITY = 0,              /* le64 */
    VBLK_CFG_SIZE_MAX = 8,              /* le32 */
    VBLK_CFG_SEG_MAX = 12,              /* le32 */
    VBLK_CFG_GEOMETRY = 16,             /* le16 cylinders, u8 heads, u8 sectors */
    VBLK_CFG_BLK_SIZE = 20,             /* le32 */
    VBLK_CFG_PHYSICAL_BLOCK_EXP = 24,   /* u8 */
    VBLK_CFG_ALIGNMENT_OFFSET = 25,     /* u8 */
    VBLK_CFG_MIN_IO_SIZE = 26,          /* le16 */
    VBLK_CFG_OPT_IO_SIZE = 28,          /* le32 */
    VBLK_CFG_WRITEBACK = 32,            /* u8 */
    VBLK_CFG_NUM_QUEUES = 34,           /* le16 */
    VBLK_CFG_MAX_DISCARD_SECTORS = 36,  /* le32 */
    VBLK_CFG_MAX_DISCARD_SEG = 40,      /* le32 */
    VBLK_CFG_DISCARD_ALIGNMENT = 44,    /* le32 */
    VBLK_CFG_MAX_WRITE_ZEROES_SECTORS = 48, /* le32 */
    VBLK_CFG_MAX_WRITE_ZEROES_SEG = 52, /* le32 */
    VBLK_CFG_WRITE_ZEROES_MAY_UNMAP = 56, /* u8 */
    VBLK_CFG_LEN = 60,                  /* what this driver reads (up to the secure-erase fields) */
};

/* The fields in the order and width to read them; the driver fills a VBLK_CFG_LEN-byte image
 * little-endian from these and hands it to vblk_config_decode. */
struct vblk_config_field {
    uint8_t offset, width;
};
extern const struct vblk_config_field vblk_config_fields[];
extern const size_t vblk_config_field_count;

/* The configuration as this driver uses it, checked. */
struct vblk_config {
    uint64_t features;           /* negotiated */
    uint64_t capacity;           /* 512-byte sectors */
    uint32_t blk_size;           /* logical block size: 512 unless BLK_SIZE says otherwise */
    uint64_t blocks;             /* capacity in blk_size blocks (whole ones) */
    uint32_t size_max;           /* bytes per segment; 0: no limit (SIZE_MAX not negotiated) */
    uint32_t seg_max;            /* data segments per request; 1 without SEG_MAX (as Linux) */
    uint8_t physical_block_exp;  /* TOPOLOGY: log2(physical block / logical block) */
    uint8_t alignment_offset;    /* TOPOLOGY: the first aligned logical block */
    uint16_t min_io_size;        /* TOPOLOGY: in logical blocks */
    uint32_t opt_io_size;        /* TOPOLOGY: in logical blocks */
    bool writeback;              /* CONFIG_WCE: the cache is write-back */
    uint16_t num_queues;         /* 1 without MQ */
    uint32_t max_discard_sectors, max_discard_seg, discard_sector_alignment;
    uint32_t max_write_zeroes_sectors, max_write_zeroes_seg;
    bool write_zeroes_may_unmap;
    bool read_only, flush, discard, write_zeroes; /* the features, as flags */
};

/*
 * Decode and check the configuration image (len bytes, little-endian, laid out as 5.2.4) under
 * the negotiated features: a field is read only when its feature was negotiated (5.2.4: the
 * others are not valid), and what this driver cannot work with is an error with a one-line
 * reason: a blk_size that is not a power of two in 512..65536 (the SCSI block lengths the rest of
 * lunbench takes), a capacity whose bytes overflow 64 bits, seg_max 0, size_max below 512,
 * num_queues 0, physical_block_exp above 15 (4 bits of READ CAPACITY(16)). Returns 0 or -1.
 */
int vblk_config_decode(const uint8_t *image, size_t len, uint64_t features, struct vblk_config *c, char *err,
                       size_t err_len);

/*
 * Split the contiguous data buffer at phys of len bytes into at most max segments of at most
 * size_max bytes (0: one segment), device_writable as given. Returns the number of segments, 0
 * for len 0, or -1 when it would take more than max (the request is too big for seg_max).
 */
int vblk_segments(uint64_t phys, uint32_t len, uint32_t size_max, bool device_writable, struct virtq_buf *out,
                  unsigned max);

/* The largest data length one request carries under these limits (seg_max segments of size_max
 * bytes, and no more than max_segs of them); UINT32_MAX without size_max. */
uint32_t vblk_max_transfer(const struct vblk_config *c, unsigned max_segs);

#endif
