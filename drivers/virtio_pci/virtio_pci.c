/* The virtio-pci transport registers: modern (virtio 1.2, 4.1.4) and legacy (4.1.4.8). */
#include "virtio_pci.h"

#include <stdio.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"

/* struct virtio_pci_common_cfg (4.1.4.3). */
enum {
    COMMON_DEVICE_FEATURE_SELECT = 0x00,
    COMMON_DEVICE_FEATURE = 0x04,
    COMMON_DRIVER_FEATURE_SELECT = 0x08,
    COMMON_DRIVER_FEATURE = 0x0c,
    COMMON_MSIX_CONFIG = 0x10,
    COMMON_NUM_QUEUES = 0x12,
    COMMON_DEVICE_STATUS = 0x14,
    COMMON_CONFIG_GENERATION = 0x15,
    COMMON_QUEUE_SELECT = 0x16,
    COMMON_QUEUE_SIZE = 0x18,
    COMMON_QUEUE_MSIX_VECTOR = 0x1a,
    COMMON_QUEUE_ENABLE = 0x1c,
    COMMON_QUEUE_NOTIFY_OFF = 0x1e,
    COMMON_QUEUE_DESC = 0x20,
    COMMON_QUEUE_DRIVER = 0x28,
    COMMON_QUEUE_DEVICE = 0x30,
    COMMON_CFG_LEN = 0x38,
};

/* The legacy header in I/O BAR 0 (4.1.4.8); the device configuration follows at 0x14 while
 * MSI-X is off, which it always is here. */
enum {
    LEGACY_DEVICE_FEATURES = 0x00,
    LEGACY_GUEST_FEATURES = 0x04,
    LEGACY_QUEUE_PFN = 0x08,
    LEGACY_QUEUE_SIZE = 0x0c,
    LEGACY_QUEUE_SELECT = 0x0e,
    LEGACY_QUEUE_NOTIFY = 0x10,
    LEGACY_DEVICE_STATUS = 0x12,
    LEGACY_ISR = 0x13,
    LEGACY_CONFIG = 0x14,
};

#define VIRTIO_MSI_NO_VECTOR 0xffff

static uint64_t common(const struct virtio_pci_device *v, uint32_t off) { return v->caps.common.addr + off; }

static int map_region(struct virtio_pci_region *r, const char *what, char *err, size_t err_len)
{
    if (!r->present) {
        snprintf(err, err_len, "the device has no virtio %s capability", what);
        return -1;
    }
    if (paging_map_identity(r->addr, r->length, 1) != 0) {
        snprintf(err, err_len, "cannot map the virtio %s region at 0x%llx", what, (unsigned long long)r->addr);
        return -1;
    }
    return 0;
}

int virtio_pci_open(struct virtio_pci_device *v, const struct pci_config_access *cfg, const struct pci_device *pci,
                    bool prefer_legacy, char *err, size_t err_len)
{
    memset(v, 0, sizeof *v);
    v->pci = pci;
    if (virtio_pci_parse_caps(cfg, pci, &v->caps, err, err_len) != 0)
        return -1;
    bool have_legacy = pci->device < 0x1040 && pci->bars[0].kind == PCI_BAR_IO && pci->bars[0].assigned;
    bool have_modern = v->caps.common.present;
    if (have_modern && !(prefer_legacy && have_legacy)) {
        if (map_region(&v->caps.common, "common configuration", err, err_len) != 0 ||
            map_region(&v->caps.notify, "notification", err, err_len) != 0 ||
            map_region(&v->caps.device, "device configuration", err, err_len) != 0)
            return -1;
        if (v->caps.common.length < COMMON_CFG_LEN) {
            snprintf(err, err_len, "the virtio common configuration is %u bytes, less than %u", v->caps.common.length,
                     COMMON_CFG_LEN);
            return -1;
        }
        v->modern = true;
        v->seen.modern = true;
        v->seen.caps = v->caps;
        v->seen.num_queues = mmio_read16(common(v, COMMON_NUM_QUEUES));
        return 0;
    }
    if (!have_legacy) {
        snprintf(err, err_len, "%s",
                 have_modern ? "pci=legacy was asked for, but the device has no legacy interface"
                 : pci->bars[0].kind == PCI_BAR_IO ? "no modern capabilities and the legacy I/O BAR is unassigned (no I/O space?)"
                                                   : "neither a modern nor a legacy virtio interface");
        return -1;
    }
    v->io_base = (uint16_t)pci->bars[0].addr;
    return 0;
}

