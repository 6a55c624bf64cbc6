/* The virtio-pci capability list (virtio 1.2, 4.1.4), parsed from configuration space: pure, so
 * that a malformed capability is fuzzed and unit-tested on the host. */
#ifndef DRIVERS_VIRTIO_VIRTIO_PCI_CAPS_H
#define DRIVERS_VIRTIO_VIRTIO_PCI_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/pci/pci.h"

/* Where the modern capabilities point (4.1.4): BAR-relative regions, checked against the BAR. */
struct virtio_pci_region {
    bool present;
    uint8_t bar;
    uint32_t offset, length;
    uint64_t addr; /* physical address once the BAR is known */
};

struct virtio_pci_caps {
    struct virtio_pci_region common, notify, isr, device;
    uint32_t notify_off_multiplier;
};

/* Parse the virtio vendor capabilities of a PCI function (pure). Returns 0 with every region
 * that is present and valid filled in; -1 with a reason in err when a capability is malformed
 * (too short, BAR out of range or not memory, region past the end of its BAR). A device with no
 * modern capabilities returns 0 with common.present false. */
int virtio_pci_parse_caps(const struct pci_config_access *cfg, const struct pci_device *dev,
                          struct virtio_pci_caps *caps, char *err, size_t err_len);

#endif
