/*
 * Split virtqueues (virtio 1.2, 2.7), driven by polling: each request chain goes onto the
 * available ring as soon as it is added, the device is notified once per batch and only when
 * VIRTIO_F_EVENT_IDX says it is waiting (2.7.10), device-to-driver notifications are suppressed,
 * and completions are reaped in batches. Pure code: the caller provides the ring memory and its
 * physical address, and the host unit tests drive it against a simulated device.
 *
 * Nothing the device writes is trusted: the used index may not run more than the queue size
 * ahead, every used id must name a chain in flight, and a used length is clipped to that
 * chain's device-writable bytes (and counted).
 */
#ifndef DRIVERS_VIRTIO_VIRTQUEUE_H
#define DRIVERS_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ring layout shared with the device (2.7.5, 2.7.6, 2.7.8); little-endian on x86. */
struct vring_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

enum { VRING_DESC_F_NEXT = 1, VRING_DESC_F_WRITE = 2 };
enum { VRING_AVAIL_F_NO_INTERRUPT = 1, VRING_USED_F_NO_NOTIFY = 1 };

struct vring_used_elem {
    uint32_t id;
    uint32_t len;
};

#define VIRTQ_MAX_SIZE 32768 /* 2.7: Queue Size is at most 32768 */
#define VIRTQ_LEGACY_ALIGN 4096 /* the used ring's alignment in the legacy layout (4.1.5.1.3.1 / 2.7.2) */

struct virtq_buf {
    uint64_t addr; /* physical */
    uint32_t len;
    bool device_writable;
};

struct virtq_completion {
    void *cookie;
    uint32_t len; /* bytes the device says it wrote into the device-writable buffers */
};

struct virtq {
    uint16_t size; /* a power of two */
    uint16_t index;
    bool event_idx;
    /* Ring memory (contiguous, legacy layout, which modern devices accept as well). */
    struct vring_desc *desc;
    volatile uint16_t *avail_flags, *avail_idx, *avail_ring, *used_event;
    volatile uint16_t *used_flags, *used_idx, *avail_event;
    volatile struct vring_used_elem *used_ring;
    uint64_t desc_phys, avail_phys, used_phys;
    uint64_t notify_addr; /* set by the transport: where to write this queue's notification */
    /* Driver-side state. */
    uint16_t free_head, num_free;
    uint16_t avail_shadow;    /* the avail idx we have published */
    uint16_t kicked_avail;    /* avail idx at the last notification decision */
    uint16_t last_used;       /* next used entry to reap */
    void **cookies;           /* per head descriptor */
    uint16_t *chain_len;      /* descriptors in the chain at this head; 0 = not in flight */
    uint16_t *next;           /* our copy of each descriptor's next link: the free list and chains
                               * are walked here, never through ring memory the device could write */
    uint32_t *writable_len;   /* device-writable bytes in that chain */
    /* Counters for the report. */
    uint64_t added, reaped, notifies, notifies_suppressed;
    uint64_t len_clamped; /* used lengths above the chain's writable bytes, clipped */
};

/* Bytes of ring memory for a queue of this size (descriptor table, available ring with
 * used_event, padding to 4096, used ring with avail_event). */
size_t virtq_ring_bytes(uint16_t size);

/* Set up vq over zeroed ring memory mem (4096-aligned) at physical address phys. Returns 0, or
 * -1 if size is not a power of two in 1..32768 or memory for the bookkeeping runs out. */
int virtq_init(struct virtq *vq, uint16_t index, uint16_t size, void *mem, uint64_t phys, bool event_idx);
void virtq_destroy(struct virtq *vq);

/* Bytes of the used ring alone (flags, idx, ring, avail_event: 2.7.8). */
size_t virtq_used_bytes(uint16_t size);
/* Move vq's used ring to zeroed memory mem (4-aligned, virtq_used_bytes long) at phys, right after
 * virtq_init: the modern interface takes its address apart (4.1.4.3, queue_device); the guard
 * build puts it against a guard page. The legacy interface needs the contiguous layout. */
void virtq_place_used(struct virtq *vq, void *mem, uint64_t phys);

/*
 * Put one chain (driver-readable buffers first, then device-writable ones, as 2.7.4 requires) on
 * the available ring; cookie comes back from virtq_reap. Returns 0, -1 when there are not enough
 * free descriptors (try again after reaping), or -2 for a malformed chain (n == 0, a readable
 * buffer after a writable one, a zero length).
 */
int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned n, void *cookie);

/* Whether the device must be notified of the chains added since the last call (event index
 * or the NO_NOTIFY flag, 2.7.10); the caller then writes the queue's notify register. */
bool virtq_kick_prepare(struct virtq *vq);

/*
 * Reap up to max completions into out[]. Returns how many, or -1 when the device broke the
 * protocol (with a one-line reason in err): the used index ran more than the queue size ahead,
 * or a used id is out of range or not in flight. A length above the chain's writable bytes is
 * clipped to them (len_clamped counts it).
 * After -1 the queue is unusable until the device is reset.
 */
int virtq_reap(struct virtq *vq, struct virtq_completion *out, unsigned max, char *err, size_t err_len);

/* Chains the device has not completed yet. */
static inline unsigned virtq_in_flight_descs(const struct virtq *vq) { return (unsigned)(vq->size - vq->num_free); }

/* The event-index test (2.7.10.1 / the vring_need_event of the reference header): the device
 * asked to be told once the index passes event_idx, i.e. true when event_idx lies in
 * [old_idx, new_idx), modulo 2^16. */
static inline bool virtq_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
    return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

#endif
