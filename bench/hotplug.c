/*
 * Hotplug and parameter changes while a job runs (virtio 1.2, 5.6.6.3): the event queue says a
 * LUN was removed (TRANSPORT_RESET/REMOVED), appeared (RESCAN) or changed (PARAM_CHANGE), or that
 * events were missed (a full rescan is then the only way to know); a UNIT ATTENTION can say the
 * same. Removals act at once (no more I/O to the LUN; what is in flight comes back as "removed",
 * not as errors). Everything that needs commands of its own (probing a new LUN, reading a new
 * capacity, rescanning) waits until nothing is in flight, because the probe polls the same queues.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine_run.h"
#include "drivers/scsi/scsi.h"

#define EVENT_POLL_MS 2

static struct lun_info *find_lun(struct run *run, uint8_t hba, uint8_t target, uint16_t lun, size_t *index)
{
    struct inventory *inv = run->env->inv;
    for (size_t k = 0; k < inv->count; k++) {
        struct lun_info *l = &inv->luns[k];
        if (l->hba == hba && l->target == target && l->lun == lun) {
            if (index)
                *index = k;
            return l;
        }
    }
    return NULL;
}

static struct target *find_target(struct run *run, const struct lun_info *l)
{
    for (unsigned i = 0; i < run->n_targets; i++)
        if (run->targets[i].info == l)
            return &run->targets[i];
    return NULL;
}

bool hotplug_lun_gone(const struct vscsi_cmd *c)
{
    if (c->response == VIRTIO_SCSI_S_BAD_TARGET || c->response == VIRTIO_SCSI_S_INCORRECT_LUN)
        return true;
    struct scsi_sense sense;
    /* ILLEGAL REQUEST, LOGICAL UNIT NOT SUPPORTED (25/00): QEMU's answer for a LUN that left a
     * target that still has others. */
    return c->response == VIRTIO_SCSI_S_OK && c->status == SCSI_STATUS_CHECK_CONDITION && c->sense_len > 0 &&
           scsi_sense_decode(c->sense, c->sense_len, &sense) == 0 && sense.key == SCSI_SENSE_ILLEGAL_REQUEST &&
           sense.asc == 0x25 && sense.ascq == 0x00;
}

void hotplug_queue_change(struct run *run, enum change_kind kind, uint8_t hba, uint8_t target, uint16_t lun)
{
    for (unsigned i = 0; i < run->n_pending; i++) {
        const struct change *c = &run->pending[i];
        if (c->hba == hba && (c->kind == CHANGE_RESCAN || (c->kind == kind && c->target == target && c->lun == lun)))
            return; /* already coming, or covered by a rescan */
    }
    if (run->n_pending == MAX_PENDING_CHANGES) {
        /* Too many at once: a rescan of the HBA covers them all. */
        run->n_pending = 0;
        kind = CHANGE_RESCAN;
    }
    run->pending[run->n_pending++] = (struct change){ kind, hba, target, lun };
}

static void lun_removed(struct run *run, uint8_t hba, uint8_t target, uint16_t lun)
{
    struct lun_info *l = find_lun(run, hba, target, lun, NULL);
    if (l == NULL || (l->flags & LUN_REMOVED))
        return;
    l->flags |= LUN_REMOVED;
    run->r->luns_removed++;
    struct target *t = find_target(run, l);
    printf("lunbench: job '%s': LUN %u:%u:%u removed (hotplug); %u command%s in flight on it%s\n", run->job->name, hba,
           target, lun, t ? t->in_flight : 0, t && t->in_flight == 1 ? "" : "s", t ? "" : " (not in this job)");
    if (t != NULL)
        t->removed = true;
}

void hotplug_poll_events(struct run *run, uint64_t now)
{
    if (now < run->next_event_poll)
        return;
    run->next_event_poll = now + run->env->tsc_hz / 1000 * EVENT_POLL_MS;
    uint8_t records[16][VSCSI_EVENT_SIZE];
    uint32_t lens[16];
    for (unsigned h = 0; h < run->env->hba_count; h++) {
        if (!run->env->hba_ok[h])
            continue;
        unsigned n = vscsi_poll_events(&run->env->hbas[h], records, lens, 16);
        for (unsigned i = 0; i < n; i++) {
            struct vscsi_event ev;
            run->r->events++;
            if (vscsi_event_decode(records[i], lens[i], &ev) != 0) {
                printf("lunbench: HBA %u: a malformed event (%" PRIu32 " bytes, type %" PRIu32 "); ignored\n", h,
                       lens[i], ev.event);
                continue;
            }
            if (ev.events_missed) {
                printf("lunbench: HBA %u: the device dropped events; rescanning its LUNs\n", h);
                hotplug_queue_change(run, CHANGE_RESCAN, (uint8_t)h, 0, 0);
            }
            if (ev.event == VSCSI_EVENT_TRANSPORT_RESET && ev.reason == VSCSI_EVENT_RESET_REMOVED)
                lun_removed(run, (uint8_t)h, ev.target, ev.lun);
            else if (ev.event == VSCSI_EVENT_TRANSPORT_RESET)
                hotplug_queue_change(run, CHANGE_PROBE, (uint8_t)h, ev.target, ev.lun);
            else if (ev.event == VSCSI_EVENT_PARAM_CHANGE)
                hotplug_queue_change(run, CHANGE_CAPACITY, (uint8_t)h, ev.target, ev.lun);
        }
    }
}

