/* Parsing the virtio vendor-specific PCI capabilities (virtio 1.2, 4.1.4). */
#include <stdio.h>
#include <string.h>

#include "drivers/virtio/virtio_pci_caps.h"

enum {
    VIRTIO_PCI_CAP_COMMON_CFG = 1,
    VIRTIO_PCI_CAP_NOTIFY_CFG = 2,
    VIRTIO_PCI_CAP_ISR_CFG = 3,
    VIRTIO_PCI_CAP_DEVICE_CFG = 4,
    VIRTIO_PCI_CAP_PCI_CFG = 5,
};

#define VIRTIO_PCI_CAP_LEN 16        /* struct virtio_pci_cap */
#define VIRTIO_PCI_NOTIFY_CAP_LEN 20 /* plus notify_off_multiplier */
/* At most 48 capabilities fit in the 192 bytes above the header (as pci_capability_find). */
#define VIRTIO_PCI_MAX_CAPS 48
#define VIRTIO_PCI_STD_CONFIG_LEN 256u

static uint32_t rd(const struct pci_config_access *cfg, const struct pci_device *d, uint16_t off, unsigned w)
{
    return cfg->read(cfg->ctx, d->bus, d->dev, d->fn, off, w);
}

int virtio_pci_parse_caps(const struct pci_config_access *cfg, const struct pci_device *dev,
                          struct virtio_pci_caps *caps, char *err, size_t err_len)
{
    memset(caps, 0, sizeof *caps);
    /* pci_capability_find bounds each walk, but a list that loops back onto a vendor capability
     * (0x60 -> 0x70 -> 0x60, both id 9) hands out the same offsets forever: count them, so that
     * a device with a circular list is an error here and not a hang at boot (found by
     * tests/fuzz/fuzz_virtio_pci_caps.c). */
    unsigned seen = 0;
    for (uint8_t off = pci_capability_find(cfg, dev->bus, dev->dev, dev->fn, PCI_CAP_ID_VNDR, 0); off != 0;
         off = pci_capability_find(cfg, dev->bus, dev->dev, dev->fn, PCI_CAP_ID_VNDR, off)) {
        if (++seen > VIRTIO_PCI_MAX_CAPS) {
            snprintf(err, err_len, "the capability list loops (more than %u vendor capabilities, the last at 0x%02x)",
                     VIRTIO_PCI_MAX_CAPS, off);
            return -1;
        }
        uint8_t cap_len = (uint8_t)rd(cfg, dev, off + 2, 1);
        uint8_t type = (uint8_t)rd(cfg, dev, off + 3, 1);
        struct virtio_pci_region *r = type == VIRTIO_PCI_CAP_COMMON_CFG   ? &caps->common
                                      : type == VIRTIO_PCI_CAP_NOTIFY_CFG ? &caps->notify
                                      : type == VIRTIO_PCI_CAP_ISR_CFG    ? &caps->isr
                                      : type == VIRTIO_PCI_CAP_DEVICE_CFG ? &caps->device
                                                                          : NULL;
        /* 4.1.4: the driver MUST ignore capabilities of unknown type and SHOULD use the first
         * one of each type it can use; PCI_CFG is an alternative access path we do not need. */
        if (r == NULL || r->present)
            continue;
        unsigned need = type == VIRTIO_PCI_CAP_NOTIFY_CFG ? VIRTIO_PCI_NOTIFY_CAP_LEN : VIRTIO_PCI_CAP_LEN;
        if (cap_len < need) {
            snprintf(err, err_len, "virtio capability at 0x%02x (type %u) is %u bytes, too short", off, type, cap_len);
            return -1;
        }
        /* The list lives in the 256 bytes of standard configuration space (PCI 3.0, 6.7): a
         * capability at 0xfc cannot hold 16 bytes, and reading on would leave the space the
         * access functions accept (legacy 0xCF8 wraps to offset 0; found by the fuzzer). */
        if (off + need > VIRTIO_PCI_STD_CONFIG_LEN) {
            snprintf(err, err_len, "virtio capability at 0x%02x (type %u) runs past the end of configuration space",
                     off, type);
            return -1;
        }
        uint8_t bar = (uint8_t)rd(cfg, dev, off + 4, 1);
        uint32_t offset = rd(cfg, dev, off + 8, 4), length = rd(cfg, dev, off + 12, 4);
        /* 4.1.4: BAR values 0x0-0x5 are valid; others are reserved and must be ignored. */
        if (bar >= PCI_MAX_BARS)
            continue;
        const struct pci_bar *b = &dev->bars[bar];
        if (b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64) {
            snprintf(err, err_len, "virtio capability at 0x%02x (type %u) points at BAR%u, which is not a memory BAR",
                     off, type, bar);
            return -1;
        }
        if ((uint64_t)offset + length > b->size || length == 0) {
            snprintf(err, err_len,
                     "virtio capability at 0x%02x (type %u): offset 0x%x + length 0x%x runs past BAR%u (size 0x%llx)",
                     off, type, offset, length, bar, (unsigned long long)b->size);
            return -1;
        }
        r->present = true;
        r->bar = bar;
        r->offset = offset;
        r->length = length;
        r->addr = b->addr + offset;
        if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
            caps->notify_off_multiplier = rd(cfg, dev, off + 16, 4);
    }
    return 0;
}
