#include "bench/hotplug.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENT_POLL_MS 2

static struct lun_info *find_lun(const struct hotplug *hp, uint8_t hba, uint8_t target, uint16_t lun, size_t *index)
{
    struct inventory *inv = hp->env->inv;
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

void hotplug_init(struct hotplug *hp, const struct bench_env *env)
{
    memset(hp, 0, sizeof *hp);
    hp->env = env;
}

int hotplug_attach(struct hotplug *hp, struct target_set *set)
{
    if (hp->n_sets == HOTPLUG_MAX_SETS)
        return -1;
    hp->sets[hp->n_sets++] = set;
    return 0;
}

void hotplug_detach(struct hotplug *hp, struct target_set *set)
{
    for (unsigned i = 0; i < hp->n_sets; i++) {
        if (hp->sets[i] != set)
            continue;
        memmove(&hp->sets[i], &hp->sets[i + 1], (hp->n_sets - i - 1) * sizeof hp->sets[0]);
        hp->n_sets--;
        return;
    }
}

static void queue_change(struct hotplug *hp, enum change_kind kind, uint8_t hba, uint8_t target, uint16_t lun)
{
    for (unsigned i = 0; i < hp->n_pending; i++) {
        const struct change *c = &hp->pending[i];
        if (c->hba == hba && (c->kind == CHANGE_RESCAN || (c->kind == kind && c->target == target && c->lun == lun)))
            return; /* already coming, or covered by a rescan */
    }
    if (hp->n_pending == HOTPLUG_MAX_PENDING) {
        /* Too many at once: a rescan of the HBA covers them all. */
        hp->n_pending = 0;
        kind = CHANGE_RESCAN;
    }
    hp->pending[hp->n_pending++] = (struct change){ kind, hba, target, lun };
}

/* Every running job's target for inventory entry l stops getting I/O; names each job (or, when no
 * job runs on it, says so under the first). */
static void lun_removed(struct hotplug *hp, uint8_t hba, uint8_t target, uint16_t lun)
{
    struct lun_info *l = find_lun(hp, hba, target, lun, NULL);
    if (l == NULL || (l->flags & LUN_REMOVED))
        return;
    l->flags |= LUN_REMOVED;
    hp->luns_removed++;
    bool named = false;
    for (unsigned i = 0; i < hp->n_sets; i++) {
        struct target_set *set = hp->sets[i];
        struct target *t = targets_find(set, l);
        if (t == NULL && (named || i + 1 < hp->n_sets))
            continue;
        printf("lunbench: job '%s': LUN %u:%u:%u removed (hotplug); %u command%s in flight on it%s\n", set->job->name,
               hba, target, lun, t ? t->in_flight : 0, t && t->in_flight == 1 ? "" : "s", t ? "" : " (not in this job)");
        named = true;
        if (t != NULL && !t->removed) {
            t->removed = true;
            targets_share_iodepth(set);
        }
    }
}

void hotplug_lun_gone(struct hotplug *hp, struct target_set *set, struct target *t, const char *why)
{
    if (t->removed)
        return;
    printf("lunbench: job '%s': LUN %u:%u:%u is gone (%s); no more I/O to it\n", set->job->name, t->info->hba,
           t->info->target, t->info->lun, why);
    t->removed = true;
    targets_share_iodepth(set);
    if (t->info->flags & LUN_REMOVED)
        return;
    t->info->flags |= LUN_REMOVED;
    hp->luns_removed++;
    /* The other running jobs on the LUN stop sending to it too. */
    for (unsigned i = 0; i < hp->n_sets; i++) {
        struct target *other = hp->sets[i] == set ? NULL : targets_find(hp->sets[i], t->info);
        if (other == NULL || other->removed)
            continue;
        other->removed = true;
        targets_share_iodepth(hp->sets[i]);
    }
}

/* A rescan or a capacity reading of HBA h waits for the end of its gap. */
static bool waiting(const struct hotplug *hp, unsigned h)
{
    bool w = hp->rescan_deferred[h];
    for (unsigned i = 0; i < hp->n_held && !w; i++)
        w = hp->held[i].hba == h;
    return w;
}

/* A capacity to read again or a rescan, told within HOTPLUG_RESCAN_GAP_MS of the last one on the
 * HBA: held until the gap ends (a flood of them would drain the job at every event poll).
 * True when held. */
static bool held_back(struct hotplug *hp, enum change_kind kind, uint8_t hba, uint8_t target, uint16_t lun)
{
    if (bench_now(hp->env) >= hp->rescan_not_before[hba])
        return false;
    /* One change told twice (a PARAM_CHANGE event and then its UNIT ATTENTION) is not a flood. */
    bool flood = waiting(hp, hba);
    if (flood && !hp->change_flood_told[hba])
        printf("lunbench: HBA %u: %s again within %u ms (a flood); such changes are now looked into at most every "
               "%u ms\n", hba, kind == CHANGE_RESCAN ? "the LUN inventory changed" : "a capacity changed",
               HOTPLUG_RESCAN_GAP_MS, HOTPLUG_RESCAN_GAP_MS);
    hp->change_flood_told[hba] |= flood;
    for (unsigned i = 0; kind == CHANGE_CAPACITY && i < hp->n_held; i++)
        if (hp->held[i].hba == hba && hp->held[i].target == target && hp->held[i].lun == lun)
            return true;
    if (kind == CHANGE_RESCAN || hp->n_held == HOTPLUG_MAX_PENDING)
        hp->rescan_deferred[hba] = true; /* too many held: a rescan covers them, as in queue_change */
    else
        hp->held[hp->n_held++] = (struct change){ kind, hba, target, lun };
    return true;
}

static void queue_paced(struct hotplug *hp, enum change_kind kind, uint8_t hba, uint8_t target, uint16_t lun)
{
    if (!held_back(hp, kind, hba, target, lun))
        queue_change(hp, kind, hba, target, lun);
}

/* The gap after the HBA's last capacity reading or rescan is over: what waited is queued. */
static void release_held(struct hotplug *hp, uint8_t hba)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < hp->n_held; i++)
        if (hp->held[i].hba == hba)
            queue_change(hp, hp->held[i].kind, hba, hp->held[i].target, hp->held[i].lun);
        else
            hp->held[kept++] = hp->held[i];
    hp->n_held = kept;
}