/* A LUN appeared: probe it, add it to the inventory and, when the job selects it, to the job. */
static void probe(struct run *run, const struct change *c)
{
    struct vscsi_hba *hba = &run->env->hbas[c->hba];
    struct inventory *inv = run->env->inv;
    size_t index;
    struct lun_info *known = find_lun(run, c->hba, c->target, c->lun, &index);
    struct lun_info found;
    int rc = discovery_probe_lun(hba, known ? NULL : inv, c->target, c->lun, run->env->cmd_timeout_cycles, &found);
    if (rc < 0) {
        printf("lunbench: HBA %u: probing LUN %u:%u:%u failed: %s\n", c->hba, c->hba, c->target, c->lun, hba->error);
        return;
    }
    if (rc == 0) {
        if (known)
            lun_removed(run, c->hba, c->target, c->lun);
        return;
    }
    run_repoint_targets(run); /* the inventory may have moved */
    if (known) {
        /* Back after a removal: the same address, maybe another device. */
        known = &inv->luns[index];
        uint32_t errors = known->errors;
        *known = found;
        known->errors = errors;
        struct target *t = find_target(run, known);
        if (t != NULL)
            t->removed = false;
    } else {
        index = inv->count - 1;
    }
    run->r->luns_added++;
    const struct lun_info *l = &inv->luns[index];
    bool joins = find_target(run, l) == NULL && run_selects(run, l) && run_add_target(run, index) == 0;
    printf("lunbench: job '%s': LUN %u:%u:%u added (hotplug): %s %s %s, %" PRIu64 " blocks of %" PRIu32 "%s\n",
           run->job->name, l->hba, l->target, l->lun, scsi_device_type_name(l->device_type), l->vendor, l->product,
           l->blocks, l->block_size, joins ? "; it joins the job" : "");
}

static void capacity(struct run *run, const struct change *c)
{
    size_t index;
    struct lun_info *l = find_lun(run, c->hba, c->target, c->lun, &index);
    if (l == NULL)
        return;
    struct lun_info now;
    int rc = discovery_probe_lun(&run->env->hbas[c->hba], NULL, c->target, c->lun, run->env->cmd_timeout_cycles, &now);
    if (rc != 1 || (now.blocks == l->blocks && now.block_size == l->block_size))
        return; /* the event and the UNIT ATTENTION both tell of one change: report it once */
    run->r->capacity_changes++;
    printf("lunbench: job '%s': LUN %u:%u:%u capacity changed: %" PRIu64 " -> %" PRIu64 " blocks of %" PRIu32 "\n",
           run->job->name, c->hba, c->target, c->lun, l->blocks, now.blocks, now.block_size);
    l->blocks = now.blocks;
    l->block_size = now.block_size;
    struct target *t = find_target(run, l);
    if (t == NULL)
        return;
    /* Keep the job's region inside the new capacity. */
    uint64_t end_units = now.blocks > t->first_lba ? (now.blocks - t->first_lba) / t->blocks_per_unit : 0;
    if (end_units < t->units)
        t->units = end_units;
    if (t->units == 0) {
        printf("lunbench: job '%s': LUN %u:%u:%u is now too small for its region; no more I/O to it\n",
               run->job->name, c->hba, c->target, c->lun);
        t->removed = true;
    }
}

/* Rescan one HBA (events were missed, or the LUN inventory changed) and reconcile. */
static void rescan(struct run *run, const struct change *c)
{
    struct vscsi_hba *hba = &run->env->hbas[c->hba];
    struct inventory fresh = { 0 };
    struct discovery_stats stats;
    if (discovery_run(hba, &fresh, &stats, run->env->cmd_timeout_cycles) != 0) {
        printf("lunbench: HBA %u: rescan failed: %s\n", c->hba, hba->error);
        free(fresh.luns);
        return;
    }
    struct inventory *inv = run->env->inv;
    for (size_t k = 0; k < inv->count; k++) {
        const struct lun_info *l = &inv->luns[k];
        bool present = false;
        for (size_t f = 0; f < fresh.count && !present; f++)
            present = fresh.luns[f].target == l->target && fresh.luns[f].lun == l->lun;
        if (l->hba == c->hba && !present)
            lun_removed(run, l->hba, l->target, l->lun);
    }
    for (size_t f = 0; f < fresh.count; f++) {
        const struct lun_info *l = &fresh.luns[f];
        const struct lun_info *known = find_lun(run, c->hba, l->target, l->lun, NULL);
        if (known == NULL || (known->flags & LUN_REMOVED)) {
            struct change add = { CHANGE_PROBE, (uint8_t)c->hba, l->target, l->lun };
            probe(run, &add);
        }
    }
    free(fresh.luns);
}

void hotplug_apply_changes(struct run *run)
{
    /* Copy out first: applying a change may queue another (a probe that finds a LUN gone). */
    struct change work[MAX_PENDING_CHANGES];
    unsigned n = run->n_pending;
    memcpy(work, run->pending, n * sizeof work[0]);
    run->n_pending = 0;
    for (unsigned i = 0; i < n; i++) {
        switch (work[i].kind) {
        case CHANGE_PROBE: probe(run, &work[i]); break;
        case CHANGE_CAPACITY: capacity(run, &work[i]); break;
        case CHANGE_RESCAN: rescan(run, &work[i]); break;
        }
    }
}
