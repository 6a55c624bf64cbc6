#include "virtio_scsi.h"

#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "drivers/hba/recovery.h"
#include "drivers/virtio_pci/virtio_request_queue.h"
#include "lib/dev_buf.h"

/* Device configuration layout (5.6.4). */
enum {
    CFG_NUM_QUEUES = 0,
    CFG_SEG_MAX = 4,
    CFG_MAX_SECTORS = 8,
    CFG_CMD_PER_LUN = 12,
    CFG_EVENT_INFO_SIZE = 16,
    CFG_SENSE_SIZE = 20,
    CFG_CDB_SIZE = 24,
    CFG_MAX_CHANNEL = 28,
    CFG_MAX_TARGET = 30,
    CFG_MAX_LUN = 32,
};

#define EVENT_BUFFERS VSCSI_EVENT_BUFFERS
#define EVENT_BUFFER_SIZE 64
#define CONTROL_QUEUE 0
#define EVENT_QUEUE 1
#define FIRST_REQUEST_QUEUE 2

/* One in-flight command's device-visible headers, by the slot of its request queue; the response
 * last, so that the guard build puts its end against a guard page (lib/dev_buf.h). */
struct vscsi_slot {
    struct vscsi_req_hdr req;
    struct vscsi_resp_hdr resp;
};

/* Aligned to 64 bytes, so that its size is a power of two (256) and finding request queue q on
 * every submit, kick and poll is one shift, not a multiply. */
struct vscsi_queue {
    struct vrq rq;
    struct vscsi_slot **slots; /* request queues only: one per slot of rq, each a device buffer */
} __attribute__((aligned(64)));
_Static_assert((sizeof(struct vscsi_queue) & (sizeof(struct vscsi_queue) - 1)) == 0, "a queue's size is a power of two");

static struct vscsi_queue *vscsi_queue_of(struct vrq *q) { return (struct vscsi_queue *)((char *)q - offsetof(struct vscsi_queue, rq)); }

static uint64_t ms_to_cycles(const struct vscsi_hba *hba, uint64_t ms) { return hba->base.tsc_hz / 1000 * ms; }

static int queue_setup(struct vscsi_hba *hba, struct vscsi_queue *q, uint16_t index, uint16_t size, unsigned slots)
{
    if (slots != 0 && q->slots == NULL) {
        q->slots = calloc(slots, sizeof *q->slots);
        for (unsigned i = 0; q->slots != NULL && i < slots; i++)
            if ((q->slots[i] = dev_buf_alloc(sizeof *q->slots[i], _Alignof(struct vscsi_slot))) == NULL) {
                q->slots = NULL; /* what was taken stays taken: this HBA is given up */
                break;
            }
        if (q->slots == NULL) {
            snprintf(hba->base.error, sizeof hba->base.error, "out of memory for %u request slots", slots);
            return -1;
        }
    }
    return vrq_setup(&hba->vdev, &q->rq, index, size, slots, hba->base.error, sizeof hba->base.error);
}

static int post_event_buffers(struct vscsi_hba *hba)
{
    /* Each HBA its own buffers: two devices must never write into the same memory. */
    for (unsigned i = 0; i < EVENT_BUFFERS; i++)
        if (hba->event_buffers[i] == NULL && (hba->event_buffers[i] = dev_buf_alloc(EVENT_BUFFER_SIZE, 8)) == NULL) {
            snprintf(hba->base.error, sizeof hba->base.error, "out of memory for event buffers");
            return -1;
        }
    unsigned n = hba->event_buffer_count < hba->event->rq.vq.size ? hba->event_buffer_count : hba->event->rq.vq.size;
    /* event_info_size is the largest event the device sends; 16 bytes is struct virtio_scsi_event. */
    hba->event_buffer_len = hba->config.event_info_size > 16 && hba->config.event_info_size <= EVENT_BUFFER_SIZE
                                ? hba->config.event_info_size : 16;
    for (unsigned i = 0; i < n; i++) {
        /* The part posted: against the guard page in the guard build (the cookie is its address). */
        void *at = dev_buf_window(hba->event_buffers[i], EVENT_BUFFER_SIZE, hba->event_buffer_len);
        struct virtq_buf b = { (uint64_t)(uintptr_t)at, hba->event_buffer_len, true };
        virtq_add(&hba->event->rq.vq, &b, 1, at);
    }
    if (virtq_kick_prepare(&hba->event->rq.vq))
        virtio_pci_notify(&hba->vdev, &hba->event->rq.vq);
    return 0;
}

