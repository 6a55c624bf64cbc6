/* The virtio-blk driver (virtio 1.2, 5.2) behind the HBA seam: bring-up, requests, polling, resets. */
#include "virtio_blk.h"

#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "drivers/virtio_pci/virtio_request_queue.h"

#define MAX_SEGMENTS 16      /* data segments per request, when size_max makes more than one */

/* One in-flight request's device-visible header and status byte, by the slot of its queue. */
struct vblk_slot {
    struct vblk_req_hdr hdr;
    volatile uint8_t status;
    uint32_t type, bytes;
};

/* Aligned to 64 bytes, so that its size is a power of two (256) and finding request queue q on
 * every submit, kick and poll is one shift, not a multiply. */
struct vblk_queue {
    struct vrq rq;
    struct vblk_slot *slots;   /* one per slot of rq */
    struct hba_cmd **answered; /* answered without the device, handed back by the next poll */
    unsigned n_answered;
} __attribute__((aligned(64)));
_Static_assert((sizeof(struct vblk_queue) & (sizeof(struct vblk_queue) - 1)) == 0, "a queue's size is a power of two");

static struct vblk_queue *vblk_queue_of(struct vrq *q) { return (struct vblk_queue *)((char *)q - offsetof(struct vblk_queue, rq)); }

static uint64_t ms_to_cycles(const struct vblk_hba *hba, uint64_t ms) { return hba->base.tsc_hz / 1000 * ms; }

static const struct hba_ops vblk_ops;

static struct vblk_hba *vblk_of(const struct hba *h) { return (struct vblk_hba *)((char *)h - offsetof(struct vblk_hba, base)); }

static int queue_setup(struct vblk_hba *hba, struct vblk_queue *q, uint16_t index, uint16_t size, unsigned slots)
{
    if (q->slots == NULL) {
        q->slots = calloc(slots, sizeof *q->slots);
        q->answered = calloc(slots, sizeof *q->answered);
        if (q->slots == NULL || q->answered == NULL) {
            snprintf(hba->base.error, sizeof hba->base.error, "out of memory for %u request slots", slots);
            return -1;
        }
    }
    return vrq_setup(&hba->vdev, &q->rq, index, size, slots, hba->base.error, sizeof hba->base.error);
}

/* The configuration, each field read with its own width (4.1.3.1) into a little-endian image, in
 * one pass that no change crossed: config_generation the same before and after it (4.1.4.3.1). */
static int read_config(struct vblk_hba *hba)
{
    uint8_t image[VBLK_CFG_LEN];
    for (int tries = 0;; tries++) {
        memset(image, 0, sizeof image);
        uint8_t gen = virtio_pci_config_generation(&hba->vdev);
        for (size_t i = 0; i < vblk_config_field_count; i++) {
            const struct vblk_config_field *f = &vblk_config_fields[i];
            uint64_t v;
            if (f->width == 8)
                v = virtio_pci_config_read_unguarded(&hba->vdev, f->offset, 4) |
                    (uint64_t)virtio_pci_config_read_unguarded(&hba->vdev, f->offset + 4u, 4) << 32;
            else
                v = virtio_pci_config_read_unguarded(&hba->vdev, f->offset, f->width);
            for (unsigned b = 0; b < f->width; b++)
                image[f->offset + b] = (uint8_t)(v >> (8 * b));
        }
        if (virtio_pci_config_generation(&hba->vdev) == gen)
            break;
        if (tries == 100) {
            snprintf(hba->base.error, sizeof hba->base.error, "the configuration changed during each of 100 reads");
            return -1;
        }
    }
    return vblk_config_decode(image, sizeof image, hba->vdev.features, &hba->config, hba->base.error,
                              sizeof hba->base.error);
}

