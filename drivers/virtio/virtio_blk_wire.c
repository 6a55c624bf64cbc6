/* virtio-blk's wire format (virtio 1.2, 5.2): the configuration image decoded and checked, the
 * segments of a request. Device data: every field is checked before it is believed. */
#include "drivers/virtio/virtio_blk_wire.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const struct vblk_config_field vblk_config_fields[] = {
    { VBLK_CFG_CAPACITY, 8 },
    { VBLK_CFG_SIZE_MAX, 4 },
    { VBLK_CFG_SEG_MAX, 4 },
    { VBLK_CFG_GEOMETRY, 2 },
    { VBLK_CFG_GEOMETRY + 2, 1 },
    { VBLK_CFG_GEOMETRY + 3, 1 },
    { VBLK_CFG_BLK_SIZE, 4 },
    { VBLK_CFG_PHYSICAL_BLOCK_EXP, 1 },
    { VBLK_CFG_ALIGNMENT_OFFSET, 1 },
    { VBLK_CFG_MIN_IO_SIZE, 2 },
    { VBLK_CFG_OPT_IO_SIZE, 4 },
    { VBLK_CFG_WRITEBACK, 1 },
    { VBLK_CFG_NUM_QUEUES, 2 },
    { VBLK_CFG_MAX_DISCARD_SECTORS, 4 },
    { VBLK_CFG_MAX_DISCARD_SEG, 4 },
    { VBLK_CFG_DISCARD_ALIGNMENT, 4 },
    { VBLK_CFG_MAX_WRITE_ZEROES_SECTORS, 4 },
    { VBLK_CFG_MAX_WRITE_ZEROES_SEG, 4 },
    { VBLK_CFG_WRITE_ZEROES_MAY_UNMAP, 1 },
};
const size_t vblk_config_field_count = sizeof vblk_config_fields / sizeof vblk_config_fields[0];

const char *vblk_status_name(uint8_t status)
{
    switch (status) {
    case VIRTIO_BLK_S_OK:
        return "OK";
    case VIRTIO_BLK_S_IOERR:
        return "IOERR";
    case VIRTIO_BLK_S_UNSUPP:
        return "UNSUPP";
    default:
        return "unknown";
    }
}

/* A little-endian field of the image; a field past its end reads as 0 (the device's
 * configuration may be shorter than this driver's view of it). */
static uint64_t field(const uint8_t *image, size_t len, unsigned offset, unsigned width)
{
    uint64_t v = 0;
    if (offset + width > len)
        return 0;
    for (unsigned i = 0; i < width; i++)
        v |= (uint64_t)image[offset + i] << (8 * i);
    return v;
}

