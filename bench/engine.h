/*
 * The benchmark engine: one job instance (bench/job.h) over the LUNs it selects, keeping its
 * iodepth commands in flight across them and across the request queues its worker may use, and
 * accounting each I/O in fio's terms (lib/histogram.h). It drives the HBAs through the seam
 * (drivers/hba/hba.h) and reads time from env->now only; nothing runs between polls.
 *
 * An instance does not poll: a worker (bench/worker.h) drives several at once, interleaved, polls
 * the queues they share, and hands each completion back with bench_instance_complete. What the
 * instances of one worker share is struct bench_common, and nothing else.
 */
#ifndef BENCH_ENGINE_H
#define BENCH_ENGINE_H

#include <stdint.h>

#include "bench/env.h"
#include "bench/hotplug.h"
#include "bench/job.h"
#include "bench/steadystate.h"
#include "lib/histogram.h"

enum { DIR_READ, DIR_WRITE, DIR_TRIM, DIR_COUNT }; /* fio's ddirs; trims are UNMAPs */

struct dir_result {
    uint64_t ios, bytes;
    struct histogram clat, slat, lat; /* ns */
    struct sample_stats iops_samples, bw_samples; /* per second; bw in KiB/s as fio */
    uint64_t errors;
};

enum { ERR_RESPONSE, ERR_CHECK_CONDITION, ERR_OTHER_STATUS, ERR_SHORT_TRANSFER, ERR_VERIFY, ERR_KINDS };

/* SYNCHRONIZE CACHE the job asked for (fsync=, fdatasync=, end_fsync=, fsync_on_close=): fio's
 * "sync" object. */
struct sync_result {
    uint64_t ios, errors;
    struct histogram lat; /* ns, submission to completion */
};

#define IODEPTH_LEVELS 7 /* fio's "1","2","4","8","16","32",">=64" */

struct job_result {
    struct dir_result dir[DIR_COUNT];
    struct sync_result sync;
    struct lat_dist lat_dist;       /* completion latency of every accounted I/O */
    uint64_t runtime_ns;            /* the accounted period (after ramp_time) */
    uint64_t elapsed_ns;            /* all of it, ramp and verify included */
    uint64_t errors[ERR_KINDS];
    uint64_t verify_blocks, verify_failures;
    uint64_t iodepth_level[IODEPTH_LEVELS];
    unsigned lun_count;
    /* The driver's own cost: cycles in submit + kick, and in polls that reaped something. */
    uint64_t submit_cycles, reap_cycles, driver_ios;
    /* Hotplug: I/Os that found their LUN gone (not errors), UNIT ATTENTIONs retried, changes seen. */
    uint64_t removed_ios, ua_retries;
    unsigned luns_removed, luns_added, capacity_changes, events;
    unsigned luns_retired;           /* stalled again after a LOGICAL UNIT RESET: taken out */
    unsigned latency_depth;          /* latency_target: the queue depth it found (fio's latency_depth) */
    struct steadystate ss;           /* steadystate=: its window and verdict (fio's "steadystate") */
    bool stopped;                    /* ended early: every selected LUN failed, or an HBA broke */
    char stop_reason[400];
    /* When it ran, in the guest's time: ns of the TSC (since the CPU's reset), and fio's job_start
     * (ms since 1970). Jobs that ran at the same time overlap here. */
    uint64_t start_ns, end_ns, job_start_ms;
    /* fio's reporting group (set by whoever plans the run), and how many jobs this result holds
     * (1; more once group_reporting merged a group into it). */
    unsigned groupid, members;
    /* fio's group aggregate bandwidth (bytes/s) per direction, for the JSON's bw_agg: set where the
     * group has more than one entry; 0: the entry is its group (bw_agg 100). */
    uint64_t group_agg_bw[DIR_COUNT];
};

/* The request queues a worker may use: bit q of mask[h] is request queue q of HBA h. */
struct bench_queues {
    uint64_t mask[HBA_MAX];
};
_Static_assert(HBA_MAX_QUEUES <= 64, "a queue mask holds every request queue of an HBA");

/* Every request queue of every HBA (one worker, one CPU). */
void bench_queues_all(struct bench_queues *q, const struct bench_env *env);

/* What the instances of one worker share. */
struct bench_common {
    const struct bench_env *env;
    const struct bench_queues *queues; /* the only queues its instances submit to */
    /* The hotplug state, the owner's (a worker alone, or worker 0 of a crew): the events it
     * polls and the changes it applies reach every running instance's LUN set. The LUN inventory
     * (env->inv: failed-I/O counts, the removed flag) is written through it, and by an instance's
     * completions only where the owner runs them (a crew's other workers hold every completion
     * that could: bench/worker.h). */
    struct hotplug *hp;
    /* Queues submitted to since the worker's last kick, and whose result pays for the kick. */
    struct job_result *dirty[HBA_MAX][HBA_MAX_QUEUES];
};

struct bench_instance; /* one running job instance: its LUNs, slots, rates, phase and result */

/* Start an instance of job, its result in *r (zeroed first). NULL when it cannot start: r->stopped,
 * with r->stop_reason saying why. */
struct bench_instance *bench_instance_start(const struct job_spec *job, struct bench_common *common,
                                            struct job_result *r);
/* Submit what the instance may now (its depth, rate, phase, limits allow). */
void bench_instance_submit(struct bench_instance *in, uint64_t now);
/* A command a worker's poll returned (cmd->user is the instance's slot), with the reap cycles it
 * is charged. */
void bench_instance_complete(struct hba_cmd *cmd, uint64_t reap_cycles);
/* The per-second samples and progress line. */
void bench_instance_tick(struct bench_instance *in, uint64_t now);
unsigned bench_instance_in_flight(const struct bench_instance *in);
/* Whether its LUNs are on HBA hba (only those HBAs are polled for it). */
bool bench_instance_involves(const struct bench_instance *in, unsigned hba);
/* End it early, as failed (an HBA broke): reason becomes r->stop_reason. */
void bench_instance_stop(struct bench_instance *in, const char *reason);
/* End it as fio's exitall does to the other jobs: no new I/O; it drains and reports. */
void bench_instance_terminate(struct bench_instance *in);
/* After hotplug_apply_changes: its LUN count and HBAs again. */
void bench_instance_luns_changed(struct bench_instance *in);
/* With nothing in flight: move the instance through its phases (flush, end_fsync, verify, done).
 * True when it is done. */
bool bench_instance_advance(struct bench_instance *in);
/* Fill in the end of its result and free it. 0 when it ran to its end, -1 when it stopped early. */
int bench_instance_finish(struct bench_instance *in);

/* Whether the end of this job terminates others (those its exit_what names, bench/wave.h): a job
 * with exitall, or one with exitall_on_error that failed (errors, or stopped early). */
bool bench_job_terminates_others(const struct job_spec *job, const struct job_result *r);
/* The result of a job instance that has not run (yet): zero counts, empty histograms. */
void bench_result_init(struct job_result *r, const struct job_spec *job);
struct wave_flow;
/* flow=: the instance, which has joined flow (bench/wave.h), counts its new I/Os in it and keeps
 * to its share; it leaves the flow when it finishes. */
void bench_instance_join_flow(struct bench_instance *in, struct wave_flow *flow);

#endif