static int hba_start(struct vblk_hba *hba, const struct vblk_options *opts)
{
    uint64_t wanted = VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_RO |
                      VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_TOPOLOGY | VIRTIO_BLK_F_CONFIG_WCE | VIRTIO_BLK_F_MQ |
                      VIRTIO_BLK_F_DISCARD | VIRTIO_BLK_F_WRITE_ZEROES | VIRTIO_F_RING_EVENT_IDX;
    if (virtio_pci_negotiate(&hba->vdev, wanted, ms_to_cycles(hba, 1000), hba->base.error, sizeof hba->base.error) != 0)
        return -1;
    /* A 64-bit capacity read as two halves may tear on the legacy interface (no generation
     * count): there, read the whole configuration twice and take it when both agree. */
    struct vblk_config first;
    for (int tries = 0;; tries++) {
        if (read_config(hba) != 0)
            return -1;
        if (hba->vdev.modern || (tries > 0 && memcmp(&first, &hba->config, sizeof first) == 0))
            break;
        if (tries == 10) {
            snprintf(hba->base.error, sizeof hba->base.error, "the configuration changed on every read");
            return -1;
        }
        memcpy(&first, &hba->config, sizeof first); /* padding too: decode zeroed it */
    }
    unsigned queues = hba->config.num_queues;
    if (queues > HBA_MAX_QUEUES)
        queues = HBA_MAX_QUEUES;
    if (opts->max_queues != 0 && queues > opts->max_queues)
        queues = opts->max_queues;
    for (unsigned i = 0; i < queues; i++)
        if (virtio_pci_queue_max_size(&hba->vdev, (uint16_t)i) == 0) {
            queues = i; /* fewer queues than num_queues claims */
            break;
        }
    if (queues == 0) {
        snprintf(hba->base.error, sizeof hba->base.error, "request queue 0 does not exist");
        return -1;
    }
    hba->base.num_queues = queues;
    if (hba->req == NULL && (hba->req = vrq_queue_array(queues, sizeof *hba->req)) == NULL) {
        snprintf(hba->base.error, sizeof hba->base.error, "out of memory for %u queues", queues);
        return -1;
    }
    hba->queue_size = vrq_pick_size(&hba->vdev, 0, opts->max_queue_size);
    /* One segment covers any buffer (it is contiguous) unless size_max cuts it up; a request is
     * then a header, its segments and the status byte. */
    unsigned segs = 1;
    if (hba->config.size_max != 0) {
        segs = hba->config.seg_max < MAX_SEGMENTS ? hba->config.seg_max : MAX_SEGMENTS;
        if (hba->queue_size >= 3 && segs > hba->queue_size - 2u)
            segs = hba->queue_size - 2u;
    }
    hba->max_segments = segs;
    if (hba->queue_size < 2 + segs) {
        snprintf(hba->base.error, sizeof hba->base.error, "request queue size %u is below the %u descriptors of a request",
                 hba->queue_size, 2 + segs);
        return -1;
    }
    unsigned depth = hba->queue_size / (2 + segs);
    for (unsigned i = 0; i < queues; i++) {
        uint16_t size = vrq_pick_size(&hba->vdev, (uint16_t)i, hba->queue_size);
        if (size != hba->queue_size) {
            snprintf(hba->base.error, sizeof hba->base.error, "request queue %u has size %u, queue 0 has %u", i, size,
                     hba->queue_size);
            return -1;
        }
        if (queue_setup(hba, &hba->req[i], (uint16_t)i, size, depth) != 0)
            return -1;
    }
    hba->base.queue_depth = depth;
    hba->base.max_target = 0;
    hba->base.max_lun = 0;
    hba->base.cmd_per_lun = depth;
    hba->disk = (struct vblk_disk){ .config = &hba->config, .name = hba->base.name, .legacy = !hba->vdev.modern,
                                    .max_transfer = vblk_max_transfer(&hba->config, segs) };
    virtio_pci_set_status(&hba->vdev, (uint8_t)(virtio_pci_get_status(&hba->vdev) | VIRTIO_STATUS_DRIVER_OK));
    return 0;
}

