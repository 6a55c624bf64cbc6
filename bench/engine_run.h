/* The state of one running job, shared by bench/engine.c and bench/hotplug.c (internal). */
#ifndef BENCH_ENGINE_RUN_H
#define BENCH_ENGINE_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/engine.h"

#define MAX_QUEUES 64
#define MAX_PENDING_CHANGES 64
#define MAX_RETRIES 256

enum change_kind { CHANGE_PROBE, CHANGE_CAPACITY, CHANGE_RESCAN };

/* Something an event or a UNIT ATTENTION told us, to apply when the HBA is quiet. */
struct change {
    enum change_kind kind;
    uint8_t hba, target;
    uint16_t lun;
};

/* An I/O to submit again (it ended in UNIT ATTENTION). */
struct retry {
    unsigned target;
    uint64_t unit;
    int dir;
    bool verify_read;
};

#define MAX_QUEUES 64

struct target {
    struct lun_info *info;  /* &inv->luns[inv_index]; re-pointed when the inventory grows */
    size_t inv_index;
    bool removed;           /* hot-unplugged: no more I/O to it */
    struct vscsi_hba *hba;
    uint64_t first_lba;  /* region start, in logical blocks */
    uint64_t units;      /* bs-sized I/O units in the region */
    uint32_t blocks_per_unit;
    uint64_t next_unit;  /* sequential cursor */
    uint64_t verify_unit; /* read-back cursor */
    unsigned in_flight, max_in_flight;
    unsigned next_queue;
    uint8_t *written;    /* verify: a bit per unit */
};

struct slot {
    struct vscsi_cmd cmd;
    uint8_t *buf;
    unsigned target;
    uint64_t unit;
    int dir;
    bool busy, measured, verify_read, flush;
    uint64_t slat_cycles;
};

/* PHASE_FLUSH: a durable write job (rw=write with verify) ends each pass over the region with
 * SYNCHRONIZE CACHE on every LUN, then says which generation is durable. */
enum phase { PHASE_RUN, PHASE_FLUSH, PHASE_VERIFY, PHASE_DONE };

struct run {
    const struct job_spec *job;
    const struct bench_env *env;
    struct job_result *r;
    struct target *targets;
    unsigned n_targets;
    struct slot *slots;
    unsigned n_slots, in_flight;
    unsigned *free_slots, n_free;
    uint64_t rng;
    unsigned rr_cursor;
    uint64_t generation;  /* of the first pass; pass p writes generation + p */
    bool durable;         /* passes end with a flush and a "durable" line */
    uint64_t pass;        /* current pass over the region (durable jobs) */
    unsigned flush_target, flushes_done, flush_failures;
    enum phase phase;
    /* Limits and progress. */
    uint64_t start, measure_start, run_end; /* run_end 0: no time limit */
    uint64_t submitted, submitted_bytes, bytes_limit, ios_limit, measured_submitted;
    unsigned verify_target;
    bool stop_submitting;
    unsigned error_lines;
    /* Hotplug and parameter changes (bench/hotplug.c): applied once nothing is in flight. */
    struct change pending[MAX_PENDING_CHANGES];
    unsigned n_pending;
    uint64_t next_event_poll;
    struct retry retries[MAX_RETRIES];
    unsigned n_retries;
    bool dirty[32][MAX_QUEUES];
    /* Per-second samples. */
    uint64_t next_tick, tick_ios[DIR_COUNT], tick_bytes[DIR_COUNT];
    unsigned seconds;
};


/* bench/engine.c */
void run_repoint_targets(struct run *run);
bool run_selects(const struct run *run, const struct lun_info *l);
int run_add_target(struct run *run, size_t inv_index);

/* bench/hotplug.c */
void hotplug_poll_events(struct run *run, uint64_t now);
void hotplug_queue_change(struct run *run, enum change_kind kind, uint8_t hba, uint8_t target, uint16_t lun);
void hotplug_apply_changes(struct run *run);
/* A command to a LUN that is gone: BAD_TARGET, INCORRECT_LUN, or LOGICAL UNIT NOT SUPPORTED. */
bool hotplug_lun_gone(const struct vscsi_cmd *cmd);

#endif
