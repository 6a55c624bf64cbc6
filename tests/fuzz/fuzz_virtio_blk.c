/*
 * virtio-blk's configuration as a device may write it (vblk_config_decode), the SCSI commands
 * answered for the disk it describes (vblk_scsi_translate) and the device's answers to the
 * requests they make (vblk_scsi_complete: bytes 1-5 of the CDB stand for status and used length). Input: 4 bytes of features, a byte
 * of transfer-limit segments, the configuration image (VBLK_CFG_LEN bytes), a 2-byte data-in
 * length, then CDBs of 16 bytes each with their length in the first byte.
 */
#include "drivers/virtio/virtio_blk_scsi.h"
#include "drivers/virtio/virtio_blk_wire.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { data, size };
    uint64_t features = fuzz_u32(&in);
    unsigned segs = 1 + fuzz_u8(&in) % 32;
    size_t got;
    const uint8_t *raw = fuzz_bytes(&in, VBLK_CFG_LEN, &got);
    uint8_t *image = fuzz_copy(raw, got);
    struct vblk_config c;
    char err[160];
    int rc = vblk_config_decode(image, got, features, &c, err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == -1);
    free(image);
    if (rc != 0) {
        FUZZ_CHECK(fuzz_is_c_string(err, sizeof err));
        return 0;
    }
    FUZZ_CHECK(c.blk_size >= 512 && c.blk_size <= 65536 && (c.blk_size & (c.blk_size - 1)) == 0);
    FUZZ_CHECK(c.seg_max >= 1 && c.num_queues >= 1 && c.physical_block_exp <= 15);
    FUZZ_CHECK(c.blocks <= c.capacity && c.blocks * (c.blk_size / 512) <= c.capacity);
    struct vblk_disk disk = { .config = &c, .name = "00:10.0", .max_transfer = vblk_max_transfer(&c, segs) };
    uint32_t in_len = fuzz_u16(&in);
    uint8_t *buf = malloc(in_len ? in_len : 1);
    FUZZ_CHECK(buf != NULL);
    while (in.left > 0) {
        uint8_t cdb_len = fuzz_u8(&in) % 17;
        const uint8_t *raw_cdb = fuzz_bytes(&in, 16, &got);
        uint8_t *cdb = fuzz_copy(raw_cdb, got < cdb_len ? got : cdb_len);
        unsigned len = got < cdb_len ? (unsigned)got : cdb_len;
        bool write = len > 0 && (cdb[0] == 0x0a || cdb[0] == 0x2a || cdb[0] == 0xaa || cdb[0] == 0x8a);
        struct vblk_translation t;
        vblk_scsi_translate(&disk, len > 0 ? cdb[len - 1] & 1 : 0, cdb, len, write ? NULL : buf, write ? 0 : in_len,
                            write ? in_len : 0, &t);
        FUZZ_CHECK(t.action <= VBLK_ACTION_REQUEST);
        if (t.action == VBLK_ACTION_ANSWERED) {
            FUZZ_CHECK(t.data_in_len <= (write ? 0 : in_len));
            FUZZ_CHECK(t.sense_len == 0 || t.sense_len == VBLK_SCSI_SENSE_LEN);
        }
        if (t.action == VBLK_ACTION_REQUEST) {
            FUZZ_CHECK(t.type == VIRTIO_BLK_T_IN || t.type == VIRTIO_BLK_T_OUT || t.type == VIRTIO_BLK_T_FLUSH);
            FUZZ_CHECK(t.bytes <= in_len && t.bytes <= disk.max_transfer);
            /* 5.2.6.1: never beyond capacity. */
            FUZZ_CHECK(t.sector <= c.capacity && t.bytes / 512 <= c.capacity - t.sector);
            FUZZ_CHECK(t.type != VIRTIO_BLK_T_OUT || !c.read_only);
            struct virtq_buf segments[32];
            int n = vblk_segments(0x100000, t.bytes, c.size_max, t.type == VIRTIO_BLK_T_IN, segments, segs);
            FUZZ_CHECK(n >= 0 || c.size_max != 0);
            /* The device's answer: any status byte and used length. */
            uint8_t status = len > 1 ? cdb[1] : 0;
            uint32_t used = len > 5 ? (uint32_t)cdb[2] << 24 | (uint32_t)cdb[3] << 16 | (uint32_t)cdb[4] << 8 | cdb[5] : 0;
            bool believed = vblk_scsi_complete(status, used, t.type, t.bytes, &t);
            FUZZ_CHECK(believed == (used >= 1 && status <= VIRTIO_BLK_S_UNSUPP));
            FUZZ_CHECK(t.moved <= t.bytes && (status == VIRTIO_BLK_S_OK || t.moved == 0));
        }
        free(cdb);
    }
    free(buf);
    return 0;
}
