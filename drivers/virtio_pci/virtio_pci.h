/*
 * The virtio-pci transport (virtio 1.2, 4.1): the modern interface through the vendor-specific
 * capabilities (common, notify, ISR, device configuration) and the legacy 0.9.5 interface through
 * I/O BAR 0, for devices started with disable-modern=on. Device interrupts stay off: we poll.
 */
#ifndef DRIVERS_VIRTIO_PCI_VIRTIO_PCI_H
#define DRIVERS_VIRTIO_PCI_VIRTIO_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "drivers/pci/pci.h"
#include "drivers/virtio/virtio_pci_caps.h"
#include "drivers/virtio/virtio_pci_seen.h"
#include "drivers/virtio/virtqueue.h"

/* Device status bits (2.1). */
enum {
    VIRTIO_STATUS_ACKNOWLEDGE = 1,
    VIRTIO_STATUS_DRIVER = 2,
    VIRTIO_STATUS_DRIVER_OK = 4,
    VIRTIO_STATUS_FEATURES_OK = 8,
    VIRTIO_STATUS_DEVICE_NEEDS_RESET = 64,
    VIRTIO_STATUS_FAILED = 128,
};


struct virtio_pci_device {
    const struct pci_device *pci;
    bool modern;
    struct virtio_pci_caps caps;
    uint16_t io_base; /* legacy */
    uint64_t features; /* negotiated */
    struct virtio_pci_seen seen; /* what the device showed, for mode=check */
};

/* Pick the interface (modern when the device has it and prefer_legacy is false) and check its
 * registers are reachable. Returns 0 or -1 with a reason. */
int virtio_pci_open(struct virtio_pci_device *vdev, const struct pci_config_access *cfg, const struct pci_device *pci,
                    bool prefer_legacy, char *err, size_t err_len);

/* Reset, then ACKNOWLEDGE | DRIVER, offer the wanted features the device has (VERSION_1 is
 * required on the modern interface), FEATURES_OK and check it stuck (3.1.1). Returns 0 or -1. */
int virtio_pci_negotiate(struct virtio_pci_device *vdev, uint64_t wanted, uint64_t timeout_cycles, char *err, size_t err_len);

/* Write 0 to the status and wait (bounded) until it reads 0 (4.1.4.3.2). Returns 0 or -1. */
int virtio_pci_reset(struct virtio_pci_device *vdev, uint64_t timeout_cycles);
uint8_t virtio_pci_get_status(const struct virtio_pci_device *vdev);
void virtio_pci_set_status(const struct virtio_pci_device *vdev, uint8_t status);

/* The size the device offers for queue index, 0 when there is no such queue (kept in seen). */
uint16_t virtio_pci_queue_max_size(struct virtio_pci_device *vdev, uint16_t index);
/* Tell the device where vq lives and enable it. Modern devices take vq->size (at most the
 * maximum); legacy ones need exactly their own size. Returns 0 or -1 with a reason. */
int virtio_pci_queue_enable(struct virtio_pci_device *vdev, struct virtq *vq, char *err, size_t err_len);
/* Notify the device of new buffers on vq (inline: once per batch of I/O). */
static inline void virtio_pci_notify(const struct virtio_pci_device *vdev, const struct virtq *vq)
{
    if (vdev->modern)
        mmio_write16(vq->notify_addr, vq->index);
    else
        outw((uint16_t)vq->notify_addr, vq->index);
}

/* Device-specific configuration: reads are repeated until config_generation is stable (modern,
 * 4.1.4.3.1). */
uint32_t virtio_pci_config_read(const struct virtio_pci_device *vdev, uint32_t offset, unsigned width);
/* For a pass over several fields, guarded as one (4.1.4.3.1's loop: the generation before and
 * after the pass, again while they differ): the generation count (0 on the legacy interface,
 * which has none) and a field read on its own. */
uint8_t virtio_pci_config_generation(const struct virtio_pci_device *vdev);
uint32_t virtio_pci_config_read_unguarded(const struct virtio_pci_device *vdev, uint32_t offset, unsigned width);
void virtio_pci_config_write(const struct virtio_pci_device *vdev, uint32_t offset, unsigned width, uint32_t v);

#endif
