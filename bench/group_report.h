/* fio's "Run status group N (all jobs):" lines: per direction, the group's aggregate bandwidth
 * (all its bytes over its longest runtime), the slowest and fastest entry's bandwidth, the bytes
 * moved and the shortest and longest runtime (fio's show_group_stats). */
#ifndef BENCH_GROUP_REPORT_H
#define BENCH_GROUP_REPORT_H

#include <stdint.h>

#include "bench/engine.h"
#include "bench/job_plan.h"
#include "bench/report.h"
#include "lib/json.h"

struct group_stats {
    uint64_t io_bytes[DIR_COUNT];
    uint64_t min_run_ms[DIR_COUNT], max_run_ms[DIR_COUNT]; /* over entries that moved data */
    uint64_t min_bw[DIR_COUNT], max_bw[DIR_COUNT];         /* bytes per second */
    unsigned entries[DIR_COUNT];
};

void group_stats_init(struct group_stats *g);
/* One entry of the group (a job, or a group_reporting merge). */
void group_stats_add(struct group_stats *g, const struct job_result *r);
/* The aggregate bandwidth of direction d in bytes per second: fio's agg. */
uint64_t group_stats_agg_bw(const struct group_stats *g, int d);
void bench_report_group(unsigned groupid, const struct group_stats *g);

/* After instances [first, end) ran (a wave): give each result its groupid and merge every
 * group_reporting group into its first member (job_plan_starts_entry), as fio's
 * __show_run_stats does. */
void bench_groups_merge(const struct job_spec *specs, const struct job_instance *plan, struct job_result *results,
                        size_t first, size_t end);
/* Then the console, as style says (bench/report.h): the terse line of each entry of [first, end),
 * then each entry's report with the group lines after each group. */
void bench_groups_report(const struct job_spec *specs, const struct job_instance *plan,
                         const struct job_result *results, size_t first, size_t end, const struct report_style *style);
/* fio's "jobs" array members for instances [0, n), merged: one element per entry. */
void bench_json_entries(struct json_writer *w, const struct job_spec *specs, const struct job_instance *plan,
                        const struct job_result *results, size_t n, const struct report_style *style);

#endif