int vblk_config_decode(const uint8_t *image, size_t len, uint64_t features, struct vblk_config *c, char *err,
                       size_t err_len)
{
    memset(c, 0, sizeof *c);
    c->features = features;
    c->capacity = field(image, len, VBLK_CFG_CAPACITY, 8);
    c->blk_size = VBLK_SECTOR_SIZE;
    c->seg_max = 1;
    c->num_queues = 1;
    c->read_only = (features & VIRTIO_BLK_F_RO) != 0;
    c->flush = (features & VIRTIO_BLK_F_FLUSH) != 0;
    c->discard = (features & VIRTIO_BLK_F_DISCARD) != 0;
    c->write_zeroes = (features & VIRTIO_BLK_F_WRITE_ZEROES) != 0;
    if (c->capacity > UINT64_MAX / VBLK_SECTOR_SIZE) {
        snprintf(err, err_len, "capacity %" PRIu64 " sectors overflows 64 bits of bytes", c->capacity);
        return -1;
    }
    if (features & VIRTIO_BLK_F_SIZE_MAX) {
        c->size_max = (uint32_t)field(image, len, VBLK_CFG_SIZE_MAX, 4);
        if (c->size_max < VBLK_SECTOR_SIZE) {
            snprintf(err, err_len, "size_max %" PRIu32 " is below one 512-byte sector", c->size_max);
            return -1;
        }
    }
    if (features & VIRTIO_BLK_F_SEG_MAX) {
        c->seg_max = (uint32_t)field(image, len, VBLK_CFG_SEG_MAX, 4);
        if (c->seg_max == 0) {
            snprintf(err, err_len, "seg_max is 0 (a request needs at least one data segment)");
            return -1;
        }
    }
    if (features & VIRTIO_BLK_F_BLK_SIZE) {
        c->blk_size = (uint32_t)field(image, len, VBLK_CFG_BLK_SIZE, 4);
        if (c->blk_size < 512 || c->blk_size > 65536 || (c->blk_size & (c->blk_size - 1)) != 0) {
            snprintf(err, err_len, "blk_size %" PRIu32 " is not a power of two in 512..65536", c->blk_size);
            return -1;
        }
    }
    if (features & VIRTIO_BLK_F_TOPOLOGY) {
        c->physical_block_exp = (uint8_t)field(image, len, VBLK_CFG_PHYSICAL_BLOCK_EXP, 1);
        c->alignment_offset = (uint8_t)field(image, len, VBLK_CFG_ALIGNMENT_OFFSET, 1);
        c->min_io_size = (uint16_t)field(image, len, VBLK_CFG_MIN_IO_SIZE, 2);
        c->opt_io_size = (uint32_t)field(image, len, VBLK_CFG_OPT_IO_SIZE, 4);
        if (c->physical_block_exp > 15) {
            snprintf(err, err_len, "physical_block_exp %u is above 15", c->physical_block_exp);
            return -1;
        }
    }
    if (features & VIRTIO_BLK_F_CONFIG_WCE)
        c->writeback = field(image, len, VBLK_CFG_WRITEBACK, 1) != 0;
    else
        c->writeback = c->flush; /* 5.2.5: with FLUSH (and no CONFIG_WCE) the cache is write-back */
    if (features & VIRTIO_BLK_F_MQ) {
        c->num_queues = (uint16_t)field(image, len, VBLK_CFG_NUM_QUEUES, 2);
        if (c->num_queues == 0) {
            snprintf(err, err_len, "num_queues is 0 with VIRTIO_BLK_F_MQ");
            return -1;
        }
    }
    if (c->discard) {
        c->max_discard_sectors = (uint32_t)field(image, len, VBLK_CFG_MAX_DISCARD_SECTORS, 4);
        c->max_discard_seg = (uint32_t)field(image, len, VBLK_CFG_MAX_DISCARD_SEG, 4);
        c->discard_sector_alignment = (uint32_t)field(image, len, VBLK_CFG_DISCARD_ALIGNMENT, 4);
    }
    if (c->write_zeroes) {
        c->max_write_zeroes_sectors = (uint32_t)field(image, len, VBLK_CFG_MAX_WRITE_ZEROES_SECTORS, 4);
        c->max_write_zeroes_seg = (uint32_t)field(image, len, VBLK_CFG_MAX_WRITE_ZEROES_SEG, 4);
        c->write_zeroes_may_unmap = field(image, len, VBLK_CFG_WRITE_ZEROES_MAY_UNMAP, 1) != 0;
    }
    /* Whole logical blocks only: 5.2.6.1, a driver MUST NOT read or write beyond capacity. */
    c->blocks = c->capacity / (c->blk_size / VBLK_SECTOR_SIZE);
    return 0;
}

int vblk_segments(uint64_t phys, uint32_t len, uint32_t size_max, bool device_writable, struct virtq_buf *out,
                  unsigned max)
{
    unsigned n = 0;
    while (len > 0) {
        if (n == max)
            return -1;
        uint32_t piece = size_max != 0 && len > size_max ? size_max : len;
        out[n++] = (struct virtq_buf){ phys, piece, device_writable };
        phys += piece;
        len -= piece;
    }
    return (int)n;
}

uint32_t vblk_max_transfer(const struct vblk_config *c, unsigned max_segs)
{
    if (c->size_max == 0)
        return UINT32_MAX;
    uint64_t segs = c->seg_max < max_segs ? c->seg_max : max_segs;
    uint64_t bytes = segs * c->size_max;
    return bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
}
