/*
 * What the virtio-pci transport read of a device at bring-up (virtio 1.2, 4.1): the features it
 * offered, its capabilities, its queues' sizes. The transport (drivers/virtio_pci/) fills it; the
 * HBA points at it (hba.h), so that mode=check judges the transport from what the device showed,
 * on the host against the fake HBA as in the guest. Pure: no code, only the record.
 */
#ifndef DRIVERS_VIRTIO_VIRTIO_PCI_SEEN_H
#define DRIVERS_VIRTIO_VIRTIO_PCI_SEEN_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/virtio/virtio_pci_caps.h"

/* Reserved feature bits (6). */
#define VIRTIO_F_RING_EVENT_IDX (1ull << 29)
#define VIRTIO_F_VERSION_1 (1ull << 32)

#define VIRTIO_PCI_SEEN_QUEUES 72 /* queues whose sizes are kept: control, event and 64 request queues fit */

struct virtio_pci_seen {
    bool modern;                 /* the modern interface is the one in use */
    uint64_t device_features;    /* offered (the legacy interface has 32 bits) */
    struct virtio_pci_caps caps; /* modern: where the capabilities point */
    uint16_t num_queues;         /* modern: the common configuration's num_queues */
    uint16_t queue_size[VIRTIO_PCI_SEEN_QUEUES]; /* each queue's size as the device offered it, 0: not read */
    uint32_t device_request_queues; /* the device type's own count (virtio-scsi's num_queues), 0: none */
};

#endif
