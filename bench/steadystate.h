/*
 * fio's steady-state detection (HOWTO "Steady state", steadystate=/ss=, ss_dur=, ss_ramp=): after
 * ss_ramp, one sample a second of the job's IOPS and bandwidth (all directions together, bytes a
 * second) goes into a window of ss_dur samples; once the window is full, every new sample judges
 * it: the largest deviation of a sample from the window's mean (iops, bw) or the slope of their
 * least-squares line (iops_slope, bw_slope), as such or as a percent of the mean (the ':N%' form),
 * must be below the limit. Attained: the job ends. Pure code.
 */
#ifndef BENCH_STEADYSTATE_H
#define BENCH_STEADYSTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/job.h"

struct steadystate {
    bool on, attained, full;
    unsigned dur;          /* samples the window holds (ss_dur in seconds) */
    unsigned ramp;         /* seconds of samples left out first (ss_ramp) */
    unsigned seen;         /* samples offered, ramp included */
    unsigned head, count;  /* ring: the oldest sample, and how many */
    uint64_t iops[JOB_SS_DUR_MAX], bw[JOB_SS_DUR_MAX];
    double criterion, deviation, slope; /* of the last judged window */
};

void steadystate_init(struct steadystate *ss, const struct job_spec *job);
/* One second's IOPS and bytes; true when the job reached its steady state with it. */
bool steadystate_sample(struct steadystate *ss, const struct job_spec *job, uint64_t iops, uint64_t bw_bytes);
/* The window's samples in order, oldest first (fio's data.iops, data.bw), and their means. */
unsigned steadystate_window(const struct steadystate *ss, uint64_t *iops, uint64_t *bw);
double steadystate_mean(const struct steadystate *ss, bool bw);

#endif
