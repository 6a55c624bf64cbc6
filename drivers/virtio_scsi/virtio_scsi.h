/*
 * The virtio-scsi HBA driver (virtio 1.2, 5.6), polled and without a SCSI midlayer: one
 * implementation of the HBA seam (drivers/hba/hba.h). Commands go on the request queues, TMFs on
 * the control queue, hotplug and parameter changes come from the event queue; every value the
 * device writes is bounded before it is believed, and a protocol violation resets the device.
 * What it does not do: interrupts (it is polled), indirect descriptors, T10 PI, the INOUT
 * direction (no command here has both), deadlines (drivers/hba/recovery.c has them).
 *
 * The caller keeps at most cmd_per_lun commands in flight per LUN (5.6.6.1: the driver MUST
 * NOT exceed it).
 */
#ifndef DRIVERS_VIRTIO_SCSI_VIRTIO_SCSI_H
#define DRIVERS_VIRTIO_SCSI_VIRTIO_SCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/hba/hba.h"
#include "drivers/pci/pci.h"
#include "drivers/scsi/scsi.h"
#include "drivers/virtio/virtio_scsi_wire.h"
#include "drivers/virtio_pci/virtio_pci.h"

/* Feature bits (5.6.3). */
#define VIRTIO_SCSI_F_INOUT (1ull << 0)
#define VIRTIO_SCSI_F_HOTPLUG (1ull << 1)
#define VIRTIO_SCSI_F_CHANGE (1ull << 2)


/* virtio-scsi PCI IDs: transitional 0x1004, modern 0x1040 + device ID 8 (virtio 1.2, 4.1.2.1). */
static inline bool vscsi_pci_match(uint16_t vendor, uint16_t device)
{
    return vendor == 0x1af4 && (device == 0x1004 || device == 0x1048);
}

/* The device configuration (5.6.4), as read and checked at start-up. */
struct vscsi_config {
    uint32_t num_queues, seg_max, max_sectors, cmd_per_lun, event_info_size, sense_size, cdb_size;
    uint16_t max_channel, max_target; /* max_target and max_lun are inclusive bounds */
    uint32_t max_lun;
};

struct vscsi_queue;

#define VSCSI_EVENT_BUFFERS 16 /* posted on the event queue at most */

/* A TMF on the control queue (5.6.6.2): the device-visible request and response. */
struct vscsi_tmf_slot {
    struct vscsi_tmf_req req;
    struct vscsi_tmf_resp resp;
    struct hba_tmf *tmf; /* NULL: free */
};

struct vscsi_hba {
    struct hba base;                 /* the seam: drivers/hba/hba.h */
    struct virtio_pci_device vdev;
    struct vscsi_config config;
    uint16_t queue_size;             /* of the request queues */
    struct vscsi_queue *ctrl, *event, *req;
    uint32_t event_buffer_len;
    unsigned event_buffer_count;
    void *event_buffers[VSCSI_EVENT_BUFFERS]; /* of EVENT_BUFFER_SIZE bytes, each a device buffer */
    /* The HBA's own TMF slots: a TMF the device did not answer keeps its slot (the device may
     * still write there) until a device reset takes every buffer back. */
    struct vscsi_tmf_slot tmf_slots[HBA_TMF_SLOTS];
    struct hba_tmf *tmf_lost[HBA_TMF_SLOTS]; /* handed back by the next tmf_poll as NO_ANSWER */
    unsigned n_tmf_lost;
    uint64_t test_short_header; /* test only: see struct vscsi_options; 0 once spent */
};

struct vscsi_options {
    bool prefer_legacy;
    uint16_t max_queue_size; /* 0: the device's */
    unsigned max_queues;     /* 0: all request queues */
    unsigned event_buffers;  /* event buffers to post (1..16); 0: 16 */
    uint64_t tsc_hz;
    uint64_t test_short_header; /* test only (test_short_header=N): the Nth command's header 1 byte short */
    bool test_guard_overread; /* test only (test_guard_overread=yes): once the HBA is up, read the byte past
                               * a response header (the guard build must fault) */
};

/* Bring the HBA up: transport, features (INOUT, HOTPLUG, CHANGE, EVENT_IDX when offered),
 * configuration checks, control, event and request queues, event buffers, DRIVER_OK; then
 * hba->base is the seam the rest of lunbench drives it through. Returns 0, or -1 with a one-line
 * reason in hba->base.error, the device reset and marked FAILED (virtio 1.2, 3.1.1). */
int vscsi_hba_init(struct vscsi_hba *hba, unsigned index, const struct pci_config_access *cfg,
                   const struct pci_device *pci, const struct vscsi_options *opts);

#endif
