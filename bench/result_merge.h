/*
 * fio's group_reporting: the results of a group's jobs summed into one entry, as fio's
 * sum_thread_stats does (pure code). Counts, bytes and histogram buckets add up exactly, so the
 * merged histogram is the sum of its parts; latency moments merge exactly (parallel Welford); the
 * per-second IOPS and bandwidth samples add up (fio's "pure sum": the group's rate is the sum of
 * its jobs' rates); the runtime is the longest member's.
 */
#ifndef BENCH_RESULT_MERGE_H
#define BENCH_RESULT_MERGE_H

#include "bench/engine.h"

/* Merge src into dst (dst already holds the group's first member). */
void job_result_merge(struct job_result *dst, const struct job_result *src);

#endif
