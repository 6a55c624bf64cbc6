/* The figures fio derives from a job's counts and prints in more than one output format (normal,
 * JSON, terse), computed here once: each entry's share of its group's bandwidth, and the I/O depth
 * and latency distributions as percentages with fio's floors (stat.c stat_calc_dist,
 * stat_calc_lat). */
#ifndef BENCH_REPORT_FIGURES_H
#define BENCH_REPORT_FIGURES_H

#include <stddef.h>
#include <stdint.h>

#include "bench/engine.h"

/* fio's "error" (an errno): EIO where any I/O or verify failed, else 0. */
int report_error(const struct job_result *r);
/* Every failed I/O and verify, of every kind: fio's total_err_count. */
uint64_t report_error_count(const struct job_result *r);

/* fio's bw_agg (p_of_agg): the entry's mean bandwidth as a percentage of its group's aggregate
 * (at most 100); 100 where the entry is its group (group_agg_bw 0) or has no bandwidth samples,
 * 0 where the direction moved nothing. */
double report_bw_agg(const struct dir_result *d, uint64_t group_agg_bw);

/* fio's "iodepth_level" / terse I/O depths: the share of submissions at each of the
 * IODEPTH_LEVELS depths, a non-zero count never below 0.1 (stat_calc_dist). */
void report_depth_dist(const struct job_result *r, double pct[IODEPTH_LEVELS]);

/* fio's latency_ns / latency_us / latency_ms: counts[0..n) as percentages of total, a non-zero
 * count never below 0.01 (stat_calc_lat). */
void report_lat_pct(const uint64_t *counts, size_t n, uint64_t total, double *pct);

#endif
