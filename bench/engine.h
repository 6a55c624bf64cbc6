/*
 * The benchmark engine: runs one job (bench/job.h) over the LUNs it selects, keeping iodepth
 * commands in flight across them and across every request queue of their HBAs, and accounts
 * each I/O in fio's terms (lib/histogram.h). It drives the HBAs through the seam
 * (drivers/hba/hba.h) and reads time from env->now only; nothing runs between polls.
 */
#ifndef BENCH_ENGINE_H
#define BENCH_ENGINE_H

#include <stdint.h>

#include "bench/env.h"
#include "bench/job.h"
#include "lib/histogram.h"

enum { DIR_READ, DIR_WRITE, DIR_COUNT };

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
    bool stopped;                    /* ended early: every selected LUN failed, or an HBA broke */
    char stop_reason[400];
};

/* Run one job. Returns 0 when it ran to its end (errors are counted in *r), -1 when it stopped
 * early (r->stop_reason says why; what was measured so far is kept). */
int bench_run_job(const struct job_spec *job, const struct bench_env *env, struct job_result *r);

/* Whether the jobs after this one still run: not after a job with exitall, nor after one with
 * exitall_on_error that failed (errors, or stopped early). */
bool bench_job_ends_the_run(const struct job_spec *job, const struct job_result *r);

#endif