int vblk_hba_init(struct vblk_hba *hba, unsigned index, const struct pci_config_access *cfg,
                  const struct pci_device *pci, const struct vblk_options *opts)
{
    memset(hba, 0, sizeof *hba);
    hba->base.ops = &vblk_ops;
    hba->base.kind = "virtio-blk";
    hba->base.virtio = &hba->vdev.seen;
    hba->base.index = index;
    hba->base.tsc_hz = opts->tsc_hz;
    hba->base.tmf_unsupported = true;
    if (vrq_open(&hba->base, &hba->vdev, cfg, pci, opts->prefer_legacy) != 0)
        return -1;
    if (hba_start(hba, opts) != 0) {
        vrq_give_up(&hba->base, &hba->vdev, ms_to_cycles(hba, 1000));
        return -1;
    }
    return 0;
}

/* A command answered here (or refused): handed back by the next poll of its queue. */
static int answer_now(struct hba *h, struct vblk_queue *q, struct hba_cmd *cmd, const struct vblk_translation *t,
                      enum hba_response response)
{
    if (q->n_answered + (q->rq.n_slots - q->rq.n_free) >= q->rq.n_slots)
        return -1; /* the queue's depth is spent: poll, then retry */
    cmd->submit_tsc = rdtsc();
    cmd->response = response;
    cmd->status = response == HBA_RESPONSE_OK ? t->status : 0;
    cmd->sense_len = response == HBA_RESPONSE_OK ? t->sense_len : 0;
    memcpy(cmd->sense, t->sense, cmd->sense_len);
    uint32_t in = response == HBA_RESPONSE_OK ? t->data_in_len : 0;
    cmd->residual = cmd->data_len - (in < cmd->data_len ? in : cmd->data_len);
    cmd->tag = UINT64_MAX; /* never on the wire */
    cmd->complete_tsc = cmd->submit_tsc;
    q->answered[q->n_answered++] = cmd;
    h->queue_stats[q - vblk_of(h)->req].submitted++;
    return 0;
}

