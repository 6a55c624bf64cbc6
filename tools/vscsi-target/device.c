/* The virtio-scsi device over its rings (device.h). */
#include "tools/vscsi-target/device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/scsi/scsi.h"
#include "drivers/virtio/virtio_scsi_wire.h"
#include "tools/vscsi-target/log.h"
#include "tools/vscsi-target/scsi_emul.h"

#define CONTROL_QUEUE 0
#define EVENT_QUEUE 1
#define MAX_TRANSFER (64u << 20) /* bytes of data a command may carry either way */
#define FAULT_LOG_LINES 200      /* fault firings logged one by one; then only counted */

/* virtio 1.2 5.6.6.2: control request types and the task-management functions */
enum { T_TMF = 0, T_AN_QUERY = 1, T_AN_SUBSCRIBE = 2 };
enum {
    TMF_ABORT_TASK = 0, TMF_ABORT_TASK_SET = 1, TMF_CLEAR_ACA = 2, TMF_CLEAR_TASK_SET = 3,
    TMF_I_T_NEXUS_RESET = 4, TMF_LOGICAL_UNIT_RESET = 5, TMF_QUERY_TASK = 6, TMF_QUERY_TASK_SET = 7,
};

void device_init(struct device *d, struct lun_table *luns, struct fault_rules *faults, uint64_t seed)
{
    memset(d, 0, sizeof(*d));
    d->luns = luns;
    d->faults = faults;
    d->power_cut_rng = seed;
    for (unsigned i = 0; i < DEVICE_MAX_RINGS; i++)
        vring_init(&d->rings[i], i);
}

void device_free(struct device *d)
{
    device_drop_pending(d, -1);
    free(d->pending);
    guard_buf_free(&d->bounce_in);
    guard_buf_free(&d->bounce_out);
    for (unsigned i = 0; i < DEVICE_MAX_RINGS; i++)
        vring_close_fds(&d->rings[i]);
    guest_mem_clear(&d->mem);
}

/* The request's LUN field (5.6.6.1): {1, target, LUN in SAM-5 single-level form, 0, 0, 0, 0}. Returns
 * the LUN (0..16383), or -1 for a field that is not in that form. */
static int decode_lun(const uint8_t f[8], unsigned *target)
{
    if (f[0] != 1 || f[4] || f[5] || f[6] || f[7])
        return -1;
    *target = f[1];
    if ((f[2] & 0xc0) == 0x40) /* flat space addressing */
        return (f[2] & 0x3f) << 8 | f[3];
    if (f[2] == 0) /* peripheral device addressing, bus 0 */
        return f[3];
    return -1;
}

static void log_fault(struct device *d, const struct fault_rule *r, unsigned target, unsigned lun,
                      const char *command, const char *what)
{
    d->stats.faults_fired[r->action]++;
    if (d->fault_lines_logged++ < FAULT_LOG_LINES)
        vt_log("fault %s (line %u) on %u:%u %s: %s", fault_action_name(r->action), r->line, target, lun, command,
               what);
    else if (d->fault_lines_logged == FAULT_LOG_LINES + 1)
        vt_log("more faults fired; only counting them now");
}

/* Write a command's response header; then put the chain on the used ring as (id, len), which the
 * used-id and used-len faults change. */
static void finish(struct device *d, unsigned ring, struct vring_chain *c, const struct vscsi_resp_hdr *resp,
                   size_t data_len, struct fault_rule *const *fired, size_t nfired, unsigned target,
                   unsigned lun, const uint8_t *cdb)
{
    struct vring *v = &d->rings[ring];
    vring_chain_write(c, 0, resp, sizeof(*resp));
    uint32_t id = c->head;
    uint64_t len = sizeof(*resp) + data_len;
    for (size_t i = 0; i < nfired; i++) {
        const struct fault_rule *r = fired[i];
        if (r->action == FAULT_USED_ID) {
            id = r->has_used_id ? (uint32_t)r->used_id : v->num; /* default: one past the last */
            log_fault(d, r, target, lun, scsi_cdb_name(cdb, VSCSI_CDB_SIZE), "used id replaced");
        } else if (r->action == FAULT_USED_LEN) {
            len = c->writable_bytes + r->extra;
            log_fault(d, r, target, lun, scsi_cdb_name(cdb, VSCSI_CDB_SIZE), "used length past the buffers");
        } else if (r->action == FAULT_DESC_REWRITE && !r->before) {
            vring_chain_rewrite(v, c); /* the data and the response are in place: only the table lies */
            log_fault(d, r, target, lun, scsi_cdb_name(cdb, VSCSI_CDB_SIZE), "descriptors rewritten after use");
        }
    }
    vring_push(v, id, len > 0xffffffffull ? 0xffffffffu : (uint32_t)len);
    for (size_t i = 0; i < nfired; i++) {
        const struct fault_rule *r = fired[i];
        if (r->action == FAULT_USED_IDX_JUMP) {
            /* entries that were never written become visible: the driver must not trust them */
            vring_advance_used(v, (uint16_t)(r->has_extra ? r->extra : v->num));
            log_fault(d, r, target, lun, scsi_cdb_name(cdb, VSCSI_CDB_SIZE), "used index moved past its entries");
        }
    }
    vring_chain_free(c);
}