void hotplug_unit_attention(struct hotplug *hp, const struct target *t, enum hba_change change)
{
    const struct lun_info *l = t->info;
    if (change == HBA_CHANGE_CAPACITY)
        queue_paced(hp, CHANGE_CAPACITY, l->hba, l->target, l->lun);
    if (change == HBA_CHANGE_LUN_INVENTORY) {
        bool queued = false;
        for (unsigned i = 0; i < hp->n_pending; i++)
            queued |= hp->pending[i].kind == CHANGE_RESCAN && hp->pending[i].hba == l->hba;
        if (!queued && !held_back(hp, CHANGE_RESCAN, l->hba, 0, 0)) {
            if (!hp->change_flood_told[l->hba]) /* in a flood, said once */
                printf("lunbench: HBA %u: the LUN inventory changed (UNIT ATTENTION 3f/0e); rescanning its LUNs\n",
                       l->hba);
            queue_change(hp, CHANGE_RESCAN, l->hba, 0, 0);
        }
    }
}

/* The device dropped events on HBA h (virtio 1.2 5.6.6.3: EVENTS_MISSED): only a rescan knows what
 * changed. Within HOTPLUG_RESCAN_GAP_MS of the last rescan it is deferred to the gap's end. */
static void events_missed(struct hotplug *hp, unsigned h, uint64_t now)
{
    if (h >= HOTPLUG_HBAS)
        return;
    if (now < hp->rescan_not_before[h]) {
        if (!hp->flood_told[h])
            printf("lunbench: HBA %u: events dropped again within %u ms of a rescan (an event flood); its rescans "
                   "now come at most every %u ms\n", h, HOTPLUG_RESCAN_GAP_MS, HOTPLUG_RESCAN_GAP_MS);
        hp->flood_told[h] = true;
        hp->rescan_deferred[h] = true;
        return;
    }
    if (!hp->flood_told[h])
        printf("lunbench: HBA %u: the device dropped events; rescanning its LUNs\n", h);
    queue_change(hp, CHANGE_RESCAN, (uint8_t)h, 0, 0);
}

bool hotplug_collect_events(struct hotplug *hp, uint64_t now, bool force)
{
    const struct bench_env *env = hp->env;
    if (!force && now < hp->next_event_poll)
        return hp->n_inbox > 0; /* the owner comes here every round: between polls this is all it costs */
    hp->next_event_poll = now + env->tsc_hz / 1000 * EVENT_POLL_MS;
    for (unsigned h = 0; h < env->hba_count && hp->n_inbox < HOTPLUG_INBOX; h++) {
        if (!env->hba_ok[h])
            continue;
        unsigned n = hba_poll_events(env->hbas[h], &hp->inbox[hp->n_inbox], HOTPLUG_INBOX - hp->n_inbox);
        for (unsigned i = 0; i < n; i++)
            hp->inbox_hba[hp->n_inbox + i] = (uint8_t)h;
        hp->n_inbox += n;
    }
    bool due = hp->n_inbox > 0;
    for (unsigned h = 0; h < env->hba_count && h < HOTPLUG_HBAS && !due; h++)
        due = waiting(hp, h) && now >= hp->rescan_not_before[h];
    return due;
}

