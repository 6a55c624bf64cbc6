/*
 * fio's latency_target (HOWTO; fio 3.33's io_u.c lat_target_*): find the largest queue depth at
 * which latency_percentile of the I/Os in each latency_window finish within latency_target. The
 * depth starts at 1 and doubles after each window that meets the target, then bisects between the
 * last depth that met it and the first that did not; a single I/O over the target fails the
 * window at once when the percentile is 100 (and at depth 1 is an error: fio's "latency of N nsec
 * exceeds specified max"). Once a window's success leaves the depth where it was, the depth is
 * found: the job's results restart for one more window at it, then the job ends; with
 * latency_run=1 it goes on adjusting for its whole runtime instead. Pure code.
 */
#ifndef BENCH_LATENCY_TARGET_H
#define BENCH_LATENCY_TARGET_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/job.h"

struct latency_target {
    bool on;
    uint64_t target_ns, window_cycles;
    double percentile;
    bool run_on;                        /* latency_run=1 */
    unsigned iodepth;                   /* the job's: the most it may reach */
    unsigned qd, qd_low, qd_high, stable;
    uint64_t window_start, ios_at_start, failed;
    bool end_run;    /* the found depth's last window is running */
    bool quiesce;    /* after a ramp down: nothing new until the I/Os in flight are done */
    bool reset;      /* for the caller: restart the job's results now (the found depth's window) */
    bool done;       /* for the caller: the job ends */
    bool fatal;      /* for the caller: an I/O over the target at depth 1 */
};

/* From the job's options, at time now (TSC, hz cycles a second), ios I/Os done so far. */
void latency_target_init(struct latency_target *lt, const struct job_spec *job, uint64_t hz, uint64_t now,
                         uint64_t ios);
/* Whether one more I/O may go out with in_flight in flight. */
bool latency_target_allows(struct latency_target *lt, unsigned in_flight);
/* An accounted I/O's total latency (fio compares lat, submission to completion). */
void latency_target_io(struct latency_target *lt, uint64_t lat_ns, uint64_t now, uint64_t ios);
/* Between I/Os: a window that has passed is judged (fio's lat_target_check). */
void latency_target_check(struct latency_target *lt, uint64_t now, uint64_t ios);

#endif
