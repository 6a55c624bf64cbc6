/*
 * Split virtqueues (virtio 1.2, 2.7), driven by polling: each request chain goes onto the
 * available ring as soon as it is added, the device is notified once per batch and only when
 * VIRTIO_F_EVENT_IDX says it is waiting (2.7.10), device-to-driver notifications are suppressed,
 * and completions are reaped in batches. Pure code: the caller provides the ring memory and its
 * physical address, and the host unit tests drive it against a simulated device.
 *
 * Nothing the device writes is trusted: the used index may not run ahead by more chains than we
 * made available and have not reaped (virtio 1.2, 2.7.8: the device uses only buffers it was
 * given; a jump of a whole queue with few in flight would otherwise read stale entries that name
 * recycled chains), every used id must name a chain in flight, and a used length is clipped to
 * that chain's device-writable bytes (and counted).
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

/* What we keep of a chain in flight, by its head descriptor: one array, so that adding and
 * reaping touch one entry. */
struct virtq_chain {
    void *cookie;
    uint32_t writable_len; /* device-writable bytes in the chain */
    uint16_t len;          /* descriptors in the chain; 0 = not in flight */
    uint16_t tail;         /* its last descriptor: a reaped chain goes back onto the free list
                            * whole, without a walk */
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
    uint16_t chains_out;      /* chains made available and not reaped: the most the device may use */
    uint16_t avail_shadow;    /* the avail idx we have published */
    uint16_t kicked_avail;    /* avail idx at the last notification decision */
    uint16_t last_used;       /* next used entry to reap */
    struct virtq_chain *chains; /* per head descriptor */
    uint16_t *next;           /* our copy of each descriptor's next link: the free list and chains
                               * are walked here, never through ring memory the device could write */
    /* What is counted per I/O (commands, completions, notifications) is the HBA's per-queue
     * counters' (drivers/hba/hba.h), counted once there, not again here. */
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

/* Ordering between our ring writes and the device's reads (virtio 1.2, 2.7.13.3.1 and 2.7.14):
 * the descriptors before the avail idx, the avail idx before reading the device's event index,
 * the used idx before the used entries. On x86 the first and last are compiler barriers; the
 * middle one is a real fence (a store followed by a load). */
#define virtq_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define virtq_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define virtq_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* The event-index test (2.7.10.1 / the vring_need_event of the reference header): the device
 * asked to be told once the index passes event_idx, i.e. true when event_idx lies in
 * [old_idx, new_idx), modulo 2^16. */
static inline bool virtq_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
    return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

/* The hot paths (add, kick, reap) are inline, add and reap always: they run on every I/O, and a
 * call with its saved registers costs as much as the work. */

/* A chain as 2.7.4 wants it: every buffer non-empty, the device-readable ones before the
 * device-writable ones. */
static inline bool virtq_chain_well_formed(const struct virtq_buf *bufs, unsigned n)
{
    bool writable = false;
#pragma GCC unroll 4
    for (unsigned i = 0; i < n; i++) {
        if (bufs[i].len == 0 || (writable && !bufs[i].device_writable))
            return false;
        writable = bufs[i].device_writable;
    }
    return true;
}

/*
 * Put one chain (driver-readable buffers first, then device-writable ones, as 2.7.4 requires) on
 * the available ring; cookie comes back from virtq_reap. Returns 0, -1 when there are not enough
 * free descriptors (try again after reaping), or -2 for a malformed chain (n == 0, a readable
 * buffer after a writable one, a zero length).
 */
__attribute__((always_inline)) static inline int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned n, void *cookie)
{
    if (n == 0 || !virtq_chain_well_formed(bufs, n))
        return -2;
    /* num_free <= size: a chain longer than the queue is caught here, and told apart (it can
     * never fit) only then, off the path of every chain that fits. */
    if (n > vq->num_free)
        return n > vq->size ? -2 : -1;
    /* Locals, so that the stores into the ring need not reload them. */
    struct vring_desc *desc = vq->desc;
    const uint16_t *next = vq->next;
    uint16_t head = vq->free_head, d = head, last = head;
    uint32_t writable = 0;
    /* Unrolled: a caller that passes a constant n and buffer directions (virtio-scsi's submit) gets
     * straight-line stores, its checks folded to those of the lengths. */
#pragma GCC unroll 4
    for (unsigned i = 0; i < n; i++) {
        const struct virtq_buf *b = &bufs[i];
        /* Saturate: the device's used len is 32 bits, and a wrapped total (2 x 2 GiB = 0) would
         * turn an honest completion into a protocol error. */
        if (b->device_writable)
            writable = b->len > UINT32_MAX - writable ? UINT32_MAX : writable + b->len;
        last = d;
        d = next[last];
        desc[last].addr = b->addr;
        desc[last].len = b->len;
        desc[last].flags = (uint16_t)((b->device_writable ? VRING_DESC_F_WRITE : 0) | VRING_DESC_F_NEXT);
        desc[last].next = d; /* the next free descriptor becomes the chain's next one */
    }
    desc[last].flags &= (uint16_t)~VRING_DESC_F_NEXT;
    vq->free_head = d;
    vq->num_free = (uint16_t)(vq->num_free - n);
    vq->chains_out++;
    vq->chains[head] = (struct virtq_chain){ .cookie = cookie, .writable_len = writable, .len = (uint16_t)n,
                                             .tail = last };
    uint16_t avail = vq->avail_shadow;
    vq->avail_ring[avail & (vq->size - 1)] = head;
    virtq_wmb(); /* the entry before the index that publishes it (2.7.13.3.1) */
    vq->avail_shadow = ++avail;
    *vq->avail_idx = avail;
    return 0;
}

