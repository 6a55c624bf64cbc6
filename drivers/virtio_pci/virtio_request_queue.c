/* The request queue virtio-scsi and virtio-blk share (drivers/virtio_pci/virtio_request_queue.h). */
#include "virtio_request_queue.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "drivers/hba/recovery.h"
#include "lib/dev_buf.h"

int vrq_open(struct hba *h, struct virtio_pci_device *v, const struct pci_config_access *cfg,
             const struct pci_device *pci, bool prefer_legacy)
{
    snprintf(h->name, sizeof h->name, "%02x:%02x.%x", pci->bus, pci->dev, pci->fn);
    if (virtio_pci_open(v, cfg, pci, prefer_legacy, h->error, sizeof h->error) != 0) {
        h->broken = true;
        return -1;
    }
    return 0;
}

void *vrq_queue_array(unsigned n, size_t size)
{
    if (n == 0 || size > SIZE_MAX / n)
        return NULL;
    void *p = memalign(64, n * size);
    if (p != NULL)
        memset(p, 0, n * size);
    return p;
}

uint64_t vrq_now(const struct hba *h)
{
    (void)h;
    return rdtsc();
}

uint16_t vrq_pick_size(struct virtio_pci_device *v, uint16_t index, uint16_t limit)
{
    uint16_t max = virtio_pci_queue_max_size(v, index);
    if (!v->modern || limit == 0 || limit >= max)
        return max;
    uint16_t size = 1;
    while ((uint16_t)(size * 2) <= limit && size * 2 <= max)
        size = (uint16_t)(size * 2);
    return size;
}

int vrq_setup(struct virtio_pci_device *v, struct vrq *q, uint16_t index, uint16_t size, unsigned slots, char *err,
              size_t err_len)
{
    bool event_idx = (v->features & VIRTIO_F_RING_EVENT_IDX) != 0;
    size_t bytes = virtq_ring_bytes(size);
    if (q->ring == NULL && (q->ring = memalign(4096, bytes)) == NULL) {
        snprintf(err, err_len, "out of memory for queue %u (%zu bytes)", index, bytes);
        return -1;
    }
    memset(q->ring, 0, bytes);
    virtq_destroy(&q->vq);
    if (virtq_init(&q->vq, index, size, q->ring, (uint64_t)(uintptr_t)q->ring, event_idx) != 0) {
        snprintf(err, err_len, "queue %u: bad size %u or out of memory", index, size);
        return -1;
    }
    if (v->modern && dev_buf_side() != DEV_BUF_GUARD_NONE) {
        /* The guard build: the used ring on its own, against a guard page (lib/dev_buf.h). */
        size_t used = (virtq_used_bytes(size) + 3) & ~(size_t)3;
        if (q->used_ring == NULL && (q->used_ring = dev_buf_alloc(used, 4)) == NULL) {
            snprintf(err, err_len, "out of memory for queue %u's used ring", index);
            return -1;
        }
        memset(q->used_ring, 0, used);
        virtq_place_used(&q->vq, q->used_ring, (uint64_t)(uintptr_t)q->used_ring);
    }
    if (slots != 0 && q->cmds == NULL) {
        q->cmds = calloc(slots, sizeof *q->cmds);
        q->free_slots = calloc(slots, sizeof *q->free_slots);
        q->lost = calloc(slots, sizeof *q->lost);
        if (q->cmds == NULL || q->free_slots == NULL || q->lost == NULL) {
            snprintf(err, err_len, "out of memory for %u request slots", slots);
            return -1;
        }
        q->n_slots = slots;
        for (unsigned i = 0; i < slots; i++)
            q->free_slots[i] = (uint16_t)(slots - 1 - i);
        q->n_free = slots;
    }
    return virtio_pci_queue_enable(v, &q->vq, err, err_len);
}

unsigned vrq_overdue(const struct vrq *q, uint64_t now, struct hba_cmd **out, unsigned max)
{
    unsigned n = 0;
    for (unsigned s = 0; s < q->n_slots && n < max; s++) {
        struct hba_cmd *cmd = q->cmds[s];
        if (cmd != NULL && now >= cmd->deadline)
            out[n++] = cmd;
    }
    return n;
}

void vrq_lose_all(struct vrq *q, uint64_t now)
{
    for (unsigned s = 0; s < q->n_slots; s++) {
        struct hba_cmd *cmd = q->cmds[s];
        if (cmd == NULL)
            continue;
        cmd->response = HBA_RESPONSE_LOST;
        cmd->complete_tsc = now;
        q->lost[q->n_lost++] = cmd;
        vrq_untake_slot(q, s);
    }
}

void vrq_protocol_error(struct hba *h)
{
    printf("lunbench: HBA %u (%s): %s; resetting the device\n", h->index, h->name, h->error);
    hba_reset_from_poll(h);
}

void vrq_check_status(struct hba *h, const struct virtio_pci_device *v, struct vrq *q, uint64_t now)
{
    q->next_status_check = now + hba_ms_to_cycles(h, VRQ_STATUS_CHECK_MS);
    if (virtio_pci_get_status(v) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) {
        printf("lunbench: HBA %u (%s): the device set DEVICE_NEEDS_RESET; resetting it\n", h->index, h->name);
        hba_reset_from_poll(h);
    }
}

void vrq_give_up(struct hba *h, struct virtio_pci_device *v, uint64_t reset_timeout_cycles)
{
    virtio_pci_reset(v, reset_timeout_cycles);
    virtio_pci_set_status(v, VIRTIO_STATUS_FAILED);
    size_t used = strlen(h->error);
    if (virtio_pci_get_status(v) & VIRTIO_STATUS_FAILED)
        snprintf(h->error + used, sizeof h->error - used, " (device reset and marked FAILED)");
    h->broken = true;
}
