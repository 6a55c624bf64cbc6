#include "virtqueue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ordering between our ring writes and the device's reads (virtio 1.2, 2.7.13.3.1 and 2.7.14):
 * the descriptors before the avail idx, the avail idx before reading the device's event index,
 * the used idx before the used entries. On x86 the first and last are compiler barriers; the
 * middle one is a real fence (a store followed by a load). */
#define virtq_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define virtq_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define virtq_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

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

    vq->cookies = calloc(size, sizeof *vq->cookies);
    vq->chain_len = calloc(size, sizeof *vq->chain_len);
    vq->writable_len = calloc(size, sizeof *vq->writable_len);
    vq->next = calloc(size, sizeof *vq->next);
    if (vq->cookies == NULL || vq->chain_len == NULL || vq->writable_len == NULL || vq->next == NULL) {
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
    free(vq->cookies);
    free(vq->chain_len);
    free(vq->writable_len);
    free(vq->next);
    vq->next = NULL;
    vq->cookies = NULL;
    vq->chain_len = NULL;
    vq->writable_len = NULL;
}

int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned n, void *cookie)
{
    if (n == 0 || n > vq->size)
        return -2;
    uint32_t writable = 0;
    for (unsigned i = 0; i < n; i++) {
        if (bufs[i].len == 0 || (i > 0 && bufs[i - 1].device_writable && !bufs[i].device_writable))
            return -2;
        /* Saturate: the device's used len is 32 bits, and a wrapped total (2 x 2 GiB = 0) would
         * turn an honest completion into a protocol error. */
        if (bufs[i].device_writable)
            writable = bufs[i].len > UINT32_MAX - writable ? UINT32_MAX : writable + bufs[i].len;
    }
    if (n > vq->num_free)
        return -1;

    uint16_t head = vq->free_head, d = head, last = head;
    for (unsigned i = 0; i < n; i++) {
        struct vring_desc *desc = &vq->desc[d];
        desc->addr = bufs[i].addr;
        desc->len = bufs[i].len;
        desc->flags = (uint16_t)((bufs[i].device_writable ? VRING_DESC_F_WRITE : 0) | (i + 1 < n ? VRING_DESC_F_NEXT : 0));
        /* The next free descriptor becomes the chain's next one. */
        desc->next = vq->next[d];
        last = d;
        d = vq->next[d];
    }
    vq->free_head = vq->next[last];
    vq->num_free = (uint16_t)(vq->num_free - n);
    vq->cookies[head] = cookie;
    vq->chain_len[head] = (uint16_t)n;
    vq->writable_len[head] = writable;

    vq->avail_ring[vq->avail_shadow & (vq->size - 1)] = head;
    virtq_wmb(); /* the entry before the index that publishes it (2.7.13.3.1) */
    vq->avail_shadow++;
    *vq->avail_idx = vq->avail_shadow;
    vq->added++;
    return 0;
}

bool virtq_kick_prepare(struct virtq *vq)
{
    uint16_t old = vq->kicked_avail, now = vq->avail_shadow;
    if (old == now)
        return false;
    vq->kicked_avail = now;
    virtq_mb(); /* the avail idx store before the load of the device's suppression state (2.7.13.4) */
    bool need = vq->event_idx ? virtq_need_event(*vq->avail_event, now, old)
                              : !(*vq->used_flags & VRING_USED_F_NO_NOTIFY);
    if (need)
        vq->notifies++;
    else
        vq->notifies_suppressed++;
    return need;
}

static void free_chain(struct virtq *vq, uint16_t head)
{
    uint16_t n = vq->chain_len[head], d = head;
    for (uint16_t i = 1; i < n; i++)
        d = vq->next[d];
    vq->next[d] = vq->free_head;
    vq->free_head = head;
    vq->num_free = (uint16_t)(vq->num_free + n);
    vq->chain_len[head] = 0;
    vq->cookies[head] = NULL;
}

int virtq_reap(struct virtq *vq, struct virtq_completion *out, unsigned max, char *err, size_t err_len)
{
    uint16_t used = *vq->used_idx;
    uint16_t pending = (uint16_t)(used - vq->last_used);
    if (pending == 0)
        return 0;
    if (pending > vq->size) {
        snprintf(err, err_len, "virtqueue %u: used index %u is %u ahead of %u, more than the queue size %u",
                 vq->index, used, pending, vq->last_used, vq->size);
        return -1;
    }
    virtq_rmb(); /* the used idx before the entries it covers */
    unsigned n = 0;
    while (n < max && vq->last_used != used) {
        struct vring_used_elem e = vq->used_ring[vq->last_used & (vq->size - 1)];
        if (e.id >= vq->size || vq->chain_len[e.id] == 0) {
            snprintf(err, err_len, "virtqueue %u: used entry %u names descriptor %u, %s", vq->index, vq->last_used,
                     (unsigned)e.id, e.id >= vq->size ? "beyond the queue" : "which is not in flight");
            return -1;
        }
        uint32_t len = e.len;
        if (len > vq->writable_len[e.id]) {
            /* More than the chain can hold. QEMU's virtio-scsi counts the data-out bytes too
             * (it pushes the whole request size), so this is common and harmless once clipped:
             * nobody reads past the writable buffers on the word of len. */
            len = vq->writable_len[e.id];
            vq->len_clamped++;
        }
        out[n].cookie = vq->cookies[e.id];
        out[n].len = len;
        free_chain(vq, (uint16_t)e.id);
        vq->last_used++;
        n++;
    }
    vq->reaped += n;
    if (vq->event_idx)
        *vq->used_event = (uint16_t)(vq->last_used - 1);
    return (int)n;
}