static int read_config(struct vscsi_hba *hba)
{
    struct virtio_pci_device *v = &hba->vdev;
    struct vscsi_config *c = &hba->config;
    /* 5.6.4: sense_size and cdb_size are writable by the driver; we use the defaults' sizes
     * and check the device took them, since the request layout depends on them. They are read
     * first and written only when they differ: QEMU 7.2's vhost-scsi and vhost-user-scsi
     * devices exit ("does not support changing the sense data and CDB sizes") on a config
     * write made before any read, which compares against a config image never filled in. */
    if (virtio_pci_config_read(v, CFG_SENSE_SIZE, 4) != VSCSI_SENSE_SIZE)
        virtio_pci_config_write(v, CFG_SENSE_SIZE, 4, VSCSI_SENSE_SIZE);
    if (virtio_pci_config_read(v, CFG_CDB_SIZE, 4) != VSCSI_CDB_SIZE)
        virtio_pci_config_write(v, CFG_CDB_SIZE, 4, VSCSI_CDB_SIZE);
    /* The rest in one pass that no change crossed (4.1.4.3.1: config_generation the same before
     * and after it; the legacy interface has none and reads 0 both times). */
    for (int tries = 0;; tries++) {
        uint8_t gen = virtio_pci_config_generation(v);
        c->num_queues = virtio_pci_config_read_unguarded(v, CFG_NUM_QUEUES, 4);
        c->seg_max = virtio_pci_config_read_unguarded(v, CFG_SEG_MAX, 4);
        c->max_sectors = virtio_pci_config_read_unguarded(v, CFG_MAX_SECTORS, 4);
        c->cmd_per_lun = virtio_pci_config_read_unguarded(v, CFG_CMD_PER_LUN, 4);
        c->event_info_size = virtio_pci_config_read_unguarded(v, CFG_EVENT_INFO_SIZE, 4);
        c->sense_size = virtio_pci_config_read_unguarded(v, CFG_SENSE_SIZE, 4);
        c->cdb_size = virtio_pci_config_read_unguarded(v, CFG_CDB_SIZE, 4);
        c->max_channel = (uint16_t)virtio_pci_config_read_unguarded(v, CFG_MAX_CHANNEL, 2);
        c->max_target = (uint16_t)virtio_pci_config_read_unguarded(v, CFG_MAX_TARGET, 2);
        c->max_lun = virtio_pci_config_read_unguarded(v, CFG_MAX_LUN, 4);
        if (virtio_pci_config_generation(v) == gen)
            break;
        if (tries == 100) {
            snprintf(hba->base.error, sizeof hba->base.error, "the configuration changed during each of 100 reads");
            return -1;
        }
    }

    if (c->sense_size != VSCSI_SENSE_SIZE || c->cdb_size != VSCSI_CDB_SIZE) {
        snprintf(hba->base.error, sizeof hba->base.error, "the device kept sense_size %" PRIu32 " and cdb_size %" PRIu32
                 " (we need %u and %u)", c->sense_size, c->cdb_size, VSCSI_SENSE_SIZE, VSCSI_CDB_SIZE);
        return -1;
    }
    if (c->num_queues == 0 || c->cmd_per_lun == 0 || c->seg_max == 0 || c->max_sectors == 0) {
        snprintf(hba->base.error, sizeof hba->base.error,
                 "configuration out of range: num_queues %" PRIu32 ", cmd_per_lun %" PRIu32 ", seg_max %" PRIu32
                 ", max_sectors %" PRIu32 " (each must be at least 1)",
                 c->num_queues, c->cmd_per_lun, c->seg_max, c->max_sectors);
        return -1;
    }
    /* The request LUN field holds an 8-bit target and a 14-bit LUN (5.6.6.1): larger bounds
     * cannot be addressed, so they are clipped. */
    if (c->max_target > 255)
        c->max_target = 255;
    if (c->max_lun > 16383)
        c->max_lun = 16383;
    return 0;
}

