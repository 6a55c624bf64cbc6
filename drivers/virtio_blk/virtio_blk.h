/*
 * The virtio-blk driver (virtio 1.2, 5.2), polled: one implementation of the HBA seam
 * (drivers/hba/hba.h) for one disk, which the rest of lunbench sees as target 0, LUN 0 of an HBA
 * of its own (drivers/virtio/virtio_blk_scsi.h answers the SCSI commands; reads, writes and
 * flushes go to the device). Request queues 0..num_queues-1 (VIRTIO_BLK_F_MQ), every value the
 * device writes bounded before it is believed (used ids and lengths in drivers/virtio/virtqueue.c,
 * the status byte here), and a protocol violation resets the device.
 *
 * What it does not do: interrupts (it is polled), indirect descriptors, task management (virtio-blk
 * has none: hba.tmf_unsupported sends an overdue command's recovery straight to a device reset),
 * events (no hotplug or capacity-change notices), UNMAP / WRITE SAME over DISCARD / WRITE_ZEROES.
 */
#ifndef DRIVERS_VIRTIO_BLK_VIRTIO_BLK_H
#define DRIVERS_VIRTIO_BLK_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/hba/hba.h"
#include "drivers/pci/pci.h"
#include "drivers/virtio/virtio_blk_scsi.h"
#include "drivers/virtio/virtio_blk_wire.h"
#include "drivers/virtio_pci/virtio_pci.h"

struct vblk_queue;

struct vblk_hba {
    struct hba base; /* the seam: drivers/hba/hba.h */
    struct virtio_pci_device vdev;
    struct vblk_config config;
    struct vblk_disk disk;
    uint16_t queue_size;
    unsigned max_segments; /* data segments one request may take */
    struct vblk_queue *req;
    /* TMFs: virtio-blk has none; each is answered FUNCTION REJECTED by the next tmf_poll. */
    struct hba_tmf *tmf_rejected[HBA_TMF_SLOTS];
    unsigned n_tmf_rejected;
};

struct vblk_options {
    bool prefer_legacy;
    uint16_t max_queue_size; /* 0: the device's */
    unsigned max_queues;     /* 0: all request queues */
    uint64_t tsc_hz;
};

/* Bring the disk up: transport, features (SIZE_MAX, SEG_MAX, BLK_SIZE, RO, FLUSH, TOPOLOGY,
 * CONFIG_WCE, MQ, DISCARD, WRITE_ZEROES, EVENT_IDX when offered), the configuration checked,
 * request queues, DRIVER_OK. Returns 0, or -1 with a one-line reason in hba->base.error, the
 * device reset and marked FAILED (virtio 1.2, 3.1.1). */
int vblk_hba_init(struct vblk_hba *hba, unsigned index, const struct pci_config_access *cfg,
                  const struct pci_device *pci, const struct vblk_options *opts);

#endif