/* Answer a command without running it: ABORTED or RESET (a TMF ended it), BAD_TARGET, ... */
static void answer_response(struct device *d, unsigned ring, struct vring_chain *c, uint8_t response)
{
    struct vscsi_resp_hdr resp;
    memset(&resp, 0, sizeof(resp));
    resp.response = response;
    if (c->writable_bytes >= sizeof(resp))
        resp.residual = (uint32_t)(c->writable_bytes - sizeof(resp));
    static const uint8_t no_cdb[VSCSI_CDB_SIZE];
    finish(d, ring, c, &resp, 0, NULL, 0, 0, 0, no_cdb);
}

/* Run a command (its chain's header already checked) and answer it. */
static void execute(struct device *d, unsigned ring, struct vring_chain *c, const struct vscsi_req_hdr *hdr,
                    unsigned target, int lun_number, struct fault_rule *const *fired, size_t nfired)
{
    const struct lun_target *tg = &d->luns->targets[target];
    struct lun *lun = lun_table_find(d->luns, target, (unsigned)lun_number);
    if (lun && lun->gone)
        lun = NULL;
    size_t out_len = (size_t)(c->readable_bytes - sizeof(*hdr));
    size_t in_cap = (size_t)(c->writable_bytes - sizeof(struct vscsi_resp_hdr));
    /* The emulation works on copies that end at a guard page: an overrun of its is a crash. */
    uint8_t *out = guard_buf_get(&d->bounce_out, out_len);
    uint8_t *in = guard_buf_get(&d->bounce_in, in_cap);
    if (!out || !in) {
        vt_log("out of memory for a %zu/%zu-byte transfer", out_len, in_cap);
        return answer_response(d, ring, c, VIRTIO_SCSI_S_TARGET_FAILURE);
    }
    vring_chain_read(c, sizeof(*hdr), out, out_len);
    struct scsi_emul_result r;
    scsi_emul_execute(tg, lun, hdr->cdb, sizeof(hdr->cdb), out, out_len, in, in_cap, &r);
    struct vscsi_resp_hdr resp;
    memset(&resp, 0, sizeof(resp));
    for (size_t i = 0; i < nfired; i++) {
        const struct fault_rule *f = fired[i];
        if (f->action == FAULT_SENSE_LEN) {
            /* a CHECK CONDITION whose sense_len claims more than the 96 bytes of sense_size */
            scsi_emul_check_condition(&r, SCSI_SENSE_MEDIUM_ERROR, 0x11, 0x00); /* UNRECOVERED READ ERROR */
            log_fault(d, f, target, (unsigned)lun_number, scsi_cdb_name(hdr->cdb, VSCSI_CDB_SIZE),
                      "sense_len past sense_size");
        } else if (f->action == FAULT_UNIT_ATTENTION) {
            /* The command is not carried out (SPC-5 5.14: a UNIT ATTENTION is reported instead): the
             * LUN inventory (3f/0e REPORTED LUNS DATA HAS CHANGED) or the capacity (2a/09 CAPACITY
             * DATA HAS CHANGED) changed, though nothing did: a flood of them is the fault. */
            bool cap = f->ua == FAULT_UA_CAPACITY;
            scsi_emul_check_condition(&r, SCSI_SENSE_UNIT_ATTENTION, cap ? 0x2a : 0x3f, cap ? 0x09 : 0x0e);
            log_fault(d, f, target, (unsigned)lun_number, scsi_cdb_name(hdr->cdb, VSCSI_CDB_SIZE),
                      cap ? "UNIT ATTENTION 2a/09" : "UNIT ATTENTION 3f/0e");
        } else if (f->action == FAULT_CORRUPT || f->action == FAULT_REPORT_LUNS_LENGTH ||
                   f->action == FAULT_CAPACITY || f->action == FAULT_INQUIRY_LENGTH) {
            if (r.status != SCSI_STATUS_GOOD || r.response != VIRTIO_SCSI_S_OK)
                continue;
            fault_rule_patch(f, hdr->cdb, in, r.data_len, lun ? lun->block_size : 0);
            log_fault(d, f, target, (unsigned)lun_number, scsi_cdb_name(hdr->cdb, VSCSI_CDB_SIZE), "data changed");
        }
    }
    resp.response = r.response;
    resp.status = r.status;
    resp.sense_len = (uint32_t)r.sense_len;
    memcpy(resp.sense, r.sense, r.sense_len);
    for (size_t i = 0; i < nfired; i++)
        if (fired[i]->action == FAULT_SENSE_LEN)
            resp.sense_len = (uint32_t)fired[i]->length;
    resp.residual = (uint32_t)(in_cap - r.data_len); /* 5.6.6.1: what was not transferred */
    for (size_t i = 0; i < nfired; i++)
        if (fired[i]->action == FAULT_RESIDUAL) {
            uint64_t lie = (uint64_t)in_cap + fired[i]->extra;
            resp.residual = lie > 0xffffffffull ? 0xffffffffu : (uint32_t)lie;
            log_fault(d, fired[i], target, (unsigned)lun_number, scsi_cdb_name(hdr->cdb, VSCSI_CDB_SIZE),
                      "residual past the transfer");
        }
    vring_chain_write(c, sizeof(resp), in, r.data_len);
    finish(d, ring, c, &resp, r.data_len, fired, nfired, target, (unsigned)lun_number, hdr->cdb);
}