static int vblk_submit(struct hba *h, unsigned qi, struct hba_cmd *cmd)
{
    struct vblk_hba *hba = vblk_of(h);
    struct vblk_queue *q = &hba->req[qi];
    if (h->broken)
        return -1;
    struct vblk_translation t;
    if (cmd->target != 0) {
        memset(&t, 0, sizeof t);
        return answer_now(h, q, cmd, &t, HBA_RESPONSE_BAD_TARGET); /* one disk: target 0 only */
    }
    uint8_t *in = cmd->dir == HBA_DIR_IN ? cmd->data : NULL;
    uint32_t in_len = cmd->dir == HBA_DIR_IN ? cmd->data_len : 0;
    uint32_t out_len = cmd->dir == HBA_DIR_OUT ? cmd->data_len : 0;
    /* Reads and writes that make a request: straight from the translation's own checks, in line
     * (vblk_scsi_rw_verdict). Everything else, and any read or write they refuse, goes through
     * the whole translation, which answers it. */
    bool write;
    if (cmd->lun == 0 && cmd->cdb_len > 0 && vblk_scsi_rw_op(cmd->cdb[0], &write) &&
        vblk_scsi_rw_verdict(&hba->disk, cmd->cdb, cmd->cdb_len, write, write ? out_len : in_len, &t.sector,
                             &t.bytes) == VBLK_RW_REQUEST) {
        t.type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
    } else {
        vblk_scsi_translate(&hba->disk, cmd->lun, cmd->cdb, cmd->cdb_len, in, in_len, out_len, &t);
        if (t.action == VBLK_ACTION_ANSWERED)
            return answer_now(h, q, cmd, &t, HBA_RESPONSE_OK);
        if (t.action == VBLK_ACTION_OVERRUN)
            return answer_now(h, q, cmd, &t, HBA_RESPONSE_OVERRUN);
    }
    if (q->n_answered + (q->rq.n_slots - q->rq.n_free) >= q->rq.n_slots)
        return -1;
    int taken = vrq_take_slot(&q->rq, cmd);
    if (taken < 0)
        return -1;
    uint16_t slot_index = (uint16_t)taken;
    struct vblk_slot *slot = &q->slots[slot_index];
    slot->hdr = (struct vblk_req_hdr){ .type = t.type, .reserved = 0, .sector = t.sector };
    slot->status = VBLK_STATUS_UNWRITTEN;
    slot->type = t.type;
    slot->bytes = t.bytes;

    /* 5.2.6: the header (device-readable), the data (readable for OUT, writable for IN), then
     * the status byte (writable) in a descriptor of its own. The shapes nearly every request has
     * (no data: a flush; one data segment: size_max 0 or not reached) each get a virtq_add with
     * its length and directions known here, specialised like virtio-scsi's; more segments build
     * the chain in a loop. */
    const struct virtq_buf hdr = { (uint64_t)(uintptr_t)&slot->hdr, sizeof slot->hdr, false };
    const struct virtq_buf status = { (uint64_t)(uintptr_t)&slot->status, 1, true };
    void *cookie = vrq_cookie(&q->rq, slot_index);
    bool device_writes = t.type == VIRTIO_BLK_T_IN;
    int rc;
    if (t.bytes == 0) {
        const struct virtq_buf bufs[2] = { hdr, status };
        rc = virtq_add(&q->rq.vq, bufs, 2, cookie);
    } else if ((hba->config.size_max == 0 || t.bytes <= hba->config.size_max) && device_writes) {
        const struct virtq_buf bufs[3] = { hdr, { (uint64_t)(uintptr_t)cmd->data, t.bytes, true }, status };
        rc = virtq_add(&q->rq.vq, bufs, 3, cookie);
    } else if (hba->config.size_max == 0 || t.bytes <= hba->config.size_max) {
        const struct virtq_buf bufs[3] = { hdr, { (uint64_t)(uintptr_t)cmd->data, t.bytes, false }, status };
        rc = virtq_add(&q->rq.vq, bufs, 3, cookie);
    } else {
        struct virtq_buf bufs[MAX_SEGMENTS + 2];
        unsigned n = 0;
        bufs[n++] = hdr;
        int segs = vblk_segments((uint64_t)(uintptr_t)cmd->data, t.bytes, hba->config.size_max, device_writes, bufs + n,
                                 hba->max_segments);
        if (segs < 0) {
            vrq_untake_slot(&q->rq, slot_index);
            return answer_now(h, q, cmd, &t, HBA_RESPONSE_OVERRUN); /* cannot happen: max_transfer bounds it */
        }
        n += (unsigned)segs;
        bufs[n++] = status;
        rc = virtq_add(&q->rq.vq, bufs, n, cookie);
    }
    if (rc != 0) {
        vrq_untake_slot(&q->rq, slot_index);
        return -1;
    }
    cmd->slot = slot_index;
    cmd->tag = (uint64_t)qi << 16 | slot_index;
    cmd->submit_tsc = rdtsc();
    h->queue_stats[qi].submitted++;
    return 0;
}

static void vblk_kick(struct hba *h, unsigned qi)
{
    struct vblk_hba *hba = vblk_of(h);
    vrq_kick(h, &hba->vdev, &hba->req[qi].rq.vq, qi);
}

static unsigned vblk_in_flight(const struct hba *h, unsigned qi)
{
    const struct vblk_queue *q = &vblk_of(h)->req[qi];
    return vrq_in_flight(&q->rq) + q->n_answered;
}

