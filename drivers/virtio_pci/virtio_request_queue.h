/*
 * A request queue of a virtio HBA driver, the part virtio-scsi and virtio-blk share: the
 * virtqueue and its ring on the transport, the commands in flight by slot (a slot index is the
 * request's id; each driver keeps its own device-visible headers in an array of the same size),
 * the commands a device reset lost, notification, and the poll loop with its protocol checks
 * (a used ring that breaks the protocol, DEVICE_NEEDS_RESET: both reset the device).
 */
#ifndef DRIVERS_VIRTIO_PCI_VIRTIO_REQUEST_QUEUE_H
#define DRIVERS_VIRTIO_PCI_VIRTIO_REQUEST_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "drivers/hba/hba.h"
#include "drivers/hba/recovery.h"
#include "drivers/virtio/virtqueue.h"
#include "drivers/virtio_pci/virtio_pci.h"

struct vrq {
    struct virtq vq;
    void *ring;
    void *used_ring; /* the guard build's, apart from ring (NULL: in ring) */
    struct hba_cmd **cmds; /* by slot; NULL: free */
    uint16_t *free_slots;
    unsigned n_free, n_slots;
    struct hba_cmd **lost; /* failed by a device reset, handed back by the next poll */
    unsigned n_lost;
    uint64_t next_status_check;
};

/* Name h after the PCI function ("00:10.0") and open its virtio interface (virtio_pci_open).
 * 0, or -1 with h broken and the reason in h->error. */
int vrq_open(struct hba *h, struct virtio_pci_device *v, const struct pci_config_access *cfg,
             const struct pci_device *pci, bool prefer_legacy);

/* Zeroed memory for n queue structures of size bytes each, 64-byte aligned as each driver's
 * queue type is (a power-of-two size: one shift finds queue q); NULL when out of memory. */
void *vrq_queue_array(unsigned n, size_t size);

/* The clock of every virtio HBA: the TSC. */
uint64_t vrq_now(const struct hba *h);

/* The size to give queue index: the device's maximum, or on the modern interface the largest
 * power of two up to limit (0: no limit); the legacy interface takes only its own size. */
uint16_t vrq_pick_size(struct virtio_pci_device *v, uint16_t index, uint16_t limit);

/* Set q up as queue index of size entries (ring memory allocated once, zeroed each time) with
 * slots command slots (0: none, a queue the driver tracks itself), and enable it on the device.
 * 0, or -1 with the reason in err. */
int vrq_setup(struct virtio_pci_device *v, struct vrq *q, uint16_t index, uint16_t size, unsigned slots, char *err,
              size_t err_len);

/* A free slot for cmd (-1: none), and the cookie virtq_add is to carry for it. */
static inline int vrq_take_slot(struct vrq *q, struct hba_cmd *cmd)
{
    if (q->n_free == 0)
        return -1;
    uint16_t slot = q->free_slots[--q->n_free];
    q->cmds[slot] = cmd;
    return slot;
}
static inline void *vrq_cookie(struct vrq *q, unsigned slot) { return &q->cmds[slot]; }
/* Give back a slot: taken and never on the ring, or handed back. */
static inline void vrq_untake_slot(struct vrq *q, unsigned slot)
{
    q->cmds[slot] = NULL;
    q->free_slots[q->n_free++] = (uint16_t)slot;
}

/* Commands not yet handed back: in slots and lost. */
static inline unsigned vrq_in_flight(const struct vrq *q) { return q->n_slots - q->n_free + q->n_lost; }
/* Up to max commands in slots whose deadline is before now. */
unsigned vrq_overdue(const struct vrq *q, uint64_t now, struct hba_cmd **out, unsigned max);
/* After a device reset took every buffer back: each command in a slot becomes LOST, to be handed
 * back by the next poll. */
void vrq_lose_all(struct vrq *q, uint64_t now);

/* Notify the device of what was added to vq (request queue qi), when it needs it (event index),
 * counted in h's queue_stats[qi]. */
static inline void vrq_kick(struct hba *h, const struct virtio_pci_device *v, struct virtq *vq, unsigned qi)
{
    if (virtq_kick_prepare(vq)) {
        virtio_pci_notify(v, vq);
        h->queue_stats[qi].notifies++;
    } else {
        h->queue_stats[qi].notifies_suppressed++;
    }
}

