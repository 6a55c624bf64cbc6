/* The virtio-pci transport (virtio 1.2, 2 and 4.1), judged from what the device showed at bring-up
 * (drivers/virtio/virtio_pci_seen.h): the features it offered, its capabilities, its queues. What
 * bring-up cannot do without (VERSION_1 on the modern interface, a common configuration that is
 * long enough, notification addresses inside their region) it refuses, and the HBA is not here;
 * these checks name the rest. Once per HBA. */
#include <inttypes.h>
#include <stdio.h>

#include "check/command.h"
#include "drivers/virtio/virtio_pci_seen.h"

#define VIRTIO_SCSI_CONFIG_LEN 36 /* struct virtio_scsi_config (5.6.4) */

/* The record, or NULL with the SKIP (why) when the HBA is not virtio-pci or not modern. */
static const struct virtio_pci_seen *transport_seen(const struct check_lun *l, bool modern_only, char *why, size_t why_len)
{
    const struct virtio_pci_seen *s = l->hba->virtio;
    if (s == NULL)
        check_skip(why, why_len, "not a virtio-pci HBA");
    else if (modern_only && !s->modern)
        check_skip(why, why_len, "the legacy interface is in use: it has no capabilities");
    else
        return s;
    return NULL;
}

/* 6.1: a device offers VIRTIO_F_VERSION_1 on the modern interface. */
CHECK_FN(version_1)
{
    const struct virtio_pci_seen *s = transport_seen(l, true, why, why_len);
    if (s == NULL)
        return CHECK_SKIP;
    if (!(s->device_features & VIRTIO_F_VERSION_1)) {
        snprintf(why, why_len, "device features 0x%" PRIx64 " without VIRTIO_F_VERSION_1 (bit 32)", s->device_features);
        return CHECK_FAIL;
    }
    return CHECK_PASS;
}

/* 4.1.4.4: notify_off_multiplier is an even power of 2, or 0. */
CHECK_FN(notify_multiplier_ok)
{
    const struct virtio_pci_seen *s = transport_seen(l, true, why, why_len);
    if (s == NULL)
        return CHECK_SKIP;
    uint32_t m = s->caps.notify_off_multiplier;
    if (m != 0 && ((m & (m - 1)) != 0 || (m & 1) != 0)) {
        snprintf(why, why_len, "notify_off_multiplier %" PRIu32 ": not 0 and not an even power of 2", m);
        return CHECK_FAIL;
    }
    return CHECK_PASS;
}

/* 4.1.4.5 and 4.1.4.6: an ISR capability, and a device-specific configuration capability long
 * enough for virtio-scsi's configuration (5.6.4). */
CHECK_FN(isr_capability)
{
    const struct virtio_pci_seen *s = transport_seen(l, true, why, why_len);
    if (s == NULL)
        return CHECK_SKIP;
    if (!s->caps.isr.present) {
        snprintf(why, why_len, "no VIRTIO_PCI_CAP_ISR_CFG capability");
        return CHECK_FAIL;
    }
    return CHECK_PASS;
}

CHECK_FN(device_cfg_capability)
{
    const struct virtio_pci_seen *s = transport_seen(l, true, why, why_len);
    if (s == NULL)
        return CHECK_SKIP;
    if (!s->caps.device.present || s->caps.device.length < VIRTIO_SCSI_CONFIG_LEN) {
        snprintf(why, why_len, "a VIRTIO_PCI_CAP_DEVICE_CFG capability of at least %u bytes (it has %" PRIu32 ")",
                 VIRTIO_SCSI_CONFIG_LEN, s->caps.device.present ? s->caps.device.length : 0);
        return CHECK_FAIL;
    }
    return CHECK_PASS;
}

/* 4.1.4.3, 4.1.4.4, 4.1.4.6: the common and device configurations start 4-byte aligned, the
 * notification region 2-byte aligned. */