/* A new pending entry holding chain c of ring (which it now owns), or NULL when memory runs out. */
static struct pending *add_pending(struct device *d, unsigned ring, const struct vring_chain *c, uint64_t tag,
                                   unsigned target, unsigned lun, uint64_t due)
{
    if (d->npending == d->pending_cap) {
        size_t cap = d->pending_cap ? d->pending_cap * 2 : 64;
        struct pending *p = realloc(d->pending, cap * sizeof(*p));
        if (!p)
            return NULL;
        d->pending = p;
        d->pending_cap = cap;
    }
    struct pending *p = &d->pending[d->npending++];
    memset(p, 0, sizeof(*p));
    p->ring = ring;
    p->chain = *c;
    p->tag = tag;
    p->target = (uint8_t)target;
    p->lun = (uint16_t)lun;
    p->due_ns = due;
    return p;
}

static void remove_pending(struct device *d, size_t i)
{
    d->pending[i] = d->pending[--d->npending];
}

/* Put one event on the event queue (5.6.6.3): le32 event, u8 lun[8], le32 reason. No buffer there:
 * the event is dropped, and the next one that finds a buffer carries EVENTS_MISSED. */
static void send_event(struct device *d, uint32_t type, unsigned target, unsigned lun, uint32_t reason)
{
    struct vring *v = &d->rings[EVENT_QUEUE];
    struct vring_chain c;
    const char *why = NULL;
    int rc = d->nrings > EVENT_QUEUE && v->started && !v->disabled ? vring_pop(v, &d->mem, &c, &why) : 0;
    if (rc < 0) {
        d->stats.bad_chains++;
        vt_log("event queue: bad descriptor chain at head %u: %s; given back with length 0", c.head, why);
        if (c.head < v->num)
            vring_push(v, c.head, 0);
        vring_chain_free(&c);
    }
    if (rc <= 0) {
        d->events_dropped = true;
        d->events_lost++;
        return;
    }
    uint8_t rec[VSCSI_EVENT_LEN] = {0};
    if (d->events_dropped)
        type |= VSCSI_EVENT_MISSED_FLAG;
    d->events_dropped = false;
    memcpy(rec, &type, 4);
    if (type != (VSCSI_EVENT_NO_EVENT | VSCSI_EVENT_MISSED_FLAG)) {
        rec[4] = 1; /* 5.6.6.1's LUN form: {1, target, LUN (flat space above 255), 0, 0, 0, 0} */
        rec[5] = (uint8_t)target;
        rec[6] = (uint8_t)(lun > 255 ? 0x40 | lun >> 8 : 0);
        rec[7] = (uint8_t)lun;
    }
    memcpy(rec + 12, &reason, 4);
    size_t n = vring_chain_write(&c, 0, rec, sizeof(rec));
    vring_push(v, c.head, (uint32_t)n);
    vring_chain_free(&c);
    d->events_sent++;
}