/* The device's answer into the command, believing only what vblk_scsi_complete does. */
static void complete_from_device(struct vrq *q, unsigned slot_index, uint32_t used_len, struct hba_cmd *cmd)
{
    const struct vblk_slot *slot = &vblk_queue_of(q)->slots[slot_index];
    struct vblk_translation t;
    if (!vblk_scsi_complete(slot->status, used_len, slot->type, slot->bytes, &t)) {
        cmd->response = HBA_RESPONSE_FAILURE;
        cmd->status = 0;
        cmd->sense_len = 0;
        cmd->residual = cmd->data_len;
        return;
    }
    cmd->response = HBA_RESPONSE_OK;
    cmd->status = t.status;
    cmd->sense_len = t.sense_len;
    if (t.sense_len != 0) /* not a call to memcpy for the 0 bytes of every good answer */
        memcpy(cmd->sense, t.sense, t.sense_len);
    cmd->residual = cmd->data_len - (t.moved < cmd->data_len ? t.moved : cmd->data_len);
}

static int vblk_reset(struct hba *h)
{
    struct vblk_hba *hba = vblk_of(h);
    h->stats.hba_resets++;
    virtio_pci_reset(&hba->vdev, ms_to_cycles(hba, 1000));
    for (unsigned qi = 0; qi < h->num_queues; qi++)
        vrq_lose_all(&hba->req[qi].rq, rdtsc());
    struct vblk_options opts = { .prefer_legacy = !hba->vdev.modern, .max_queue_size = hba->queue_size,
                                 .max_queues = h->num_queues, .tsc_hz = h->tsc_hz };
    if (hba_start(hba, &opts) != 0) {
        h->broken = true;
        return -1;
    }
    return 0;
}

static unsigned vblk_overdue(struct hba *h, unsigned qi, uint64_t now, struct hba_cmd **out, unsigned max)
{
    return vrq_overdue(&vblk_of(h)->req[qi].rq, now, out, max);
}

static unsigned vblk_poll(struct hba *h, unsigned qi, struct hba_cmd **done, unsigned max)
{
    struct vblk_hba *hba = vblk_of(h);
    struct vblk_queue *q = &hba->req[qi];
    unsigned n = 0;
    while (n < max && q->n_answered > 0) {
        done[n++] = q->answered[--q->n_answered];
        h->queue_stats[qi].completed++;
    }
    return n + vrq_poll(h, &hba->vdev, &q->rq, qi, done + n, max - n, complete_from_device);
}

static unsigned vblk_poll_events(struct hba *h, struct hba_event *events, unsigned max)
{
    (void)h;
    (void)events;
    (void)max;
    return 0; /* virtio-blk has no event queue */
}

/* virtio-blk has no task management: every TMF is answered FUNCTION REJECTED (and the recovery
 * layer, seeing tmf_unsupported, goes to a device reset without sending one). */
static int vblk_tmf_submit(struct hba *h, struct hba_tmf *tmf)
{
    struct vblk_hba *hba = vblk_of(h);
    if (h->broken || hba->n_tmf_rejected == HBA_TMF_SLOTS)
        return -1;
    tmf->response = HBA_RESPONSE_FUNCTION_REJECTED;
    hba->tmf_rejected[hba->n_tmf_rejected++] = tmf;
    return 0;
}

static unsigned vblk_tmf_poll(struct hba *h, struct hba_tmf **done, unsigned max)
{
    struct vblk_hba *hba = vblk_of(h);
    unsigned n = 0;
    while (n < max && hba->n_tmf_rejected > 0)
        done[n++] = hba->tmf_rejected[--hba->n_tmf_rejected];
    return n;
}

static const struct hba_ops vblk_ops = {
    .submit = vblk_submit,
    .kick = vblk_kick,
    .poll = vblk_poll,
    .in_flight = vblk_in_flight,
    .overdue = vblk_overdue,
    .poll_events = vblk_poll_events,
    .tmf_submit = vblk_tmf_submit,
    .tmf_poll = vblk_tmf_poll,
    .reset = vblk_reset,
    .now = vrq_now,
};
