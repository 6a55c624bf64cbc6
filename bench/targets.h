/*
 * The LUNs one job runs on: chosen from the inventory by the job's luns= selection, each LUN that
 * cannot run the job left out with its reason, each region (offset=, size=) checked against the
 * LUN's capacity and block size. The set changes while the job runs (hotplug adds, removes and
 * resizes LUNs), and every LUN's share of the job's iodepth follows the LUNs that are left.
 */
#ifndef BENCH_TARGETS_H
#define BENCH_TARGETS_H

#include "lib/lfsr.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/env.h"
#include "bench/job.h"

struct target {
    struct lun_info *info;   /* &inv->luns[inv_index]; re-pointed when the inventory grows */
    size_t inv_index;
    struct hba *hba;
    bool removed;            /* hot-unplugged, or too small now: no more I/O to it */
    bool retired;            /* stalled again after a LOGICAL UNIT RESET: taken out of the run */
    uint64_t first_lba;      /* region start, in logical blocks */
    uint64_t units;          /* I/O units (the job's smallest bs) in the region */
    uint32_t blocks_per_unit;
    uint64_t next_unit;      /* units issued sequentially (durable jobs count their passes by it) */
    uint64_t bytes_left;     /* a sequential job without time_based: what it still owes this LUN
                              * (fio's per-file io_size: its own region's worth, never another's) */
    uint64_t seq_pos;        /* where the last I/O ended, in units from the region start */
    uint64_t zone_start;     /* zonemode=strided: the current zone, in units */
    uint64_t zone_bytes;     /* bytes done in it */
    uint64_t verify_unit;    /* read-back cursor */
    unsigned in_flight;
    unsigned max_in_flight;  /* the smaller of cmd_per_lun and the LUN's fair share of iodepth */
    unsigned next_queue;
    unsigned stalls;         /* recoveries that needed a LOGICAL UNIT RESET */
    uint64_t last_reset_tsc; /* when the last of those resets was sent */
    uint8_t *written;        /* verify: a bit per unit */
    uint64_t writes;         /* new writes submitted to it (fsync=N counts them) */
    bool sync_due;           /* fsync=N: a SYNCHRONIZE CACHE once its writes in flight are done */
    struct lfsr lfsr;        /* random_generator=lfsr: over the units of lfsr.n (0: not set up) */
};

struct target_set {
    const struct job_spec *job;
    const struct bench_env *env;
    struct target *t;
    unsigned n;
    unsigned live; /* not removed nor retired: kept by targets_share_iodepth */
};

/* Whether the job's luns= selection names LUN l, the index_among_usable-th usable LUN of the
 * inventory (first:N counts those). */
bool targets_selected(const struct job_spec *job, const struct lun_info *l, unsigned index_among_usable);

/* Check the job's selection against the inventory, naming each LUN left out. 0, or -1 with a
 * reason ("job 'x': luns=hba:3, but there are 2 usable HBAs") for the caller to report. For a job
 * that writes, this and targets_build first read the write-protect bit of the disks it selects
 * where discovery left it unread (drivers/hba/discovery.h). */
int targets_check(const struct job_spec *job, const struct bench_env *env, char *err, size_t err_len);

/* Build the set for a run. 0, or -1 with a reason; targets_free in both cases. */
int targets_build(struct target_set *set, const struct job_spec *job, const struct bench_env *env, char *err,
                  size_t err_len);
void targets_free(struct target_set *set);

/* Whether the job's luns= names a LUN that appeared while it runs (first:N never takes newcomers). */
bool targets_selects(const struct target_set *set, const struct lun_info *l);
/* Add inventory entry inv_index to the running job, first reading what the job must know of it
 * (the write-protect bit, the provisioning pages). 0, or -1 (printed: why it cannot join). */
int targets_add(struct target_set *set, size_t inv_index);
/* A removed LUN is back at the same address, maybe another device: check it against the job's
 * block size and region again and take it back in. 0, or -1 (printed: why it stays out). */
int targets_renew(struct target_set *set, struct target *t);
/* After the inventory array moved (it grew): point every target at its entry again. */
void targets_repoint(struct target_set *set);
struct target *targets_find(const struct target_set *set, const struct lun_info *l);
/* Count the live LUNs and give each its share of iodepth again; call it whenever a LUN joins or
 * leaves (removed, retired). A LUN holds no more than ceil(iodepth / live LUNs) commands, so one
 * that stalls cannot take the whole job's depth while the others wait. */
void targets_share_iodepth(struct target_set *set);

#endif