static void send_events(struct device *d, const struct fault_rule *r, unsigned target, unsigned lun, const uint8_t *cdb)
{
    uint64_t lost = d->events_lost;
    for (uint64_t i = 0; i < r->events; i++) {
        switch (r->event_type) {
        case FAULT_EVENT_RESCAN:
            send_event(d, VSCSI_EVENT_TRANSPORT_RESET, target, lun, VSCSI_EVENT_RESET_RESCAN);
            break;
        case FAULT_EVENT_REMOVED:
            send_event(d, VSCSI_EVENT_TRANSPORT_RESET, target, lun, VSCSI_EVENT_RESET_REMOVED);
            break;
        case FAULT_EVENT_PARAM_CHANGE: /* 2a/09 CAPACITY DATA HAS CHANGED, reason = asc | ascq << 8 */
            send_event(d, VSCSI_EVENT_PARAM_CHANGE, target, lun, 0x2a | 0x09 << 8);
            break;
        default: /* missed: a NO_EVENT that says events were dropped */
            d->events_dropped = true;
            send_event(d, VSCSI_EVENT_NO_EVENT, 0, 0, 0);
            break;
        }
    }
    vring_notify(&d->rings[EVENT_QUEUE]);
    char what[96];
    snprintf(what, sizeof(what), "%llu events sent, %llu dropped (no buffer)",
             (unsigned long long)r->events - (d->events_lost - lost), (unsigned long long)(d->events_lost - lost));
    log_fault(d, r, target, lun, scsi_cdb_name(cdb, VSCSI_CDB_SIZE), what);
}