static int hba_start(struct vscsi_hba *hba, const struct vscsi_options *opts)
{
    uint64_t timeout = ms_to_cycles(hba, 1000);
    uint64_t wanted = VIRTIO_SCSI_F_INOUT | VIRTIO_SCSI_F_HOTPLUG | VIRTIO_SCSI_F_CHANGE | VIRTIO_F_RING_EVENT_IDX;
    if (virtio_pci_negotiate(&hba->vdev, wanted, timeout, hba->base.error, sizeof hba->base.error) != 0)
        return -1;
    if (read_config(hba) != 0)
        return -1;
    hba->vdev.seen.device_request_queues = hba->config.num_queues;
    unsigned queues = hba->config.num_queues;
    if (queues > HBA_MAX_QUEUES)
        queues = HBA_MAX_QUEUES;
    if (opts->max_queues != 0 && queues > opts->max_queues)
        queues = opts->max_queues;
    for (unsigned i = 0; i < queues; i++)
        if (virtio_pci_queue_max_size(&hba->vdev, (uint16_t)(FIRST_REQUEST_QUEUE + i)) == 0) {
            queues = i; /* fewer queues than num_queues claims */
            break;
        }
    if (queues == 0) {
        snprintf(hba->base.error, sizeof hba->base.error, "num_queues is %" PRIu32 " but request queue 2 does not exist",
                 hba->config.num_queues);
        return -1;
    }
    hba->base.num_queues = queues;
    if (hba->req == NULL) {
        hba->ctrl = vrq_queue_array(1, sizeof *hba->ctrl);
        hba->event = vrq_queue_array(1, sizeof *hba->event);
        hba->req = vrq_queue_array(queues, sizeof *hba->req);
        if (hba->ctrl == NULL || hba->event == NULL || hba->req == NULL) {
            snprintf(hba->base.error, sizeof hba->base.error, "out of memory for %u queues", queues + 2);
            return -1;
        }
    }
    /* Room for every TMF slot at once: a TMF takes two descriptors (request, response). */
    uint16_t ctrl_size = vrq_pick_size(&hba->vdev, CONTROL_QUEUE, 2 * HBA_TMF_SLOTS);
    uint16_t event_size = vrq_pick_size(&hba->vdev, EVENT_QUEUE, EVENT_BUFFERS);
    hba->queue_size = vrq_pick_size(&hba->vdev, FIRST_REQUEST_QUEUE, opts->max_queue_size);
    if (ctrl_size < 2 || event_size < 1 || hba->queue_size < 3) {
        snprintf(hba->base.error, sizeof hba->base.error, "queues too small: control %u, event %u, request %u (need 2, 1, 3)",
                 ctrl_size, event_size, hba->queue_size);
        return -1;
    }
    if (queue_setup(hba, hba->ctrl, CONTROL_QUEUE, ctrl_size, 0) != 0 ||
        queue_setup(hba, hba->event, EVENT_QUEUE, event_size, 0) != 0)
        return -1;
    for (unsigned i = 0; i < queues; i++) {
        uint16_t size = vrq_pick_size(&hba->vdev, (uint16_t)(FIRST_REQUEST_QUEUE + i), hba->queue_size);
        if (size != hba->queue_size) {
            snprintf(hba->base.error, sizeof hba->base.error, "request queue %u has size %u, queue 0 has %u", i, size,
                     hba->queue_size);
            return -1;
        }
        /* A command takes 2 or 3 descriptors; one slot per descriptor never runs short of slots. */
        if (queue_setup(hba, &hba->req[i], (uint16_t)(FIRST_REQUEST_QUEUE + i), size, size) != 0)
            return -1;
    }
    /* A command takes up to 3 descriptors: that many fit in a queue whatever the mix. */
    hba->base.queue_depth = hba->queue_size / 3u;
    hba->base.max_target = hba->config.max_target;
    hba->base.max_lun = hba->config.max_lun;
    hba->base.cmd_per_lun = hba->config.cmd_per_lun;
    /* virtio 1.2 5.6.4: max_sectors is a hint of the largest transfer, in 512-byte sectors. */
    uint64_t max_bytes = (uint64_t)hba->config.max_sectors * 512u;
    hba->base.max_transfer = max_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)max_bytes;
    virtio_pci_set_status(&hba->vdev, (uint8_t)(virtio_pci_get_status(&hba->vdev) | VIRTIO_STATUS_DRIVER_OK));
    return post_event_buffers(hba);
}