uint8_t virtio_pci_get_status(const struct virtio_pci_device *v)
{
    return v->modern ? mmio_read8(common(v, COMMON_DEVICE_STATUS)) : inb((uint16_t)(v->io_base + LEGACY_DEVICE_STATUS));
}

void virtio_pci_set_status(const struct virtio_pci_device *v, uint8_t status)
{
    if (v->modern)
        mmio_write8(common(v, COMMON_DEVICE_STATUS), status);
    else
        outb((uint16_t)(v->io_base + LEGACY_DEVICE_STATUS), status);
}

int virtio_pci_reset(struct virtio_pci_device *v, uint64_t timeout_cycles)
{
    virtio_pci_set_status(v, 0);
    uint64_t start = rdtsc();
    while (virtio_pci_get_status(v) != 0) {
        if (rdtsc() - start > timeout_cycles)
            return -1;
        cpu_pause();
    }
    return 0;
}

static uint64_t device_features(const struct virtio_pci_device *v)
{
    if (!v->modern)
        return inl((uint16_t)(v->io_base + LEGACY_DEVICE_FEATURES));
    mmio_write32(common(v, COMMON_DEVICE_FEATURE_SELECT), 0);
    uint64_t lo = mmio_read32(common(v, COMMON_DEVICE_FEATURE));
    mmio_write32(common(v, COMMON_DEVICE_FEATURE_SELECT), 1);
    uint64_t hi = mmio_read32(common(v, COMMON_DEVICE_FEATURE));
    return lo | hi << 32;
}

static void driver_features(const struct virtio_pci_device *v, uint64_t features)
{
    if (!v->modern) {
        outl((uint16_t)(v->io_base + LEGACY_GUEST_FEATURES), (uint32_t)features);
        return;
    }
    mmio_write32(common(v, COMMON_DRIVER_FEATURE_SELECT), 0);
    mmio_write32(common(v, COMMON_DRIVER_FEATURE), (uint32_t)features);
    mmio_write32(common(v, COMMON_DRIVER_FEATURE_SELECT), 1);
    mmio_write32(common(v, COMMON_DRIVER_FEATURE), (uint32_t)(features >> 32));
}

