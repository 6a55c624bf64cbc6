/*
 * The virtio-scsi device the target is (virtio 1.2 5.6): queue 0 control (task management and
 * asynchronous-notification requests), queue 1 events (buffers are held until an event rule has
 * something to report), queues 2.. requests. Commands go to the LUN table's disks through the SCSI
 * emulation, with the fault rules deciding what goes wrong. A command a rule delays or holds
 * waits in the pending list until its time comes, a task-management function ends it, or the
 * ring stops.
 */
#ifndef TOOLS_VSCSI_TARGET_DEVICE_H
#define TOOLS_VSCSI_TARGET_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/vscsi-target/fault_rules.h"
#include "tools/vscsi-target/guard_buf.h"
#include "tools/vscsi-target/guest_mem.h"
#include "tools/vscsi-target/lun_table.h"
#include "tools/vscsi-target/vring.h"

#define DEVICE_MAX_RINGS 66 /* control, event and up to 64 request queues */
#define DEVICE_FAULTS_PER_CMD 8

struct pending {
    unsigned ring;
    struct vring_chain chain;
    uint64_t tag;
    uint8_t target;
    uint16_t lun;
    uint64_t due_ns; /* UINT64_MAX: held until a TMF or a reset */
    unsigned survives; /* FAULT_SURVIVES_*: the TMFs a held command outlives */
    bool tmf;          /* a held task-management request (hang-tmf): only a reset drops it */
    bool dead;         /* held because the device is dead: nothing answers it */
    struct fault_rule *fired[DEVICE_FAULTS_PER_CMD];
    size_t nfired;
};

struct device_stats {
    uint64_t commands, tmfs, bad_chains, faults_fired[FAULT_ACTIONS];
    uint64_t report_luns, read_capacities; /* how often the driver looked: a flood of changes shows here */
};

struct device {
    struct lun_table *luns;
    struct fault_rules *faults; /* NULL: no faults */
    struct guest_mem mem;
    struct vring rings[DEVICE_MAX_RINGS];
    unsigned nrings;
    struct pending *pending;
    size_t npending, pending_cap;
    struct guard_buf bounce_in, bounce_out; /* what the SCSI emulation reads and writes, guard-paged */
    struct device_stats stats;
    unsigned fault_lines_logged;
    uint64_t power_cut_rng; /* which cached blocks a power cut lets reach the medium */
    bool dead;              /* a dead rule fired: every request on every queue is held from then on */
    bool powered_off;       /* a power-cut rule fired: held like dead until QEMU disconnects */
    bool events_dropped;    /* an event found no buffer: the next one carries EVENTS_MISSED (5.6.6.3) */
    uint64_t events_sent, events_lost;
    uint64_t power_cuts, blocks_kept, blocks_lost;
};

void device_init(struct device *d, struct lun_table *luns, struct fault_rules *faults, uint64_t seed);
void device_free(struct device *d);
/* Take and answer everything available on ring i. */
void device_process(struct device *d, unsigned i, uint64_t now_ns);
/* Answer the delayed commands whose time has come; returns the next due time (UINT64_MAX: none). */
uint64_t device_run_timers(struct device *d, uint64_t now_ns);
/* Forget the pending commands of ring i (ring < 0: all); their guest memory is no longer ours. */
void device_drop_pending(struct device *d, int ring);
/* A power cut (QEMU went away, or SIGUSR1): every LUN's volatile write cache is lost but for a
 * random part that reached the medium, and every LUN powers on again with a UNIT ATTENTION. */
void device_power_cut(struct device *d, const char *why);
/* QEMU went away: a powered-off device (a power-cut rule) has power again for the next one. */
void device_power_on(struct device *d);
/* The log line at exit: commands, TMFs, faults fired by kind, memory. */
void device_report(const struct device *d);

#endif
