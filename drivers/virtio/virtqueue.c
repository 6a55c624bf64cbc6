#include "virtqueue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

static size_t avail_bytes(uint16_t size) { return 6 + 2 * (size_t)size; }      /* flags, idx, ring, used_event */
static size_t used_bytes(uint16_t size) { return 6 + 8 * (size_t)size; }       /* flags, idx, ring, avail_event */
static size_t used_offset(uint16_t size) { return align_up(16 * (size_t)size + avail_bytes(size), VIRTQ_LEGACY_ALIGN); }

size_t virtq_ring_bytes(uint16_t size) { return used_offset(size) + align_up(used_bytes(size), VIRTQ_LEGACY_ALIGN); }

size_t virtq_used_bytes(uint16_t size) { return used_bytes(size); }

void virtq_place_used(struct virtq *vq, void *mem, uint64_t phys)
{
    uint8_t *used = mem;
    vq->used_flags = (volatile uint16_t *)used;
    vq->used_idx = (volatile uint16_t *)(used + 2);
    vq->used_ring = (volatile struct vring_used_elem *)(used + 4);
    vq->avail_event = (volatile uint16_t *)(used + 4 + 8 * (size_t)vq->size);
    vq->used_phys = phys;
}

int virtq_init(struct virtq *vq, uint16_t index, uint16_t size, void *mem, uint64_t phys, bool event_idx)
{
    memset(vq, 0, sizeof *vq);
    if (size == 0 || (size & (size - 1)) != 0)
        return -1;
    uint8_t *base = mem;
    vq->size = size;
    vq->index = index;
    vq->event_idx = event_idx;
    vq->desc = (struct vring_desc *)base;
    uint8_t *avail = base + 16 * (size_t)size;
    vq->avail_flags = (volatile uint16_t *)avail;
    vq->avail_idx = (volatile uint16_t *)(avail + 2);
    vq->avail_ring = (volatile uint16_t *)(avail + 4);
    vq->used_event = (volatile uint16_t *)(avail + 4 + 2 * (size_t)size);
    vq->desc_phys = phys;
    vq->avail_phys = phys + 16 * (uint64_t)size;
    virtq_place_used(vq, base + used_offset(size), phys + used_offset(size));

    vq->chains = calloc(size, sizeof *vq->chains);
    vq->next = calloc(size, sizeof *vq->next);
    if (vq->chains == NULL || vq->next == NULL) {
        virtq_destroy(vq);
        return -1;
    }
    /* The free list threads through our private next links. */
    for (uint16_t i = 0; i < size; i++)
        vq->next[i] = (uint16_t)(i + 1 < size ? i + 1 : 0);
    vq->free_head = 0;
    vq->num_free = size;
    /* We poll: ask for no used-buffer notifications. Without EVENT_IDX that is the flag; with
     * it the flags field must be 0 and used_event is kept just behind what we reaped, which the
     * device never reaches (2.7.7.1). */
    *vq->avail_flags = event_idx ? 0 : VRING_AVAIL_F_NO_INTERRUPT;
    *vq->used_event = (uint16_t)(vq->last_used - 1);
    return 0;
}

void virtq_destroy(struct virtq *vq)
{
    free(vq->chains);
    free(vq->next);
    vq->chains = NULL;
    vq->next = NULL;
}

int virtq_reap_refuse(const struct virtq *vq, bool bad_id, uint16_t at, uint32_t id, uint16_t used, char *err,
                      size_t err_len)
{
    if (bad_id)
        snprintf(err, err_len, "virtqueue %u: used entry %u names descriptor %u, %s", vq->index, at, (unsigned)id,
                 id >= vq->size ? "beyond the queue" : "which is not in flight");
    else
        snprintf(err, err_len, "virtqueue %u: used index %u is %u ahead of %u, more than the %u request%s in flight "
                 "(queue size %u)", vq->index, used, (uint16_t)(used - at), at, (unsigned)id, id == 1 ? "" : "s",
                 vq->size);
    return -1;
}
