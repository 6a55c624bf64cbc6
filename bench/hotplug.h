/*
 * Hotplug and parameter changes while a job runs (virtio 1.2, 5.6.6.3): the event queue says a
 * LUN was removed, appeared or changed, or that events were missed (a full rescan is then the only
 * way to know); a UNIT ATTENTION can say the same. Removals act at once (no more I/O to the LUN;
 * what is in flight comes back as "removed", not as errors). Everything that needs commands of
 * its own (probing a new LUN, reading a new capacity, rescanning) waits until nothing is in
 * flight, because the probe polls the same queues: the engine drains, then calls
 * hotplug_apply_changes.
 */
#ifndef BENCH_HOTPLUG_H
#define BENCH_HOTPLUG_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/targets.h"
#include "drivers/hba/outcome.h"

#define HOTPLUG_MAX_PENDING 64 /* changes waiting; more at once become one rescan of the HBA */
#define HOTPLUG_RESCAN_GAP_MS 100 /* rescans, and capacity readings, come at most this often per HBA */
#define HOTPLUG_HBAS 256
#define HOTPLUG_INBOX 64 /* events read and not yet acted on; the device keeps (or drops, and says so) the rest */

enum change_kind { CHANGE_PROBE, CHANGE_CAPACITY, CHANGE_RESCAN };

/* Something an event or a UNIT ATTENTION told, to apply when the HBA is quiet. */
struct change {
    enum change_kind kind;
    uint8_t hba, target;
    uint16_t lun;
};

#define HOTPLUG_MAX_SETS 256 /* jobs running at the same time that one hotplug serves */

/* One per set of jobs running at the same time (the engine's worker 0 owns it): every change
 * reaches every running job's LUN set. */
struct hotplug {
    const struct bench_env *env;
    struct target_set *sets[HOTPLUG_MAX_SETS]; /* the running jobs' LUNs */
    unsigned n_sets;
    /* Events read from the HBAs and not yet acted on (hotplug_collect_events). */
    struct hba_event inbox[HOTPLUG_INBOX];
    uint8_t inbox_hba[HOTPLUG_INBOX];
    unsigned n_inbox;
    struct change pending[HOTPLUG_MAX_PENDING];
    unsigned n_pending;
    uint64_t next_event_poll;
    /* An event flood: EVENTS_MISSED again and again. Each asks for a rescan, and a rescan waits
     * for nothing to be in flight, so rescanning at every one would starve the job's I/O: after
     * a rescan the next one waits HOTPLUG_RESCAN_GAP_MS (deferred, not dropped). */
    uint64_t rescan_not_before[HOTPLUG_HBAS];
    bool rescan_deferred[HOTPLUG_HBAS], flood_told[HOTPLUG_HBAS];
    /* The same for capacity changes (PARAM_CHANGE events, UNIT ATTENTION 2a/09) and LUN-inventory
     * changes (UNIT ATTENTION 3f/0e), each of which drains the jobs too: told again within the
     * gap after the last capacity reading or rescan, they wait here (a rescan in rescan_deferred). */
    struct change held[HOTPLUG_MAX_PENDING];
    unsigned n_held;
    bool change_flood_told[HOTPLUG_HBAS];
    /* What happened since the start; a job's result holds what happened while it ran. */
    unsigned luns_removed, luns_added, capacity_changes, events, rescans;
};

void hotplug_init(struct hotplug *hp, const struct bench_env *env);
/* A job starts or ends: its LUN set gets (no longer gets) the changes. 0, or -1 when
 * HOTPLUG_MAX_SETS sets are attached. */
int hotplug_attach(struct hotplug *hp, struct target_set *set);
void hotplug_detach(struct hotplug *hp, struct target_set *set);

/* Read every HBA's events (at most every few ms, unless force): removals act now, the rest is
 * queued. The two halves of hotplug_collect_events then hotplug_apply_events. */
void hotplug_poll_events(struct hotplug *hp, uint64_t now, bool force);
/* Read the events into the inbox, touching nothing else: with several CPUs the owner reads them
 * while the others run (bench/crew.h). True when there is something to apply (events, or a
 * deferred rescan now due). */
bool hotplug_collect_events(struct hotplug *hp, uint64_t now, bool force);
/* Act on what was collected: every running job's LUN set may change, so with several CPUs this
 * runs while the others are paused. */
void hotplug_apply_events(struct hotplug *hp, uint64_t now);
/* What a UNIT ATTENTION on target t said changed: a capacity to read again, or the HBA to rescan. */
void hotplug_unit_attention(struct hotplug *hp, const struct target *t, enum hba_change change);
/* A command of the job whose LUNs are set found t's LUN gone (why: "BAD_TARGET", ...): no more
 * I/O to it, in that job and every other. */
void hotplug_lun_gone(struct hotplug *hp, struct target_set *set, struct target *t, const char *why);
/* Apply the queued changes; the caller has nothing in flight on any HBA (no job has). */
void hotplug_apply_changes(struct hotplug *hp);

#endif