void hotplug_apply_events(struct hotplug *hp, uint64_t now)
{
    const struct bench_env *env = hp->env;
    for (unsigned h = 0; h < env->hba_count && h < HOTPLUG_HBAS; h++) {
        if (now >= hp->rescan_not_before[h]) {
            if (hp->rescan_deferred[h])
                queue_change(hp, CHANGE_RESCAN, (uint8_t)h, 0, 0);
            hp->rescan_deferred[h] = false;
            release_held(hp, (uint8_t)h);
        }
    }
    for (unsigned i = 0; i < hp->n_inbox; i++) {
        const struct hba_event *ev = &hp->inbox[i];
        unsigned h = hp->inbox_hba[i];
        hp->events++;
        if (ev->kind == HBA_EVENT_MALFORMED) {
            printf("lunbench: HBA %u: a malformed event (%" PRIu32 " bytes, type %" PRIu32 "); ignored\n", h, ev->len,
                   ev->raw_type);
            continue;
        }
        if (ev->events_missed)
            events_missed(hp, h, now);
        if (ev->kind == HBA_EVENT_LUN_REMOVED) {
            lun_removed(hp, (uint8_t)h, ev->target, ev->lun);
        } else if (ev->kind == HBA_EVENT_LUN_ADDED) {
            /* A LUN we have and did not lose needs no probe (and no drain of the jobs for one): a
             * flood of such events costs only the reading. */
            const struct lun_info *known = find_lun(hp, (uint8_t)h, ev->target, ev->lun, NULL);
            if (known == NULL || (known->flags & LUN_REMOVED))
                queue_change(hp, CHANGE_PROBE, (uint8_t)h, ev->target, ev->lun);
        } else if (ev->kind == HBA_EVENT_LUN_CHANGED) {
            queue_paced(hp, CHANGE_CAPACITY, (uint8_t)h, ev->target, ev->lun);
        }
    }
    hp->n_inbox = 0;
}

void hotplug_poll_events(struct hotplug *hp, uint64_t now, bool force)
{
    if (hotplug_collect_events(hp, now, force))
        hotplug_apply_events(hp, now);
}

/* A LUN appeared: probe it, add it to the inventory and to every running job that selects it. */
static void probe(struct hotplug *hp, const struct change *c)
{
    const struct bench_env *env = hp->env;
    struct hba *hba = env->hbas[c->hba];
    struct inventory *inv = env->inv;
    size_t index;
    struct lun_info *known = find_lun(hp, c->hba, c->target, c->lun, &index);
    if (known != NULL && !(known->flags & LUN_REMOVED))
        return; /* already here: a rescan found it before its event was read */
    struct lun_info found;
    int rc = discovery_probe_lun(hba, known ? NULL : inv, c->target, c->lun, env->cmd_timeout_cycles, &found);
    if (rc < 0) {
        printf("lunbench: HBA %u: probing LUN %u:%u:%u failed: %s\n", c->hba, c->hba, c->target, c->lun, hba->error);
        return;
    }
    if (rc == 0)
        return; /* nothing there (yet): a later event or UNIT ATTENTION tells again */
    for (unsigned i = 0; i < hp->n_sets; i++)
        targets_repoint(hp->sets[i]); /* the inventory may have moved */
    if (known) {
        /* Back after a removal: the same address, maybe another device. */
        known = &inv->luns[index];
        uint32_t errors = known->errors;
        *known = found;
        known->errors = errors;
        for (unsigned i = 0; i < hp->n_sets; i++) {
            struct target *t = targets_find(hp->sets[i], known);
            if (t != NULL)
                targets_renew(hp->sets[i], t);
        }
    } else {
        index = inv->count - 1; /* discovery_probe_lun appended it: rc 1 means it did */
    }
    hp->luns_added++;
    const struct lun_info *l = &inv->luns[index];
    for (unsigned i = 0; i < hp->n_sets || i == 0; i++) {
        struct target_set *set = i < hp->n_sets ? hp->sets[i] : NULL;
        bool joins = set && targets_find(set, l) == NULL && targets_selects(set, l) && targets_add(set, index) == 0;
        if (i == 0)
            printf("lunbench: job '%s': LUN %u:%u:%u added (hotplug): %s %s %s, %" PRIu64 " blocks of %" PRIu32 "%s\n",
                   set ? set->job->name : "", l->hba, l->target, l->lun, scsi_device_type_name(l->device_type),
                   l->vendor, l->product, l->blocks, l->block_size, joins ? "; it joins the job" : "");
        else if (joins)
            printf("lunbench: job '%s': LUN %u:%u:%u joins the job\n", set->job->name, l->hba, l->target, l->lun);
        if (set == NULL)
            break;
    }
}

