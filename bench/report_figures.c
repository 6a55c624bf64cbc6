#include "bench/report_figures.h"

uint64_t report_error_count(const struct job_result *r)
{
    uint64_t errors = 0;
    for (int k = 0; k < ERR_KINDS; k++)
        errors += r->errors[k];
    return errors;
}

int report_error(const struct job_result *r) { return report_error_count(r) ? 5 : 0; /* EIO */ }

double report_bw_agg(const struct dir_result *d, uint64_t group_agg_bw)
{
    if (d->ios == 0)
        return 0.0;
    if (group_agg_bw == 0 || d->bw_samples.n == 0)
        return 100.0;
    double p = d->bw_samples.mean * 100.0 / ((double)group_agg_bw / 1024.0);
    return p > 100.0 ? 100.0 : p;
}

/* The share of count in total, a non-zero count shown as at least floor (fio's stat.c). */
static double share(uint64_t count, uint64_t total, double floor)
{
    if (total == 0)
        return 0.0;
    double p = 100.0 * (double)count / (double)total;
    return count != 0 && p < floor ? floor : p;
}

void report_depth_dist(const struct job_result *r, double pct[IODEPTH_LEVELS])
{
    uint64_t total = 0;
    for (int i = 0; i < IODEPTH_LEVELS; i++)
        total += r->iodepth_level[i];
    for (int i = 0; i < IODEPTH_LEVELS; i++)
        pct[i] = share(r->iodepth_level[i], total, 0.1);
}

void report_lat_pct(const uint64_t *counts, size_t n, uint64_t total, double *pct)
{
    for (size_t i = 0; i < n; i++)
        pct[i] = share(counts[i], total, 0.01);
}
