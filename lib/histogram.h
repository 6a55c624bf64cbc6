/*
 * Latency accounting in fio's terms, so that numbers and JSON match what fio users know:
 * - struct histogram: fio's log-linear latency histogram (stat.h: FIO_IO_U_PLAT_BITS 6, 64
 *   buckets per power of two, 29 groups, 1856 buckets; values below 128 ns exact; a bucket's
 *   value is its midpoint, within 1/128 (0.8%) of any value in it below 2^34 ns), with count,
 *   min, max, mean and stddev kept exactly (Welford), percentiles computed as fio's
 *   calc_clat_percentiles does, and merging;
 * - struct lat_dist: fio's latency_ns / latency_us / latency_ms distributions (io_u_mark_latency);
 * - struct sample_stats: min, max, mean, stddev and count of a series of samples (the per-second
 *   IOPS and bandwidth samples behind fio's iops_* and bw_* keys).
 * Memory is fixed: nothing grows with the number of samples.
 */
#ifndef LIB_HISTOGRAM_H
#define LIB_HISTOGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HIST_PLAT_BITS 6
#define HIST_PLAT_VAL (1u << HIST_PLAT_BITS)
#define HIST_PLAT_GROUP_NR 29
#define HIST_PLAT_NR (HIST_PLAT_GROUP_NR * HIST_PLAT_VAL) /* 1856 */
#define HIST_MAX_PERCENTILES 20                           /* fio's FIO_IO_U_LIST_MAX_LEN */

struct histogram {
    uint64_t buckets[HIST_PLAT_NR];
    uint64_t count;
    uint64_t min, max; /* exact; min is UINT64_MAX while count is 0 */
    double mean, m2;   /* Welford's running mean and sum of squared deviations */
};

void hist_init(struct histogram *h);
void hist_add(struct histogram *h, uint64_t value);
void hist_merge(struct histogram *dst, const struct histogram *src);
/* fio's plat_val_to_idx and plat_idx_to_val. */
unsigned hist_bucket_index(uint64_t value);
uint64_t hist_bucket_value(unsigned index);
/* Sample standard deviation as fio's calc_lat reports it (sqrt(m2 / (n - 1)) for n > 1, else 0). */
double hist_stddev(const struct histogram *h);
/* For each percentile in pcts[0..n) (strictly ascending, each in (0, 100]), the value of the first
 * bucket at which the running count reaches pct/100 * count, exactly as fio's
 * calc_clat_percentiles. With count 0 every value is 0. Returns 0, or -1 if pcts is not strictly
 * ascending or out of range, or if the buckets hold fewer samples than count. */
int hist_percentiles(const struct histogram *h, const double *pcts, size_t n, uint64_t *values);

/* fio's default percentile list: 1:5:10:20:30:40:50:60:70:80:90:95:99:99.5:99.9:99.95:99.99. */
extern const double hist_default_percentiles[];
extern const size_t hist_default_percentiles_count;

/* fio's io_u_mark_latency: counts in the ranges behind latency_ns {"2","4","10","20","50","100",
 * "250","500","750","1000"}, latency_us (same keys) and latency_ms (the same plus "2000",
 * ">=2000"). */
struct lat_dist {
    uint64_t ns[10], us[10], ms[12];
    uint64_t total;
};

void lat_dist_init(struct lat_dist *d);
void lat_dist_add(struct lat_dist *d, uint64_t ns);
extern const char *const lat_dist_keys[12];

struct sample_stats {
    uint64_t n;
    double min, max, mean, m2;
};

void sample_stats_init(struct sample_stats *s);
void sample_stats_add(struct sample_stats *s, double value);
double sample_stats_stddev(const struct sample_stats *s); /* sqrt(m2 / (n - 1)), 0 for n < 2 */

#endif