static void request(struct device *d, unsigned ring, struct vring_chain *c, uint64_t now)
{
    struct vscsi_req_hdr hdr;
    d->stats.commands++;
    if (c->readable_bytes < sizeof(hdr) || c->writable_bytes < sizeof(struct vscsi_resp_hdr) ||
        c->readable_bytes - sizeof(hdr) > MAX_TRANSFER ||
        c->writable_bytes - sizeof(struct vscsi_resp_hdr) > MAX_TRANSFER) {
        /* 5.6.6.1: the headers must fit; QEMU's own device marks itself broken here */
        d->stats.bad_chains++;
        vt_log("queue %u: request %u with %llu readable and %llu writable bytes: headers do not fit (or over "
               "64 MiB); given back with length 0", ring, c->head, (unsigned long long)c->readable_bytes,
               (unsigned long long)c->writable_bytes);
        vring_push(&d->rings[ring], c->head, 0);
        vring_chain_free(c);
        return;
    }
    vring_chain_read(c, 0, &hdr, sizeof(hdr));
    unsigned target = 0;
    int lun = decode_lun(hdr.lun, &target);
    d->stats.report_luns += hdr.cdb[0] == SCSI_OP_REPORT_LUNS;
    d->stats.read_capacities += hdr.cdb[0] == SCSI_OP_READ_CAPACITY10 ||
                                (hdr.cdb[0] == SCSI_OP_SERVICE_ACTION_IN16 && (hdr.cdb[1] & 0x1f) == SCSI_SAI_READ_CAPACITY16);
    if (lun < 0 || !lun_table_has_target(d->luns, target))
        return answer_response(d, ring, c, VIRTIO_SCSI_S_BAD_TARGET); /* 5.6.6.1 */
    struct fault_rule *fired[DEVICE_FAULTS_PER_CMD];
    size_t nfired = 0;
    if (d->faults && !d->powered_off && lun_table_find(d->luns, target, (unsigned)lun))
        nfired = fault_rules_match(d->faults, target, (unsigned)lun, hdr.cdb, sizeof(hdr.cdb), fired,
                                   DEVICE_FAULTS_PER_CMD);
    uint64_t due = 0;
    unsigned survives = FAULT_SURVIVES_NONE;
    for (size_t i = 0; i < nfired; i++) {
        if (fired[i]->action == FAULT_DEAD && !d->dead) {
            d->dead = true;
            log_fault(d, fired[i], target, (unsigned)lun, scsi_cdb_name(hdr.cdb, VSCSI_CDB_SIZE),
                      "the device answers nothing from now on");
        }
    }
    struct lun *l = lun_table_find(d->luns, target, (unsigned)lun);
    for (size_t i = 0; l && i < nfired; i++) {
        if (fired[i]->action == FAULT_VANISH && !l->gone) {
            l->gone = true; /* answered as a LUN that is not there, and no event says so */
            log_fault(d, fired[i], target, (unsigned)lun, scsi_cdb_name(hdr.cdb, VSCSI_CDB_SIZE), "the LUN is gone");
        } else if (fired[i]->action == FAULT_SHRINK && l->blocks > fired[i]->blocks) {
            l->blocks = fired[i]->blocks; /* no UNIT ATTENTION 2a/09, no event */
            log_fault(d, fired[i], target, (unsigned)lun, scsi_cdb_name(hdr.cdb, VSCSI_CDB_SIZE), "the LUN shrank");
        }
    }
    for (size_t i = 0; i < nfired; i++) {
        const char *cmd = scsi_cdb_name(hdr.cdb, VSCSI_CDB_SIZE);
        if (fired[i]->action == FAULT_DESC_REWRITE && fired[i]->before) {
            vring_chain_rewrite(&d->rings[ring], c); /* taken already: the device works from its copy */
            log_fault(d, fired[i], target, (unsigned)lun, cmd, "descriptors rewritten before use");
        } else if (fired[i]->action == FAULT_EVENT) {
            send_events(d, fired[i], target, (unsigned)lun, hdr.cdb);
        } else if (fired[i]->action == FAULT_POWER_CUT && !d->powered_off && !d->dead) {
            char why[48];
            snprintf(why, sizeof(why), "rule on line %u", fired[i]->line);
            device_power_cut(d, why);
            d->powered_off = true; /* this command and every later one: nothing answers */
            log_fault(d, fired[i], target, (unsigned)lun, cmd, "power cut; nothing answers until QEMU reconnects");
        }
    }
    if (d->dead || d->powered_off) {
        struct pending *p = add_pending(d, ring, c, hdr.id, target, (unsigned)lun, UINT64_MAX);
        if (p)
            p->dead = true;
        else
            vring_chain_free(c);
        return;
    }
    for (size_t i = 0; i < nfired; i++) {
        if (fired[i]->action == FAULT_HANG) {
            due = UINT64_MAX;
            survives = fired[i]->survives;
            log_fault(d, fired[i], target, (unsigned)lun, scsi_cdb_name(hdr.cdb, VSCSI_CDB_SIZE),
                      "held, never answered");
        } else if (fired[i]->action == FAULT_LATENCY && due != UINT64_MAX) {
            uint64_t us = fault_rules_delay_us(d->faults, fired[i]);
            due = now + us * 1000;
            log_fault(d, fired[i], target, (unsigned)lun, scsi_cdb_name(hdr.cdb, VSCSI_CDB_SIZE), "delayed");
        }
    }
    if (due) {
        struct pending *p = add_pending(d, ring, c, hdr.id, target, (unsigned)lun, due);
        if (p) {
            p->survives = survives;
            memcpy(p->fired, fired, nfired * sizeof(fired[0]));
            p->nfired = nfired;
            return;
        }
    }
    execute(d, ring, c, &hdr, target, lun, fired, nfired);
}

uint64_t device_run_timers(struct device *d, uint64_t now_ns)
{
    uint64_t next = UINT64_MAX;
    bool touched[DEVICE_MAX_RINGS] = {false};
    for (size_t i = 0; i < d->npending;) {
        struct pending *p = &d->pending[i];
        if (p->due_ns > now_ns) {
            if (p->due_ns < next)
                next = p->due_ns;
            i++;
            continue;
        }
        struct pending done = *p;
        remove_pending(d, i);
        struct vscsi_req_hdr hdr;
        vring_chain_read(&done.chain, 0, &hdr, sizeof(hdr));
        execute(d, done.ring, &done.chain, &hdr, done.target, done.lun, done.fired, done.nfired);
        touched[done.ring] = true;
    }
    for (unsigned r = 0; r < DEVICE_MAX_RINGS; r++)
        if (touched[r])
            vring_notify(&d->rings[r]);
    return next;
}