/* How often vrq_poll looks at the device status for DEVICE_NEEDS_RESET. */
#define VRQ_STATUS_CHECK_MS 10

/* Fill cmd from the device's answer in slot of request queue q, used_len bytes written (already
 * clipped to the chain's writable bytes by the virtqueue); cmd->complete_tsc is already set. */
typedef void (*vrq_complete_fn)(struct vrq *q, unsigned slot, uint32_t used_len, struct hba_cmd *cmd);

/* Up to max of the commands a device reset lost into done[]; how many. */
static inline unsigned vrq_hand_back_lost(struct vrq *q, struct hba_cmd **done, unsigned max)
{
    unsigned n = 0;
    while (n < max && q->n_lost > 0)
        done[n++] = q->lost[--q->n_lost];
    return n;
}

/* vrq_poll's rare paths, out of line. The used ring broke the protocol (the reason in
 * h->error): a line naming it, and the HBA is reset (hba_reset_from_poll). */
void vrq_protocol_error(struct hba *h);
/* The status check due at now: DEVICE_NEEDS_RESET resets the HBA, with a line. */
void vrq_check_status(struct hba *h, const struct virtio_pci_device *v, struct vrq *q, uint64_t now);

/* Hand back up to max finished commands of queue qi into done[]: lost ones, then the device's
 * answers through complete, each stamped with the time the poll saw it (one clock read a poll);
 * every VRQ_STATUS_CHECK_MS the device status is looked at for DEVICE_NEEDS_RESET. A protocol
 * violation on the used ring or DEVICE_NEEDS_RESET resets the HBA (drivers/hba/recovery.h:
 * hba_reset_from_poll), with a line naming it. Inline, so that each driver's complete is a
 * direct call. */
__attribute__((always_inline)) static inline unsigned vrq_poll(struct hba *h, const struct virtio_pci_device *v,
                                                              struct vrq *q, unsigned qi, struct hba_cmd **done,
                                                              unsigned max, vrq_complete_fn complete)
{
    unsigned n = 0;
    if (__builtin_expect(q->n_lost > 0, 0)) /* only after a device reset */
        n = vrq_hand_back_lost(q, done, max);
    uint64_t now = 0;
    bool timed = false;
    int pending = !hba_pollable(h) || n == max ? 0 : virtq_used_pending(&q->vq, h->error, sizeof h->error);
    if (pending > 0) {
        /* Every command reaped now was seen done now: one clock read for all of them. */
        now = rdtsc();
        timed = true;
        unsigned got = 0;
        for (; got < (unsigned)pending && n < max; got++) {
            struct virtq_completion c = { NULL, 0 };
            if (virtq_reap_next(&q->vq, &c, h->error, sizeof h->error) != 0) {
                pending = -1;
                break;
            }
            /* The cookie is the slot's entry; the virtqueue checked the id named a chain in flight. */
            struct hba_cmd **entry = c.cookie;
            struct hba_cmd *cmd = *entry;
            unsigned slot = (unsigned)(entry - q->cmds);
            cmd->complete_tsc = now;
            complete(q, slot, c.len, cmd);
            vrq_untake_slot(q, slot);
            done[n++] = cmd;
        }
        virtq_reap_done(&q->vq);
        h->queue_stats[qi].completed += got;
    }
    if (pending < 0)
        vrq_protocol_error(h);
    if (!timed)
        now = rdtsc();
    if (now >= q->next_status_check && hba_pollable(h))
        vrq_check_status(h, v, q, now);
    if (__builtin_expect(q->n_lost > 0, 0)) /* the status check reset the device */
        n += vrq_hand_back_lost(q, done + n, max - n);
    return n;
}

/* Bring-up failed (the reason in h->error): reset the device so that it lets go of its queues,
 * mark it FAILED (virtio 1.2, 3.1.1: the driver SHOULD), say so in the error, mark h broken. */
void vrq_give_up(struct hba *h, struct virtio_pci_device *v, uint64_t reset_timeout_cycles);

#endif