int virtio_pci_negotiate(struct virtio_pci_device *v, uint64_t wanted, uint64_t timeout_cycles, char *err, size_t err_len)
{
    /* 3.1.1 Driver Requirements: Device Initialization. */
    if (virtio_pci_reset(v, timeout_cycles) != 0) {
        snprintf(err, err_len, "the device did not finish its reset (status stays 0x%02x)", virtio_pci_get_status(v));
        return -1;
    }
    virtio_pci_set_status(v, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_pci_set_status(v, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    uint64_t offered = device_features(v);
    v->seen.device_features = offered;
    if (v->modern) {
        wanted |= VIRTIO_F_VERSION_1;
        if (!(offered & VIRTIO_F_VERSION_1)) {
            virtio_pci_set_status(v, VIRTIO_STATUS_FAILED);
            snprintf(err, err_len, "the modern interface does not offer VIRTIO_F_VERSION_1 (features 0x%llx)",
                     (unsigned long long)offered);
            return -1;
        }
    } else {
        wanted &= 0xffffffffull; /* the legacy interface has 32 feature bits */
    }
    v->features = offered & wanted;
    driver_features(v, v->features);
    if (!v->modern)
        return 0; /* legacy devices have no FEATURES_OK step */
    virtio_pci_set_status(v, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    if (!(virtio_pci_get_status(v) & VIRTIO_STATUS_FEATURES_OK)) {
        virtio_pci_set_status(v, VIRTIO_STATUS_FAILED);
        snprintf(err, err_len, "the device refused features 0x%llx (FEATURES_OK did not stick)",
                 (unsigned long long)v->features);
        return -1;
    }
    return 0;
}

static uint16_t queue_max_size(const struct virtio_pci_device *v, uint16_t index)
{
    if (!v->modern) {
        outw((uint16_t)(v->io_base + LEGACY_QUEUE_SELECT), index);
        return inw((uint16_t)(v->io_base + LEGACY_QUEUE_SIZE));
    }
    if (index >= mmio_read16(common(v, COMMON_NUM_QUEUES)))
        return 0;
    mmio_write16(common(v, COMMON_QUEUE_SELECT), index);
    return mmio_read16(common(v, COMMON_QUEUE_SIZE));
}

uint16_t virtio_pci_queue_max_size(struct virtio_pci_device *v, uint16_t index)
{
    uint16_t size = queue_max_size(v, index);
    if (index < VIRTIO_PCI_SEEN_QUEUES)
        v->seen.queue_size[index] = size;
    return size;
}

static void write64(uint64_t addr, uint64_t v)
{
    /* 4.1.3.1: 64-bit fields may be written as two 32-bit halves, low first. */
    mmio_write32(addr, (uint32_t)v);
    mmio_write32(addr + 4, (uint32_t)(v >> 32));
}

int virtio_pci_queue_enable(struct virtio_pci_device *v, struct virtq *vq, char *err, size_t err_len)
{
    uint16_t max = virtio_pci_queue_max_size(v, vq->index);
    if (max == 0 || vq->size > max || (!v->modern && vq->size != max)) {
        snprintf(err, err_len, "queue %u: size %u does not fit the device's %u", vq->index, vq->size, max);
        return -1;
    }
    if (!v->modern) {
        /* 4.1.5.1.3.1 (legacy): the rings lie contiguous in the layout virtq_init uses, the
         * used ring 4096-aligned, and the device takes the page frame number. */
        if (vq->desc_phys & 0xfff || vq->desc_phys >> 44) {
            snprintf(err, err_len, "queue %u: ring at 0x%llx is not a 4 KiB page below 2^44", vq->index,
                     (unsigned long long)vq->desc_phys);
            return -1;
        }
        outw((uint16_t)(v->io_base + LEGACY_QUEUE_SELECT), vq->index);
        outl((uint16_t)(v->io_base + LEGACY_QUEUE_PFN), (uint32_t)(vq->desc_phys >> 12));
        vq->notify_addr = (uint64_t)(v->io_base + LEGACY_QUEUE_NOTIFY);
        return 0;
    }
    mmio_write16(common(v, COMMON_QUEUE_SELECT), vq->index);
    mmio_write16(common(v, COMMON_QUEUE_SIZE), vq->size);
    mmio_write16(common(v, COMMON_QUEUE_MSIX_VECTOR), VIRTIO_MSI_NO_VECTOR);
    write64(common(v, COMMON_QUEUE_DESC), vq->desc_phys);
    write64(common(v, COMMON_QUEUE_DRIVER), vq->avail_phys);
    write64(common(v, COMMON_QUEUE_DEVICE), vq->used_phys);
    /* 4.1.4.4: the queue's notification address is cap.offset + queue_notify_off * multiplier. */
    uint64_t off = (uint64_t)mmio_read16(common(v, COMMON_QUEUE_NOTIFY_OFF)) * v->caps.notify_off_multiplier;
    if (off + 2 > v->caps.notify.length) {
        snprintf(err, err_len, "queue %u: notification offset 0x%llx is outside the notify region (0x%x bytes)",
                 vq->index, (unsigned long long)off, v->caps.notify.length);
        return -1;
    }
    vq->notify_addr = v->caps.notify.addr + off;
    mmio_write16(common(v, COMMON_QUEUE_ENABLE), 1);
    return 0;
}

static uint32_t config_read_once(const struct virtio_pci_device *v, uint32_t offset, unsigned width)
{
    if (v->modern)
        return mmio_read_sized(v->caps.device.addr + offset, width);
    return port_read_sized((uint16_t)(v->io_base + LEGACY_CONFIG + offset), width);
}

uint8_t virtio_pci_config_generation(const struct virtio_pci_device *v)
{
    return v->modern ? mmio_read8(common(v, COMMON_CONFIG_GENERATION)) : 0;
}

uint32_t virtio_pci_config_read_unguarded(const struct virtio_pci_device *v, uint32_t offset, unsigned width)
{
    if (v->modern && offset + width > v->caps.device.length)
        return 0;
    return config_read_once(v, offset, width);
}

uint32_t virtio_pci_config_read(const struct virtio_pci_device *v, uint32_t offset, unsigned width)
{
    for (int tries = 0;; tries++) {
        uint8_t gen = virtio_pci_config_generation(v);
        uint32_t value = virtio_pci_config_read_unguarded(v, offset, width);
        if (!v->modern || virtio_pci_config_generation(v) == gen || tries == 100)
            return value;
    }
}

void virtio_pci_config_write(const struct virtio_pci_device *v, uint32_t offset, unsigned width, uint32_t value)
{
    if (v->modern) {
        if (offset + width <= v->caps.device.length)
            mmio_write_sized(v->caps.device.addr + offset, width, value);
        return;
    }
    port_write_sized((uint16_t)(v->io_base + LEGACY_CONFIG + offset), width, value);
}
