/*
 * REPORT LUNS data-in as a device returns it (scsi_report_luns_decode, drivers/scsi/scsi.h).
 * Input: u16 buf_len (the buffer the caller owns: at most the bytes that follow), u32 xfer_len
 * (what the device claims it transferred: any value), u8 max (LUNs the caller has room for),
 * then the data. The buffer and the LUN array are exact-size allocations.
 */
#include "drivers/scsi/scsi.h"
#include "drivers/virtio/virtio_scsi_wire.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { data, size };
    size_t buf_len = fuzz_u16(&in);
    size_t xfer_len = fuzz_u32(&in);
    size_t max = fuzz_u8(&in);
    if (buf_len > in.left)
        buf_len = in.left;
    size_t got;
    uint8_t *buf = fuzz_copy(fuzz_bytes(&in, buf_len, &got), buf_len);
    uint16_t *luns = malloc(max * sizeof *luns);
    FUZZ_CHECK(luns != NULL || max == 0);

    struct scsi_report_luns out;
    int rc = scsi_report_luns_decode(buf, buf_len, xfer_len, luns, max, &out);
    size_t avail = buf_len < xfer_len ? buf_len : xfer_len;
    if (avail < 8) {
        FUZZ_CHECK(rc == -1);
    } else if (rc == 0) {
        /* Every whole entry that both the header and the transfer cover is accounted for once. */
        uint64_t full = 8 + (uint64_t)out.list_length;
        FUZZ_CHECK(out.list_length % 8 == 0);
        FUZZ_CHECK(out.truncated == (full > avail));
        size_t usable = out.truncated ? avail : (size_t)full;
        FUZZ_CHECK(out.count + out.skipped + out.dropped == (usable - 8) / 8);
        FUZZ_CHECK(out.count <= max);
        FUZZ_CHECK(out.dropped == 0 || out.count == max);
        for (size_t i = 0; i < out.count; i++)
            FUZZ_CHECK(luns[i] <= VSCSI_LUN_MAX);
    } else {
        FUZZ_CHECK(rc == -1 && out.count == 0);
    }
    free(luns);
    free(buf);
    return 0;
}