/* End the pending commands a TMF names, answering each with response; returns how many. An abort
 * (level FAULT_SURVIVES_ABORT) passes over commands a hang rule made survive aborts, a reset
 * (FAULT_SURVIVES_LUN_RESET) over those made to survive resets too. */
static unsigned end_pending(struct device *d, unsigned target, int lun, bool by_tag, uint64_t tag,
                            uint8_t response, unsigned level, bool *touched)
{
    unsigned n = 0;
    for (size_t i = 0; i < d->npending;) {
        struct pending *p = &d->pending[i];
        if (p->tmf || p->dead || p->survives >= level || p->target != target || (lun >= 0 && p->lun != lun) ||
            (by_tag && p->tag != tag)) {
            i++;
            continue;
        }
        struct pending done = *p;
        remove_pending(d, i);
        answer_response(d, done.ring, &done.chain, response);
        touched[done.ring] = true;
        n++;
    }
    return n;
}

static bool has_pending(const struct device *d, unsigned target, int lun, bool by_tag, uint64_t tag)
{
    for (size_t i = 0; i < d->npending; i++) {
        const struct pending *p = &d->pending[i];
        if (!p->tmf && !p->dead && p->target == target && (lun < 0 || p->lun == lun) && (!by_tag || p->tag == tag))
            return true;
    }
    return false;
}

static void set_unit_attention(struct device *d, unsigned target, int lun, uint8_t ascq)
{
    const struct lun_target *tg = &d->luns->targets[target];
    for (size_t i = 0; i < tg->count; i++) {
        struct lun *l = tg->luns[tg->present[i]];
        if (lun >= 0 && l->lun != lun)
            continue;
        l->ua_pending = true;
        l->ua_asc = SCSI_ASC_POWER_ON_OR_RESET;
        l->ua_ascq = ascq;
    }
}