/* Keep a running job's region of LUN l inside its new capacity. */
static void shrink_region(struct target_set *set, const struct lun_info *l)
{
    struct target *t = targets_find(set, l);
    if (t == NULL)
        return;
    uint64_t end_units = l->blocks > t->first_lba ? (l->blocks - t->first_lba) / t->blocks_per_unit : 0;
    if (end_units < t->units)
        t->units = end_units;
    if (t->units == 0 && !t->removed) {
        printf("lunbench: job '%s': LUN %u:%u:%u is now too small for its region; no more I/O to it\n",
               set->job->name, l->hba, l->target, l->lun);
        t->removed = true;
        targets_share_iodepth(set);
    }
}

static void capacity(struct hotplug *hp, const struct change *c)
{
    const struct bench_env *env = hp->env;
    struct lun_info *l = find_lun(hp, c->hba, c->target, c->lun, NULL);
    if (l == NULL)
        return;
    struct lun_info now;
    hp->rescan_not_before[c->hba] = bench_now(env) + env->tsc_hz / 1000 * HOTPLUG_RESCAN_GAP_MS;
    int rc = discovery_probe_lun(env->hbas[c->hba], NULL, c->target, c->lun, env->cmd_timeout_cycles, &now);
    if (rc != 1 || (now.blocks == l->blocks && now.block_size == l->block_size))
        return; /* the event and the UNIT ATTENTION both tell of one change: report it once */
    hp->capacity_changes++;
    printf("lunbench: job '%s': LUN %u:%u:%u capacity changed: %" PRIu64 " -> %" PRIu64 " blocks of %" PRIu32 "\n",
           hp->n_sets ? hp->sets[0]->job->name : "", c->hba, c->target, c->lun, l->blocks, now.blocks, now.block_size);
    l->blocks = now.blocks;
    l->block_size = now.block_size;
    for (unsigned i = 0; i < hp->n_sets; i++)
        shrink_region(hp->sets[i], l);
}

/* Rescan one HBA (events were missed, or the LUN inventory changed) and reconcile. */
static void rescan(struct hotplug *hp, const struct change *c)
{
    const struct bench_env *env = hp->env;
    struct hba *hba = env->hbas[c->hba];
    struct inventory fresh = { 0 };
    struct discovery_stats stats;
    hp->rescans++;
    hp->rescan_not_before[c->hba] = bench_now(env) + env->tsc_hz / 1000 * HOTPLUG_RESCAN_GAP_MS;
    if (discovery_run(hba, &fresh, &stats, env->cmd_timeout_cycles) != 0) {
        printf("lunbench: HBA %u: rescan failed: %s\n", c->hba, hba->error);
        free(fresh.luns);
        return;
    }
    struct inventory *inv = env->inv;
    for (size_t k = 0; k < inv->count; k++) {
        const struct lun_info *l = &inv->luns[k];
        bool present = false;
        for (size_t f = 0; f < fresh.count && !present; f++)
            present = fresh.luns[f].target == l->target && fresh.luns[f].lun == l->lun;
        if (l->hba == c->hba && !present)
            lun_removed(hp, l->hba, l->target, l->lun);
    }
    for (size_t f = 0; f < fresh.count; f++) {
        const struct lun_info *l = &fresh.luns[f];
        struct change add = { CHANGE_PROBE, (uint8_t)c->hba, l->target, l->lun };
        probe(hp, &add);
    }
    free(fresh.luns);
}

void hotplug_apply_changes(struct hotplug *hp)
{
    /* Copy out first: applying a change may queue another (a probe that finds a LUN gone). */
    struct change work[HOTPLUG_MAX_PENDING];
    unsigned n = hp->n_pending;
    memcpy(work, hp->pending, n * sizeof work[0]);
    hp->n_pending = 0;
    for (unsigned i = 0; i < n; i++) {
        switch (work[i].kind) {
        case CHANGE_PROBE: probe(hp, &work[i]); break;
        case CHANGE_CAPACITY: capacity(hp, &work[i]); break;
        case CHANGE_RESCAN: rescan(hp, &work[i]); break;
        }
    }
}