/* Whether the device must be notified of the chains added since the last call (event index
 * or the NO_NOTIFY flag, 2.7.10); the caller then writes the queue's notify register. */
static inline bool virtq_kick_prepare(struct virtq *vq)
{
    uint16_t old = vq->kicked_avail, now = vq->avail_shadow;
    if (old == now)
        return false;
    vq->kicked_avail = now;
    virtq_mb(); /* the avail idx store before the load of the device's suppression state (2.7.13.4) */
    return vq->event_idx ? virtq_need_event(*vq->avail_event, now, old) : !(*vq->used_flags & VRING_USED_F_NO_NOTIFY);
}

/* virtq_reap's refusals, out of line: the one-line reason into err; returns -1. A bad used
 * entry (bad_id true: entry at used position at names descriptor id) or a used index too far
 * ahead (used, with id the chains that were in flight). */
int virtq_reap_refuse(const struct virtq *vq, bool bad_id, uint16_t at, uint32_t id, uint16_t used, char *err,
                      size_t err_len);

/* Reaping in steps, for a caller that handles each completion as it comes (vrq_poll) instead of
 * from an array: virtq_used_pending, then up to that many virtq_reap_next, then virtq_reap_done.
 * virtq_reap is the same in one call. */

/* Used entries the device published that we have not reaped, or -1 (reason in err) when the used
 * index ran ahead by more than the chains in flight. */
__attribute__((always_inline)) static inline int virtq_used_pending(struct virtq *vq, char *err, size_t err_len)
{
    uint16_t used = *vq->used_idx, last = vq->last_used;
    uint16_t pending = (uint16_t)(used - last);
    if (pending > vq->chains_out)
        return virtq_reap_refuse(vq, false, last, vq->chains_out, used, err, err_len);
    virtq_rmb(); /* the used idx before the entries it covers */
    return pending;
}

/* Reap the next used entry (virtq_used_pending counted it) into *out: 0, or -1 (reason in err)
 * when it names a descriptor beyond the queue or no chain in flight. A length above the chain's
 * writable bytes is clipped to them (len_clamped counts it). */
__attribute__((always_inline)) static inline int virtq_reap_next(struct virtq *vq, struct virtq_completion *out,
                                                               char *err, size_t err_len)
{
    uint16_t last = vq->last_used;
    struct vring_used_elem e = vq->used_ring[last & (vq->size - 1)];
    struct virtq_chain *c = &vq->chains[e.id < vq->size ? e.id : 0];
    if (e.id >= vq->size || c->len == 0)
        return virtq_reap_refuse(vq, true, last, e.id, 0, err, err_len);
    uint32_t len = e.len;
    if (len > c->writable_len) {
        /* More than the chain can hold. QEMU's virtio-scsi counts the data-out bytes too (it
         * pushes the whole request size), so this is common and harmless once clipped: nobody
         * reads past the writable buffers on the word of len. */
        len = c->writable_len;
        vq->len_clamped++;
    }
    out->cookie = c->cookie;
    out->len = len;
    /* Back onto the free list whole: our next links still run along the chain, so its tail
     * joins the list's head. */
    vq->next[c->tail] = vq->free_head;
    vq->free_head = (uint16_t)e.id;
    vq->num_free = (uint16_t)(vq->num_free + c->len);
    vq->chains_out--;
    c->len = 0;
    c->cookie = NULL;
    vq->last_used = (uint16_t)(last + 1);
    return 0;
}

/* After reaping: the used_event that keeps the device from notifying us (2.7.7.1). */
static inline void virtq_reap_done(struct virtq *vq)
{
    if (vq->event_idx)
        *vq->used_event = (uint16_t)(vq->last_used - 1);
}

/*
 * Reap up to max completions into out[]. Returns how many, or -1 when the device broke the
 * protocol (with a one-line reason in err): the used index ran ahead by more than the chains in flight,
 * or a used id is out of range or not in flight. A length above the chain's writable bytes is
 * clipped to them (len_clamped counts it).
 * After -1 the queue is unusable until the device is reset.
 */
static inline int virtq_reap(struct virtq *vq, struct virtq_completion *out, unsigned max, char *err, size_t err_len)
{
    int pending = virtq_used_pending(vq, err, err_len);
    if (pending <= 0)
        return pending;
    unsigned n = 0;
    for (; n < max && n < (unsigned)pending; n++)
        if (virtq_reap_next(vq, &out[n], err, err_len) != 0)
            return -1;
    virtq_reap_done(vq);
    return (int)n;
}

/* Chains the device has not completed yet. */
static inline unsigned virtq_in_flight_descs(const struct virtq *vq) { return (unsigned)(vq->size - vq->num_free); }

#endif