CHECK_FN(cap_alignment)
{
    const struct virtio_pci_seen *s = transport_seen(l, true, why, why_len);
    if (s == NULL)
        return CHECK_SKIP;
    const struct {
        const struct virtio_pci_region *r;
        uint32_t align;
        const char *name;
    } regions[] = { { &s->caps.common, 4, "common" }, { &s->caps.device, 4, "device" }, { &s->caps.notify, 2, "notify" } };
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
        if (regions[i].r->present && regions[i].r->offset % regions[i].align != 0) {
            snprintf(why, why_len, "the %s configuration at offset 0x%x of BAR %u: not %u-byte aligned",
                     regions[i].name, regions[i].r->offset, regions[i].r->bar, regions[i].align);
            return CHECK_FAIL;
        }
    return CHECK_PASS;
}

/* 2.7 (split virtqueues): a queue's size is a power of 2, at most 32768. */
CHECK_FN(queue_sizes)
{
    const struct virtio_pci_seen *s = transport_seen(l, false, why, why_len);
    if (s == NULL)
        return CHECK_SKIP;
    unsigned read = 0;
    for (unsigned q = 0; q < VIRTIO_PCI_SEEN_QUEUES; q++) {
        uint16_t n = s->queue_size[q];
        if (n == 0)
            continue;
        read++;
        if ((n & (n - 1)) != 0 || n > 32768) {
            snprintf(why, why_len, "queue %u offers size %u: not a power of 2 up to 32768", q, n);
            return CHECK_FAIL;
        }
    }
    return read ? CHECK_PASS : check_skip(why, why_len, "no queue size was read");
}

/* 5.6.2: virtio-scsi's queues are the control queue, the event queue and num_queues request
 * queues, so the transport has at least num_queues + 2. */
CHECK_FN(scsi_num_queues)
{
    const struct virtio_pci_seen *s = transport_seen(l, true, why, why_len);
    if (s == NULL)
        return CHECK_SKIP;
    if (s->device_request_queues == 0)
        return check_skip(why, why_len, "not a virtio-scsi device");
    if ((uint64_t)s->num_queues < (uint64_t)s->device_request_queues + 2) {
        snprintf(why, why_len,
                 "the common configuration's num_queues %u, below virtio-scsi's num_queues %" PRIu32
                 " plus the control and event queues",
                 s->num_queues, s->device_request_queues);
        return CHECK_FAIL;
    }
    return CHECK_PASS;
}

const struct check_def check_transport[] = {
    { "virtio.features.version_1", "virtio 1.2 6.1", "the modern interface offers VIRTIO_F_VERSION_1", version_1, CHECK_PER_HBA },
    { "virtio.pci.notify_off_multiplier", "virtio 1.2 4.1.4.4", "notify_off_multiplier is 0 or an even power of 2", notify_multiplier_ok, CHECK_PER_HBA },
    { "virtio.pci.isr_capability", "virtio 1.2 4.1.4.5", "an ISR status capability is there", isr_capability, CHECK_PER_HBA },
    { "virtio.pci.device_cfg_capability", "virtio 1.2 4.1.4.6", "a device configuration capability of at least 36 bytes (virtio-scsi's)", device_cfg_capability, CHECK_PER_HBA },
    { "virtio.pci.cap_alignment", "virtio 1.2 4.1.4.3", "common and device configurations 4-byte aligned, notification 2-byte aligned", cap_alignment, CHECK_PER_HBA },
    { "virtio.pci.queue_sizes", "virtio 1.2 2.7", "every queue's size a power of 2, at most 32768", queue_sizes, CHECK_PER_HBA },
    { "virtio.scsi.config.num_queues", "virtio 1.2 5.6.2", "the transport has num_queues request queues plus the control and event queues", scsi_num_queues, CHECK_PER_HBA },
};
const size_t check_transport_count = sizeof check_transport / sizeof check_transport[0];
