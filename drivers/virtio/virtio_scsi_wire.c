/* virtio-scsi's wire format (virtio 1.2, 5.6.6): the LUN field, response names and event records
 * (5.6.6.3, what the device writes into the buffers the driver posts on the event queue). Device
 * data: every field is checked before it is believed. */
#include <string.h>

#include "drivers/virtio/virtio_scsi_wire.h"

#include "drivers/scsi/scsi.h"

/* Unlike the SCSI data around it, a virtio structure is little-endian (virtio 1.2, 1.4). */
static uint32_t vscsi_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Offsets in struct virtio_scsi_event: le32 event, u8 lun[8], le32 reason. */
#define VSCSI_EVENT_OFF_EVENT 0
#define VSCSI_EVENT_OFF_LUN 4
#define VSCSI_EVENT_OFF_REASON 12

int vscsi_event_decode(const uint8_t *buf, size_t len, struct vscsi_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    if (len < VSCSI_EVENT_LEN)
        return -1;
    uint32_t event = vscsi_le32(buf + VSCSI_EVENT_OFF_EVENT);
    ev->events_missed = (event & VSCSI_EVENT_MISSED_FLAG) != 0;
    ev->event = event & ~VSCSI_EVENT_MISSED_FLAG;
    ev->reason = vscsi_le32(buf + VSCSI_EVENT_OFF_REASON);
    if (ev->event == VSCSI_EVENT_PARAM_CHANGE) {
        /* 5.6.6.3.3: the ASC in bits 7-0 of reason, the ASCQ in bits 15-8. */
        ev->asc = (uint8_t)ev->reason;
        ev->ascq = (uint8_t)(ev->reason >> 8);
    }
    if (ev->event == VSCSI_EVENT_NO_EVENT)
        return 0; /* QEMU reports EVENTS_MISSED alone with an all-zero LUN: nothing to check */

    /* 5.6.6.1: byte 0 is 1, byte 1 the target, bytes 2-3 a single-level LUN, bytes 4-7 zero. */
    const uint8_t *lun = buf + VSCSI_EVENT_OFF_LUN;
    int level = scsi_lun_level_decode(lun + 2);
    if (lun[0] != 1 || level < 0 || lun[4] != 0 || lun[5] != 0 || lun[6] != 0 || lun[7] != 0)
        return -1; /* the type and reason stay filled in, for the caller's error line */
    ev->has_lun = true;
    ev->target = lun[1];
    ev->lun = (uint16_t)level;
    return 0;
}