static const struct hba_ops vscsi_ops, vscsi_short_header_test_ops;

static struct vscsi_hba *vscsi_of(const struct hba *h) { return (struct vscsi_hba *)((char *)h - offsetof(struct vscsi_hba, base)); }

int vscsi_hba_init(struct vscsi_hba *hba, unsigned index, const struct pci_config_access *cfg,
                   const struct pci_device *pci, const struct vscsi_options *opts)
{
    memset(hba, 0, sizeof *hba);
    hba->base.ops = opts->test_short_header ? &vscsi_short_header_test_ops : &vscsi_ops;
    hba->base.kind = "virtio-scsi";
    hba->base.virtio = &hba->vdev.seen;
    hba->base.index = index;
    hba->base.tsc_hz = opts->tsc_hz;
    hba->event_buffer_count = opts->event_buffers == 0 || opts->event_buffers > EVENT_BUFFERS ? EVENT_BUFFERS
                                                                                            : opts->event_buffers;
    hba->test_short_header = opts->test_short_header;
    if (vrq_open(&hba->base, &hba->vdev, cfg, pci, opts->prefer_legacy) != 0)
        return -1;
    if (hba_start(hba, opts) != 0) {
        vrq_give_up(&hba->base, &hba->vdev, ms_to_cycles(hba, 1000));
        return -1;
    }
    if (opts->test_guard_overread) {
        /* Test only, here and not on the hot path: the bug the guard build exists to catch, a read
         * one byte past a response header the device writes (request queue 0's slot 0); in
         * build/lunbench-guard.elf it must end in a page fault. */
        const volatile uint8_t *past = (const volatile uint8_t *)(&hba->req[0].slots[0]->resp + 1);
        printf("lunbench: HBA %u (%s): test_guard_overread: reading the byte at 0x%016" PRIxPTR
               ", just past the response header of slot 0\n", index, hba->base.name, (uintptr_t)past);
        fflush(stdout);
        printf("lunbench: test_guard_overread: read 0x%02x past the buffer; no guard page there\n", *past);
    }
    return 0;
}

static uint64_t request_id(unsigned q, uint32_t slot) { return (uint64_t)q << 16 | slot; }

_Static_assert(SCSI_CDB_MAX == 16 && VSCSI_CDB_SIZE == 32, "put_cdb writes 16 bytes of CDB and 16 of zeros");

/* keep[len]: the bytes of a 16-byte CDB that a cdb_len of len keeps, as two little-endian words. */
#define KEEP_WORD(n) ((n) <= 0 ? 0ull : (n) >= 8 ? ~0ull : ~0ull >> (64 - 8 * (n)))
#define KEEP(len) { KEEP_WORD(len), KEEP_WORD((len) - 8) }
static const uint64_t keep[SCSI_CDB_MAX + 1][2] = {
    KEEP(0), KEEP(1), KEEP(2), KEEP(3), KEEP(4), KEEP(5), KEEP(6), KEEP(7), KEEP(8),
    KEEP(9), KEEP(10), KEEP(11), KEEP(12), KEEP(13), KEEP(14), KEEP(15), KEEP(16),
};

/* The command's cdb_len bytes of CDB (at most SCSI_CDB_MAX), then zeros to cdb_size (5.6.6.1),
 * as two 8-byte words masked to cdb_len and two words of zeros: a byte copy and a memset cost
 * ten times the instructions per I/O. */
