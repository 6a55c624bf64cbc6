/*
 * One split virtqueue seen from the device side (virtio 1.2 2.7): the rings live in guest memory,
 * QEMU tells where (SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE), the guest's notifications
 * arrive on the kick eventfd and ours leave on the call eventfd. Every descriptor chain is
 * walked with bounds: each index below the queue size, at most queue-size links (no loops),
 * device-readable before device-writable (2.7.4.2), every buffer inside guest memory.
 */
#ifndef TOOLS_VSCSI_TARGET_VRING_H
#define TOOLS_VSCSI_TARGET_VRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/virtio/virtqueue.h"
#include "tools/vscsi-target/guest_mem.h"

struct vring_seg {
    uint8_t *p;
    uint32_t len;
};

/* A chain taken off the available ring; its segments are the chain's own allocation. */
struct vring_chain {
    uint16_t head;
    struct vring_seg *seg;
    unsigned readable, writable;           /* segments: seg[0..readable) then writable ones */
    uint16_t *desc;                        /* the descriptors walked, in order (ndesc of them) */
    unsigned ndesc;
    uint64_t readable_bytes, writable_bytes;
};

struct vring {
    unsigned index;
    uint16_t num;
    uint64_t desc_uva, avail_uva, used_uva;
    bool addr_set;
    struct vring_desc *desc;
    uint16_t *avail; /* flags, idx, ring[num] */
    uint16_t *used;  /* flags, idx, then ring[num] of struct vring_used_elem */
    int kick_fd, call_fd, err_fd;
    uint16_t last_avail, used_idx;
    bool started, disabled; /* disabled: SET_VRING_ENABLE 0 */
    bool need_call;
    uint64_t popped, pushed;
};

void vring_init(struct vring *v, unsigned index);
/* Map the ring addresses through m (after SET_VRING_NUM and SET_VRING_ADDR, and again after a new
 * memory table). Returns 0, or -1 with why when a ring does not lie in guest memory. */
int vring_map(struct vring *v, const struct guest_mem *m, const char **why);
/* Take the next available chain. Returns 1 with c filled, 0 when the ring is empty, -1 with why
 * for a chain that breaks the rules (c->head is then the head, to give back with length 0; or
 * UINT16_MAX... see the caller). */
int vring_pop(struct vring *v, const struct guest_mem *m, struct vring_chain *c, const char **why);
void vring_chain_free(struct vring_chain *c);
/* A fault: overwrite the chain's descriptors in the guest's table (addresses, lengths, flags and
 * links all changed), as a device that writes there would. The chain's own segments, taken when it
 * was popped, are what the device goes on using; a driver must not read the table back either. */
void vring_chain_rewrite(struct vring *v, const struct vring_chain *c);
/* Put (id, len) on the used ring: id and len as given, so that a fault can lie in them. */
void vring_push(struct vring *v, uint32_t id, uint32_t len);
/* Move the published used index n entries on without writing them (a fault: a driver must see
 * the index run ahead of what it made available). */
void vring_advance_used(struct vring *v, uint16_t n);
/* Signal the call eventfd when something was pushed and the driver wants interrupts. */
void vring_notify(struct vring *v);
/* Copy out of / into a chain's readable / writable bytes from byte offset; returns bytes done. */
size_t vring_chain_read(const struct vring_chain *c, uint64_t offset, void *dst, size_t len);
size_t vring_chain_write(const struct vring_chain *c, uint64_t offset, const void *src, size_t len);
/* Stop: close the kick fd; the caller replies last_avail (GET_VRING_BASE). */
void vring_stop(struct vring *v);
void vring_close_fds(struct vring *v);

#endif