static const char *response_name(uint8_t r)
{
    static const char *const names[] = {"FUNCTION COMPLETE", "OVERRUN", "ABORTED", "BAD_TARGET", "RESET", "BUSY",
                                        "TRANSPORT_FAILURE", "TARGET_FAILURE", "NEXUS_FAILURE", "FAILURE",
                                        "FUNCTION SUCCEEDED", "FUNCTION REJECTED", "INCORRECT_LUN"};
    return r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

static const char *tmf_name(uint32_t subtype)
{
    static const char *const names[] = {"ABORT TASK", "ABORT TASK SET", "CLEAR ACA", "CLEAR TASK SET",
                                        "I_T NEXUS RESET", "LOGICAL UNIT RESET", "QUERY TASK", "QUERY TASK SET"};
    return subtype < 8 ? names[subtype] : "unknown TMF";
}

/* 5.6.6.2: a task-management function; the answer is one response byte. */
static uint8_t tmf(struct device *d, const struct vscsi_tmf_req *req, bool *touched)
{
    unsigned target = 0;
    int lun = decode_lun(req->lun, &target);
    if (lun < 0 || !lun_table_has_target(d->luns, target))
        return VIRTIO_SCSI_S_BAD_TARGET;
    unsigned n = 0;
    uint8_t answer = VIRTIO_SCSI_S_OK; /* FUNCTION COMPLETE */
    switch (req->subtype) {
    case TMF_ABORT_TASK:
        n = end_pending(d, target, lun, true, req->id, VIRTIO_SCSI_S_ABORTED, FAULT_SURVIVES_ABORT, touched);
        break;
    case TMF_ABORT_TASK_SET:
    case TMF_CLEAR_TASK_SET:
        n = end_pending(d, target, lun, false, 0, VIRTIO_SCSI_S_ABORTED, FAULT_SURVIVES_ABORT, touched);
        break;
    case TMF_CLEAR_ACA:
        break;
    case TMF_LOGICAL_UNIT_RESET: /* SAM-5 6.3.2; SPC-5 6.2: 29/03 BUS DEVICE RESET FUNCTION OCCURRED */
        n = end_pending(d, target, lun, false, 0, VIRTIO_SCSI_S_RESET, FAULT_SURVIVES_LUN_RESET, touched);
        set_unit_attention(d, target, lun, 0x03);
        break;
    case TMF_I_T_NEXUS_RESET: /* 29/07 I_T NEXUS LOSS OCCURRED on every LUN of the target */
        n = end_pending(d, target, -1, false, 0, VIRTIO_SCSI_S_RESET, FAULT_SURVIVES_LUN_RESET, touched);
        set_unit_attention(d, target, -1, 0x07);
        break;
    case TMF_QUERY_TASK:
        answer = has_pending(d, target, lun, true, req->id) ? VIRTIO_SCSI_S_FUNCTION_SUCCEEDED : VIRTIO_SCSI_S_OK;
        break;
    case TMF_QUERY_TASK_SET:
        answer = has_pending(d, target, lun, false, 0) ? VIRTIO_SCSI_S_FUNCTION_SUCCEEDED : VIRTIO_SCSI_S_OK;
        break;
    default:
        answer = VIRTIO_SCSI_S_FUNCTION_REJECTED;
        break;
    }
    vt_log("%s for %u:%d tag 0x%llx: %u command%s ended, answered %s", tmf_name(req->subtype), target, lun,
           (unsigned long long)req->id, n, n == 1 ? "" : "s", response_name(answer));
    return answer;
}

static void control(struct device *d, struct vring_chain *c, bool *touched)
{
    struct vring *v = &d->rings[CONTROL_QUEUE];
    uint32_t type = 0;
    d->stats.tmfs++;
    if (vring_chain_read(c, 0, &type, sizeof(type)) < sizeof(type)) {
        vt_log("control queue: a request of %llu bytes, too short for its type", (unsigned long long)c->readable_bytes);
        vring_push(v, c->head, 0);
        vring_chain_free(c);
        return;
    }
    if (type == T_TMF) {
        struct vscsi_tmf_req req;
        if (c->readable_bytes < sizeof(req) || c->writable_bytes < 1) {
            vt_log("control queue: a TMF with %llu/%llu bytes, headers do not fit",
                   (unsigned long long)c->readable_bytes, (unsigned long long)c->writable_bytes);
            vring_push(v, c->head, 0);
            vring_chain_free(c);
            return;
        }
        vring_chain_read(c, 0, &req, sizeof(req));
        unsigned target = 0;
        int lun = decode_lun(req.lun, &target);
        struct fault_rule *hold = d->faults && lun >= 0 ? fault_rules_match_tmf(d->faults, target, (unsigned)lun,
                                                                                req.subtype) : NULL;
        struct pending *p = hold ? add_pending(d, CONTROL_QUEUE, c, req.id, target, (unsigned)lun, UINT64_MAX) : NULL;
        if (p) {
            log_fault(d, hold, target, (unsigned)lun, tmf_name(req.subtype), "never answered");
            p->tmf = true;
            return;
        }
        uint8_t answer = tmf(d, &req, touched);
        vring_chain_write(c, 0, &answer, 1);
        vring_push(v, c->head, 1);
    } else if (type == T_AN_QUERY || type == T_AN_SUBSCRIBE) {
        /* 5.6.6.2.1: no asynchronous events are supported: event_actual 0, OK */
        uint8_t resp[5] = {0, 0, 0, 0, VIRTIO_SCSI_S_OK};
        size_t n = vring_chain_write(c, 0, resp, sizeof(resp));
        vring_push(v, c->head, (uint32_t)n);
    } else {
        vt_log("control queue: unknown request type %u", type);
        uint8_t answer = VIRTIO_SCSI_S_FAILURE;
        size_t n = vring_chain_write(c, 0, &answer, 1);
        vring_push(v, c->head, (uint32_t)n);
    }
    vring_chain_free(c);
}

void device_process(struct device *d, unsigned i, uint64_t now_ns)
{
    if (i >= d->nrings)
        return;
    if (i == EVENT_QUEUE) {
        /* Event buffers wait for events. Some were dropped for want of them: say so at once in a
         * NO_EVENT with EVENTS_MISSED (as QEMU's device does when buffers come back). */
        if (d->events_dropped && !d->dead && !d->powered_off)
            send_event(d, VSCSI_EVENT_NO_EVENT, 0, 0, 0);
        vring_notify(&d->rings[EVENT_QUEUE]);
        return;
    }
    struct vring *v = &d->rings[i];
    bool touched[DEVICE_MAX_RINGS] = {false};
    for (;;) {
        struct vring_chain c;
        const char *why = NULL;
        int rc = vring_pop(v, &d->mem, &c, &why);
        if (rc == 0)
            break;
        if (rc < 0) {
            d->stats.bad_chains++;
            vt_log("queue %u: bad descriptor chain at head %u: %s; given back with length 0", i, c.head, why);
            if (c.head < v->num)
                vring_push(v, c.head, 0);
            vring_chain_free(&c);
            continue;
        }
        if ((d->dead || d->powered_off) && i == CONTROL_QUEUE) { /* a dead device answers no TMF either */
            struct pending *p = add_pending(d, i, &c, 0, 0, 0, UINT64_MAX);
            if (p)
                p->dead = p->tmf = true;
            else
                vring_chain_free(&c);
        } else if (i == CONTROL_QUEUE) {
            control(d, &c, touched);
        } else {
            request(d, i, &c, now_ns);
        }
    }
    touched[i] = true;
    for (unsigned r = 0; r < DEVICE_MAX_RINGS; r++)
        if (touched[r])
            vring_notify(&d->rings[r]);
}

void device_drop_pending(struct device *d, int ring)
{
    for (size_t i = 0; i < d->npending;) {
        if (ring >= 0 && d->pending[i].ring != (unsigned)ring) {
            i++;
            continue;
        }
        vring_chain_free(&d->pending[i].chain);
        remove_pending(d, i);
    }
}

/* splitmix64 over the device's own state: power cuts repeat for a seed. */
static uint64_t power_cut_random(void *state)
{
    uint64_t z = (*(uint64_t *)state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void device_power_cut(struct device *d, const char *why)
{
    uint64_t kept = 0, lost = 0;
    unsigned luns = 0;
    for (unsigned t = 0; t < LUN_TABLE_TARGETS; t++) {
        const struct lun_target *tg = &d->luns->targets[t];
        for (size_t i = 0; tg->luns && i < tg->count; i++) {
            struct lun *l = tg->luns[tg->present[i]];
            uint64_t k = 0, n = 0;
            write_cache_power_cut(&l->cache, &l->store, power_cut_random, &d->power_cut_rng, &k, &n);
            luns += (k + n) != 0;
            kept += k;
            lost += n;
            l->ua_pending = true; /* SPC-5 6.2: POWER ON OCCURRED */
            l->ua_asc = SCSI_ASC_POWER_ON_OR_RESET;
            l->ua_ascq = 0x01;
        }
    }
    d->power_cuts++;
    d->blocks_kept += kept;
    d->blocks_lost += lost;
    vt_log("power cut (%s): %llu unflushed blocks on %u LUNs: %llu reached the medium, %llu lost", why,
           (unsigned long long)(kept + lost), luns, (unsigned long long)kept, (unsigned long long)lost);
}

void device_power_on(struct device *d)
{
    if (!d->powered_off)
        return;
    d->powered_off = false;
    vt_log("power back on for the next connection");
}

void device_report(const struct device *d)
{
    char faults[512] = "";
    size_t n = 0;
    for (unsigned a = 0; a < FAULT_ACTIONS; a++)
        if (d->stats.faults_fired[a] && n < sizeof(faults))
            n += (size_t)snprintf(faults + n, sizeof(faults) - n, " %s=%llu", fault_action_name(a),
                                  (unsigned long long)d->stats.faults_fired[a]);
    size_t pages = 0;
    for (unsigned t = 0; t < LUN_TABLE_TARGETS; t++) {
        const struct lun_target *tg = &d->luns->targets[t];
        for (size_t i = 0; tg->luns && i < tg->count; i++)
            pages += block_store_pages(&tg->luns[tg->present[i]]->store);
    }
    vt_log("commands that look for changes: %llu REPORT LUNS, %llu READ CAPACITY",
           (unsigned long long)d->stats.report_luns, (unsigned long long)d->stats.read_capacities);
    vt_log("totals: %llu commands, %llu control requests, %llu bad chains, %zu still pending; faults fired:%s; "
           "%zu LUNs, table %zu KiB, %zu store pages (%zu KiB); %llu power cuts, %llu unflushed blocks lost; "
           "%llu events sent, %llu dropped",
           (unsigned long long)d->stats.commands, (unsigned long long)d->stats.tmfs,
           (unsigned long long)d->stats.bad_chains, d->npending, n ? faults : " none", d->luns->lun_count,
           lun_table_bytes(d->luns) >> 10, pages, pages * (BLOCK_STORE_PAGE >> 10),
           (unsigned long long)d->power_cuts, (unsigned long long)d->blocks_lost,
           (unsigned long long)d->events_sent, (unsigned long long)d->events_lost);
}