static void put_cdb(uint8_t dst[VSCSI_CDB_SIZE], const struct hba_cmd *cmd)
{
    uint64_t w[2];
    __builtin_memcpy(w, cmd->cdb, sizeof w);
    const uint64_t *k = keep[cmd->cdb_len < SCSI_CDB_MAX ? cmd->cdb_len : SCSI_CDB_MAX];
    w[0] &= k[0];
    w[1] &= k[1];
    __builtin_memcpy(dst, w, sizeof w);
    __builtin_memset(dst + 16, 0, VSCSI_CDB_SIZE - 16);
}

/* short_header_test: the test_short_header hook, compiled only into the submit of the test's
 * ops table (vscsi_short_header_test_ops), so that every other run's submit has no test in it. */
__attribute__((always_inline)) static inline int submit(struct hba *h, unsigned qi, struct hba_cmd *cmd,
                                                       bool short_header_test)
{
    struct vscsi_hba *hba = vscsi_of(h);
    struct vscsi_queue *q = &hba->req[qi];
    if (h->broken)
        return -1;
    int taken = vrq_take_slot(&q->rq, cmd);
    if (taken < 0)
        return -1;
    uint16_t slot_index = (uint16_t)taken;
    struct vscsi_slot *slot = q->slots[slot_index];
    /* Every byte of the request header is written, field by field (no memset of the whole). */
    vscsi_lun_encode(slot->req.lun, cmd->target, cmd->lun);
    slot->req.id = request_id(qi, slot_index);
    slot->req.task_attr = slot->req.prio = slot->req.crn = 0;
    put_cdb(slot->req.cdb, cmd);
    /* The response's fixed part is zeroed so that a device that writes less than it claims is
     * read as zeros, not as the last command's answer; the sense bytes need no zeroing: only
     * those the device wrote are read (complete_from_device). */
    __builtin_memset(&slot->resp, 0, offsetof(struct vscsi_resp_hdr, sense));

    uint32_t req_len = sizeof slot->req;
    if (short_header_test && hba->test_short_header && h->queue_stats[qi].submitted + 1 >= hba->test_short_header &&
        cmd->dir != HBA_DIR_OUT) {
        /* Test only: a header the device cannot take whole (5.6.6.1 gives its size; with no data-out
         * behind it the readable part is short). QEMU's device then needs a reset (2.1.1). */
        req_len--;
        hba->test_short_header = 0;
        printf("lunbench: HBA %u (%s): test_short_header: command %" PRIu64 " goes out with a %" PRIu32
               "-byte header\n", h->index, h->name, h->queue_stats[qi].submitted + 1, req_len);
    }
    /* 5.6.6: device-readable header, data-out, then device-writable response, data-in. One
     * virtq_add per shape, each with its length and directions known here, so that the inlined
     * add is specialised to it (no loop over a chain of unknown shape on every I/O). */
    const struct virtq_buf req = { (uint64_t)(uintptr_t)&slot->req, req_len, false };
    const struct virtq_buf resp = { (uint64_t)(uintptr_t)&slot->resp, sizeof slot->resp, true };
    void *cookie = vrq_cookie(&q->rq, slot_index);
    int rc;
    if (cmd->dir == HBA_DIR_IN && cmd->data_len) {
        const struct virtq_buf bufs[3] = { req, resp, { (uint64_t)(uintptr_t)cmd->data, cmd->data_len, true } };
        rc = virtq_add(&q->rq.vq, bufs, 3, cookie);
    } else if (cmd->dir == HBA_DIR_OUT && cmd->data_len) {
        const struct virtq_buf bufs[3] = { req, { (uint64_t)(uintptr_t)cmd->data, cmd->data_len, false }, resp };
        rc = virtq_add(&q->rq.vq, bufs, 3, cookie);
    } else {
        const struct virtq_buf bufs[2] = { req, resp };
        rc = virtq_add(&q->rq.vq, bufs, 2, cookie);
    }
    if (rc != 0) {
        vrq_untake_slot(&q->rq, slot_index);
        return -1;
    }
    cmd->slot = slot_index;
    cmd->tag = request_id(qi, slot_index);
    cmd->submit_tsc = rdtsc();
    h->queue_stats[qi].submitted++;
    return 0;
}

