/*
 * virtio-scsi event records as the device writes them into event buffers (vscsi_event_decode,
 * drivers/scsi/scsi.h). Input: the record (an exact-size copy; the length is the used length).
 */
#include "drivers/scsi/scsi.h"
#include "drivers/virtio/virtio_scsi_wire.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = fuzz_copy(data, size);
    struct vscsi_event ev;
    int rc = vscsi_event_decode(buf, size, &ev);
    FUZZ_CHECK(rc == 0 || rc == -1);
    FUZZ_CHECK((ev.event & VSCSI_EVENT_MISSED_FLAG) == 0); /* the flag is split out */
    if (rc == 0) {
        FUZZ_CHECK(size >= VSCSI_EVENT_LEN);
        FUZZ_CHECK(ev.has_lun == (ev.event != VSCSI_EVENT_NO_EVENT));
        FUZZ_CHECK(ev.lun <= VSCSI_LUN_MAX);
        FUZZ_CHECK(!ev.has_lun || buf[4] == 1);
        if (ev.event == VSCSI_EVENT_PARAM_CHANGE) {
            FUZZ_CHECK(ev.asc == (uint8_t)ev.reason && ev.ascq == (uint8_t)(ev.reason >> 8));
            (void)scsi_asc_name(ev.asc, ev.ascq);
        }
    } else {
        FUZZ_CHECK(!ev.has_lun && ev.lun == 0 && ev.target == 0);
    }
    free(buf);
    return 0;
}
