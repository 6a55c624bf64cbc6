#include "bench/group_report.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bench/report.h"
#include "bench/result_merge.h"
#include "bench/terse.h"

void group_stats_init(struct group_stats *g)
{
    memset(g, 0, sizeof *g);
    for (int d = 0; d < DIR_COUNT; d++)
        g->min_run_ms[d] = g->min_bw[d] = UINT64_MAX;
}

void group_stats_add(struct group_stats *g, const struct job_result *r)
{
    uint64_t run_ms = r->runtime_ns / 1000000;
    for (int d = 0; d < DIR_COUNT; d++) {
        if (r->dir[d].ios == 0 || run_ms == 0)
            continue; /* fio skips a direction with no runtime */
        uint64_t bw = (uint64_t)((unsigned __int128)r->dir[d].bytes * 1000 / run_ms);
        g->io_bytes[d] += r->dir[d].bytes;
        g->min_run_ms[d] = run_ms < g->min_run_ms[d] ? run_ms : g->min_run_ms[d];
        g->max_run_ms[d] = run_ms > g->max_run_ms[d] ? run_ms : g->max_run_ms[d];
        g->min_bw[d] = bw < g->min_bw[d] ? bw : g->min_bw[d];
        g->max_bw[d] = bw > g->max_bw[d] ? bw : g->max_bw[d];
        g->entries[d]++;
    }
}

uint64_t group_stats_agg_bw(const struct group_stats *g, int d)
{
    return g->max_run_ms[d] ? (uint64_t)((unsigned __int128)g->io_bytes[d] * 1000 / g->max_run_ms[d]) : 0;
}

void bench_report_group(unsigned groupid, const struct group_stats *g)
{
    static const char *const names[DIR_COUNT] = { "   READ", "  WRITE", "   TRIM" };
    printf("\nRun status group %u (all jobs):\n", groupid);
    for (int d = 0; d < DIR_COUNT; d++) {
        if (g->entries[d] == 0)
            continue;
        double agg = (double)group_stats_agg_bw(g, d), lo = (double)g->min_bw[d], hi = (double)g->max_bw[d];
        double mib = 1024.0 * 1024.0;
        printf("%s: bw=%.1fMiB/s (%.1fMB/s), %.1fMiB/s-%.1fMiB/s (%.1fMB/s-%.1fMB/s), io=%.1fMiB (%.1fMB), run=%" PRIu64
               "-%" PRIu64 "msec\n", names[d], agg / mib, agg / 1e6, lo / mib, hi / mib, lo / 1e6, hi / 1e6,
               (double)g->io_bytes[d] / mib, (double)g->io_bytes[d] / 1e6, g->min_run_ms[d], g->max_run_ms[d]);
    }
}

/* Add the entries of the group that begins at instance g into stats; the end of the group. */
static size_t group_stats_of(const struct job_spec *specs, const struct job_instance *plan,
                             const struct job_result *results, size_t g, size_t end, struct group_stats *stats)
{
    group_stats_init(stats);
    size_t i = g;
    for (; i < end && plan[i].groupid == plan[g].groupid; i++)
        if (job_plan_starts_entry(specs, plan, i))
            group_stats_add(stats, &results[i]);
    return i;
}

void bench_groups_merge(const struct job_spec *specs, const struct job_instance *plan, struct job_result *results,
                        size_t first, size_t end)
{
    size_t entry = first;
    for (size_t i = first; i < end; i++) {
        results[i].groupid = plan[i].groupid;
        if (job_plan_starts_entry(specs, plan, i))
            entry = i;
        else
            job_result_merge(&results[entry], &results[i]);
    }
    /* Each entry's share of its group's aggregate bandwidth (fio's bw_agg) needs the group's. */
    for (size_t g = first, next; g < end; g = next) {
        struct group_stats stats;
        next = group_stats_of(specs, plan, results, g, end, &stats);
        for (size_t k = g; k < next; k++)
            for (int d = 0; d < DIR_COUNT; d++)
                results[k].group_agg_bw[d] = stats.entries[d] > 1 ? group_stats_agg_bw(&stats, d) : 0;
    }
}

void bench_groups_report(const struct job_spec *specs, const struct job_instance *plan,
                         const struct job_result *results, size_t first, size_t end, const struct report_style *style)
{
    for (size_t i = first; i < end && style->terse; i++) {
        if (!job_plan_starts_entry(specs, plan, i))
            continue;
        static char line[8192]; /* 121 fields of at most a few dozen characters each, and a description */
        if (bench_terse_line(line, sizeof line, &specs[i], &results[i], style->fio_version) == 0)
            printf("lunbench: job '%s': its terse line is longer than %zu characters; not printed\n", specs[i].name,
                   sizeof line);
        else
            printf("%s", line);
    }
    for (size_t g = first, next; g < end && style->normal; g = next) {
        struct group_stats stats;
        next = group_stats_of(specs, plan, results, g, end, &stats);
        for (size_t i = g; i < next; i++)
            if (job_plan_starts_entry(specs, plan, i))
                bench_report_job(&specs[i], &results[i], style);
        bench_report_group(plan[g].groupid, &stats);
    }
}

void bench_json_entries(struct json_writer *w, const struct job_spec *specs, const struct job_instance *plan,
                        const struct job_result *results, size_t n, const struct report_style *style)
{
    for (size_t i = 0; i < n; i++)
        if (job_plan_starts_entry(specs, plan, i))
            bench_json_job(w, &specs[i], &results[i], style);
}