static int vscsi_submit(struct hba *h, unsigned qi, struct hba_cmd *cmd) { return submit(h, qi, cmd, false); }
static int vscsi_submit_short_header_test(struct hba *h, unsigned qi, struct hba_cmd *cmd)
{
    return submit(h, qi, cmd, true);
}

static void vscsi_kick(struct hba *h, unsigned qi)
{
    struct vscsi_hba *hba = vscsi_of(h);
    vrq_kick(h, &hba->vdev, &hba->req[qi].rq.vq, qi);
}

static unsigned vscsi_in_flight(const struct hba *h, unsigned qi)
{
    return vrq_in_flight(&vscsi_of(h)->req[qi].rq); /* lost ones still have to be handed back */
}

/* The device's response codes (5.6.6.1) are the seam's, by design (drivers/hba/hba.h); a code
 * beyond them is a device bug and reads as FAILURE. */
_Static_assert(VIRTIO_SCSI_S_INCORRECT_LUN == (int)HBA_RESPONSE_INCORRECT_LUN && VIRTIO_SCSI_S_FAILURE ==
               (int)HBA_RESPONSE_FAILURE && VIRTIO_SCSI_S_BAD_TARGET == (int)HBA_RESPONSE_BAD_TARGET,
               "virtio-scsi response codes and the seam's agree");
static enum hba_response response_from_device(uint8_t code)
{
    return code <= VIRTIO_SCSI_S_INCORRECT_LUN ? (enum hba_response)code : HBA_RESPONSE_FAILURE;
}

/* The sense bytes the device may write must fit the seam's command. */
_Static_assert(VSCSI_SENSE_SIZE <= HBA_SENSE_MAX, "a virtio-scsi sense buffer fits struct hba_cmd's");

/* Copy the device's response into the command, believing only what fits. */
static inline void complete_from_device(struct vrq *q, unsigned slot, uint32_t used_len, struct hba_cmd *cmd)
{
    const struct vscsi_resp_hdr *r = &vscsi_queue_of(q)->slots[slot]->resp;
    const uint32_t fixed = offsetof(struct vscsi_resp_hdr, sense);
    if (used_len < fixed) {
        /* The device wrote less than the fixed part of the response header. */
        cmd->response = HBA_RESPONSE_FAILURE;
        cmd->status = 0;
        cmd->residual = cmd->data_len;
        cmd->sense_len = 0;
        return;
    }
    cmd->response = response_from_device(r->response);
    cmd->status = r->status;
    cmd->residual = r->residual <= cmd->data_len ? r->residual : cmd->data_len;
    /* At most the sense buffer, and at most what the device says it wrote: the sense bytes are
     * not zeroed before a command, so a byte beyond used_len is an earlier command's. */
    uint32_t sense_len = r->sense_len <= VSCSI_SENSE_SIZE ? r->sense_len : VSCSI_SENSE_SIZE;
    if (sense_len > used_len - fixed)
        sense_len = used_len - fixed;
    cmd->sense_len = sense_len;
    if (sense_len != 0)
        memcpy(cmd->sense, r->sense, sense_len);
}

