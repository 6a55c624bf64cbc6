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

#include "drivers/hba/hba.h"
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
int vrq_take_slot(struct vrq *q, struct hba_cmd *cmd);
static inline void *vrq_cookie(struct vrq *q, unsigned slot) { return &q->cmds[slot]; }
/* Give back a slot taken that never reached the ring. */
void vrq_untake_slot(struct vrq *q, unsigned slot);

/* Commands not yet handed back: in slots and lost. */
static inline unsigned vrq_in_flight(const struct vrq *q) { return q->n_slots - q->n_free + q->n_lost; }
/* Up to max commands in slots whose deadline is before now. */
unsigned vrq_overdue(const struct vrq *q, uint64_t now, struct hba_cmd **out, unsigned max);
/* After a device reset took every buffer back: each command in a slot becomes LOST, to be handed
 * back by the next poll. */
void vrq_lose_all(struct vrq *q, uint64_t now);

/* Notify the device of what was added to vq (request queue qi), when it needs it (event index),
 * counted in h's queue_stats[qi]. */
void vrq_kick(struct hba *h, const struct virtio_pci_device *v, struct virtq *vq, unsigned qi);

/* Fill cmd from the device's answer in slot, used_len bytes written (already clipped to the
 * chain's writable bytes by the virtqueue). */
typedef void (*vrq_complete_fn)(struct hba *h, unsigned queue, unsigned slot, uint32_t used_len, struct hba_cmd *cmd);

/* Hand back up to max finished commands of queue qi into done[]: lost ones, then the device's
 * answers through complete; every status_check_cycles the device status is looked at for
 * DEVICE_NEEDS_RESET. A protocol violation on the used ring or DEVICE_NEEDS_RESET resets the
 * HBA (drivers/hba/recovery.h), with a line naming it. */
unsigned vrq_poll(struct hba *h, const struct virtio_pci_device *v, struct vrq *q, unsigned qi, struct hba_cmd **done,
                  unsigned max, vrq_complete_fn complete, uint64_t status_check_cycles);

/* Bring-up failed (the reason in h->error): reset the device so that it lets go of its queues,
 * mark it FAILED (virtio 1.2, 3.1.1: the driver SHOULD), say so in the error, mark h broken. */
void vrq_give_up(struct hba *h, struct virtio_pci_device *v, uint64_t reset_timeout_cycles);

#endif