static int vscsi_tmf_submit(struct hba *h, struct hba_tmf *tmf)
{
    struct vscsi_hba *hba = vscsi_of(h);
    if (h->broken)
        return -1;
    struct vscsi_tmf_slot *t = NULL;
    for (unsigned i = 0; i < HBA_TMF_SLOTS && t == NULL; i++)
        if (hba->tmf_slots[i].tmf == NULL)
            t = &hba->tmf_slots[i];
    if (t == NULL)
        return -1;
    memset(&t->req, 0, sizeof t->req);
    t->req.type = VIRTIO_SCSI_T_TMF;
    static const uint32_t subtypes[HBA_TMF_KIND_COUNT] = {
        [HBA_TMF_ABORT_TASK] = VIRTIO_SCSI_T_TMF_ABORT_TASK,
        [HBA_TMF_LUN_RESET] = VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET,
        [HBA_TMF_ABORT_TASK_SET] = VIRTIO_SCSI_T_TMF_ABORT_TASK_SET,
        [HBA_TMF_CLEAR_TASK_SET] = VIRTIO_SCSI_T_TMF_CLEAR_TASK_SET,
        [HBA_TMF_I_T_NEXUS_RESET] = VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET,
        [HBA_TMF_QUERY_TASK] = VIRTIO_SCSI_T_TMF_QUERY_TASK,
        [HBA_TMF_QUERY_TASK_SET] = VIRTIO_SCSI_T_TMF_QUERY_TASK_SET,
    };
    if ((unsigned)tmf->kind >= HBA_TMF_KIND_COUNT)
        return -1;
    t->req.subtype = subtypes[tmf->kind];
    vscsi_lun_encode(t->req.lun, tmf->target, tmf->lun);
    t->req.id = tmf->task != NULL ? tmf->task->tag : 0;
    t->resp.response = 0xff; /* not a response code: an unwritten answer is not FUNCTION COMPLETE */
    struct virtq_buf bufs[2] = {
        { (uint64_t)(uintptr_t)&t->req, sizeof t->req, false },
        { (uint64_t)(uintptr_t)&t->resp, sizeof t->resp, true },
    };
    struct virtq *vq = &hba->ctrl->rq.vq;
    if (virtq_add(vq, bufs, 2, t) != 0)
        return -1;
    t->tmf = tmf;
    tmf->slot = (uint32_t)(t - hba->tmf_slots);
    if (virtq_kick_prepare(vq))
        virtio_pci_notify(&hba->vdev, vq);
    return 0;
}

static int vscsi_reset(struct hba *h);

static unsigned vscsi_tmf_poll(struct hba *h, struct hba_tmf **done, unsigned max)
{
    struct vscsi_hba *hba = vscsi_of(h);
    unsigned n = 0;
    while (n < max && hba->n_tmf_lost > 0)
        done[n++] = hba->tmf_lost[--hba->n_tmf_lost];
    if (h->broken || n == max)
        return n;
    struct virtq_completion c[HBA_TMF_SLOTS];
    unsigned want = max - n < HBA_TMF_SLOTS ? max - n : HBA_TMF_SLOTS;
    int got = virtq_reap(&hba->ctrl->rq.vq, c, want, h->error, sizeof h->error);
    if (got < 0) {
        printf("lunbench: HBA %u (%s): control queue: %s; resetting the device\n", h->index, h->name, h->error);
        vscsi_reset(h);
        while (n < max && hba->n_tmf_lost > 0)
            done[n++] = hba->tmf_lost[--hba->n_tmf_lost];
        return n;
    }
    for (int i = 0; i < got; i++) {
        struct vscsi_tmf_slot *t = c[i].cookie;
        struct hba_tmf *tmf = t->tmf;
        t->tmf = NULL;
        if (tmf == NULL)
            continue;
        tmf->response = c[i].len >= sizeof t->resp ? response_from_device(t->resp.response) : HBA_RESPONSE_FAILURE;
        done[n++] = tmf;
    }
    return n;
}

/* Reset the device and bring it up again; every command in flight comes back from the next
 * poll of its queue as lost, every TMF from the next tmf_poll as unanswered. */
static int vscsi_reset(struct hba *h)
{
    struct vscsi_hba *hba = vscsi_of(h);
    h->stats.hba_resets++;
    virtio_pci_reset(&hba->vdev, ms_to_cycles(hba, 1000));
    for (unsigned i = 0; i < HBA_TMF_SLOTS; i++) {
        /* The reset took back every buffer the device held. */
        struct vscsi_tmf_slot *t = &hba->tmf_slots[i];
        if (t->tmf == NULL)
            continue;
        t->tmf->response = HBA_RESPONSE_NO_ANSWER;
        hba->tmf_lost[hba->n_tmf_lost++] = t->tmf;
        t->tmf = NULL;
    }
    for (unsigned qi = 0; qi < h->num_queues; qi++)
        vrq_lose_all(&hba->req[qi].rq, rdtsc());
    struct vscsi_options opts = { .prefer_legacy = !hba->vdev.modern, .max_queue_size = hba->queue_size,
                                  .max_queues = h->num_queues, .tsc_hz = h->tsc_hz,
                                  .event_buffers = hba->event_buffer_count };
    if (hba_start(hba, &opts) != 0) {
        h->broken = true;
        return -1;
    }
    return 0;
}

static unsigned vscsi_overdue(struct hba *h, unsigned qi, uint64_t now, struct hba_cmd **out, unsigned max)
{
    return vrq_overdue(&vscsi_of(h)->req[qi].rq, now, out, max);
}

static unsigned vscsi_poll(struct hba *h, unsigned qi, struct hba_cmd **done, unsigned max)
{
    struct vscsi_hba *hba = vscsi_of(h);
    return vrq_poll(h, &hba->vdev, &hba->req[qi].rq, qi, done, max, complete_from_device);
}

static unsigned vscsi_poll_events(struct hba *h, struct hba_event *events, unsigned max)
{
    struct vscsi_hba *hba = vscsi_of(h);
    struct virtq_completion c[EVENT_BUFFERS];
    char err[160];
    int n = virtq_reap(&hba->event->rq.vq, c, max < EVENT_BUFFERS ? max : EVENT_BUFFERS, err, sizeof err);
    if (n < 0) {
        printf("lunbench: HBA %u (%s): event queue: %s\n", h->index, h->name, err);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        /* The decoder gets the length the device wrote: a short record is an error, not zeros. */
        uint8_t record[VSCSI_EVENT_LEN] = { 0 };
        uint32_t len = c[i].len < VSCSI_EVENT_LEN ? c[i].len : VSCSI_EVENT_LEN;
        memcpy(record, c[i].cookie, len);
        struct virtq_buf b = { (uint64_t)(uintptr_t)c[i].cookie, hba->event_buffer_len, true };
        virtq_add(&hba->event->rq.vq, &b, 1, c[i].cookie);
        struct vscsi_event ev;
        struct hba_event *out = &events[i];
        int rc = vscsi_event_decode(record, len, &ev);
        *out = (struct hba_event){ .kind = HBA_EVENT_NONE, .events_missed = ev.events_missed, .target = ev.target,
                                   .lun = ev.lun, .raw_type = ev.event, .len = len };
        if (rc != 0)
            out->kind = HBA_EVENT_MALFORMED;
        else if (ev.event == VSCSI_EVENT_TRANSPORT_RESET && ev.reason == VSCSI_EVENT_RESET_REMOVED)
            out->kind = HBA_EVENT_LUN_REMOVED;
        else if (ev.event == VSCSI_EVENT_TRANSPORT_RESET)
            out->kind = HBA_EVENT_LUN_ADDED; /* RESCAN, or a hard reset of the target: probe it */
        else if (ev.event == VSCSI_EVENT_PARAM_CHANGE)
            out->kind = HBA_EVENT_LUN_CHANGED;
    }
    if (n > 0 && virtq_kick_prepare(&hba->event->rq.vq))
        virtio_pci_notify(&hba->vdev, &hba->event->rq.vq);
    h->stats.events += (uint64_t)n;
    return (unsigned)n;
}

#define VSCSI_OPS(submit_fn)                                                                                    \
    {                                                                                                           \
        .submit = submit_fn, .kick = vscsi_kick, .poll = vscsi_poll, .in_flight = vscsi_in_flight,              \
        .overdue = vscsi_overdue, .poll_events = vscsi_poll_events, .tmf_submit = vscsi_tmf_submit,             \
        .tmf_poll = vscsi_tmf_poll, .reset = vscsi_reset, .now = vrq_now,                                       \
    }
static const struct hba_ops vscsi_ops = VSCSI_OPS(vscsi_submit);
static const struct hba_ops vscsi_short_header_test_ops = VSCSI_OPS(vscsi_submit_short_header_test);
