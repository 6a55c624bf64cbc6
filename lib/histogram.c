#include "histogram.h"

#include <math.h>
#include <string.h>

const double hist_default_percentiles[] = {
    1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99,
};
const size_t hist_default_percentiles_count = sizeof hist_default_percentiles / sizeof hist_default_percentiles[0];

/* ---- running moments, shared by struct histogram and struct sample_stats ---- */

/* Welford's update for the (n + 1)th value x: the same recurrence as fio's add_stat_sample. */
static void moments_add(uint64_t n_before, double *mean, double *m2, double x)
{
    double delta = x - *mean;
    *mean += delta / ((double)n_before + 1.0);
    *m2 += delta * (x - *mean);
}

/* Chan, Golub and LeVeque's pairwise combination of two sets of moments (the formula fio's
 * __sum_stat cites). The counts are multiplied as doubles: fio multiplies them as 64-bit
 * integers, which would overflow for two halves of more than 2^32 samples each. */
static void moments_merge(uint64_t na, double *mean_a, double *m2_a, uint64_t nb, double mean_b, double m2_b)
{
    if (nb == 0)
        return;
    if (na == 0) {
        *mean_a = mean_b;
        *m2_a = m2_b;
        return;
    }
    double n = (double)na + (double)nb;
    double delta = mean_b - *mean_a;
    *mean_a += delta * ((double)nb / n);
    *m2_a += m2_b + delta * delta * ((double)na * (double)nb / n);
}

/* fio's calc_lat: sqrt(S / (n - 1)), the sample (Bessel-corrected) standard deviation, and 0 for
 * fewer than two samples. */
static double moments_stddev(uint64_t n, double m2)
{
    if (n < 2)
        return 0.0;
    return sqrt(m2 / ((double)n - 1.0));
}

/* ---- histogram ---- */

void hist_init(struct histogram *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

/*
 * fio's plat_val_to_idx. Values below 2 * HIST_PLAT_VAL (128) have a bucket each. Above that, a
 * value whose highest set bit is bit msb (msb >= 7) keeps its top HIST_PLAT_BITS + 1 bits: the
 * leading 1 picks the group, the next 6 bits pick one of the 64 buckets in it, and the
 * msb - 6 bits below them ("error bits") are dropped, so a bucket is 2^(msb - 6) wide. Group g
 * (g = msb - 5 >= 2) starts at index g * 64. Everything from 2^34 ns (about 17.2 s) up lands in
 * the last bucket.
 */
unsigned hist_bucket_index(uint64_t value)
{
    if (value < 2 * HIST_PLAT_VAL)
        return (unsigned)value;
    unsigned msb = 63u - (unsigned)__builtin_clzll(value);
    unsigned error_bits = msb - HIST_PLAT_BITS;
    unsigned base = (error_bits + 1) << HIST_PLAT_BITS;
    unsigned offset = (unsigned)(value >> error_bits) & (HIST_PLAT_VAL - 1);
    unsigned index = base + offset;
    return index < HIST_PLAT_NR - 1 ? index : HIST_PLAT_NR - 1;
}

/*
 * fio's plat_idx_to_val: the midpoint of the bucket, base + (k + 0.5) * width. fio computes it in
 * floating point and truncates; with error_bits >= 1 the width is even, so the integer form here
 * is the same number. An index past the end is taken as the last bucket (fio asserts instead).
 */
uint64_t hist_bucket_value(unsigned index)
{
    if (index >= HIST_PLAT_NR)
        index = HIST_PLAT_NR - 1;
    if (index < 2 * HIST_PLAT_VAL)
        return index;
    unsigned error_bits = (index >> HIST_PLAT_BITS) - 1;
    uint64_t base = (uint64_t)1 << (error_bits + HIST_PLAT_BITS);
    uint64_t k = index & (HIST_PLAT_VAL - 1);
    return base + (k << error_bits) + ((uint64_t)1 << (error_bits - 1));
}

void hist_add(struct histogram *h, uint64_t value)
{
    h->buckets[hist_bucket_index(value)]++;
    if (value < h->min)
        h->min = value;
    if (value > h->max)
        h->max = value;
    moments_add(h->count, &h->mean, &h->m2, (double)value);
    h->count++;
}

void hist_merge(struct histogram *dst, const struct histogram *src)
{
    for (unsigned i = 0; i < HIST_PLAT_NR; i++)
        dst->buckets[i] += src->buckets[i];
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    moments_merge(dst->count, &dst->mean, &dst->m2, src->count, src->mean, src->m2);
    dst->count += src->count;
}

double hist_stddev(const struct histogram *h) { return moments_stddev(h->count, h->m2); }

/*
 * fio's calc_clat_percentiles: walk the buckets in order keeping a running count, and give a
 * percentile p the value of the first bucket at which the running count reaches p / 100 * count.
 * That is the bucket holding the ceil(p / 100 * count)-th smallest sample. The threshold is
 * computed in long double, as fio does, so that results agree with fio at exact boundaries.
 * fio sorts the list itself; here the caller passes it sorted, so that the output order is the
 * caller's (duplicates are refused: they would repeat a JSON key).
 */
int hist_percentiles(const struct histogram *h, const double *pcts, size_t n, uint64_t *values)
{
    for (size_t j = 0; j < n; j++) {
        if (!(pcts[j] > 0.0 && pcts[j] <= 100.0)) /* also refuses NaN */
            return -1;
        if (j > 0 && !(pcts[j] > pcts[j - 1]))
            return -1;
    }
    if (h->count == 0) {
        for (size_t j = 0; j < n; j++)
            values[j] = 0;
        return 0;
    }
    uint64_t running = 0;
    size_t j = 0;
    for (unsigned i = 0; i < HIST_PLAT_NR && j < n; i++) {
        running += h->buckets[i];
        while (j < n && (long double)running >= (long double)pcts[j] / 100.0L * (long double)h->count)
            values[j++] = hist_bucket_value(i);
    }
    /* Only a histogram whose count exceeds what its buckets hold gets here. */
    return j == n ? 0 : -1;
}

/* ---- latency distribution ---- */

const char *const lat_dist_keys[12] = {
    "2", "4", "10", "20", "50", "100", "250", "500", "750", "1000", "2000", ">=2000",
};

/* Upper bounds (exclusive) of the ranges in fio's io_u_mark_lat_nsec/usec/msec switches; the
 * ns and us scales stop at 1000, the ms scale goes on to 2000 and then ">=2000". */
static const uint64_t lat_dist_bounds[11] = { 2, 4, 10, 20, 50, 100, 250, 500, 750, 1000, 2000 };

static unsigned lat_dist_index(uint64_t v)
{
    unsigned i = 0;
    while (i < 11 && v >= lat_dist_bounds[i])
        i++;
    return i;
}

void lat_dist_init(struct lat_dist *d) { memset(d, 0, sizeof *d); }

/* fio's io_u_mark_latency: below 1 us count in ns, below 1 ms in whole us (truncated), else in
 * whole ms; so 1000 ns is 1 us and lands in the us "2" range, 999999 ns in the us "1000" range. */
void lat_dist_add(struct lat_dist *d, uint64_t ns)
{
    if (ns < 1000)
        d->ns[lat_dist_index(ns)]++;
    else if (ns < 1000000)
        d->us[lat_dist_index(ns / 1000)]++;
    else
        d->ms[lat_dist_index(ns / 1000000)]++;
    d->total++;
}

/* ---- sample series ---- */

/* Empty stats read 0 for min and max, as fio prints them when calc_lat finds no samples. */
void sample_stats_init(struct sample_stats *s) { memset(s, 0, sizeof *s); }

void sample_stats_add(struct sample_stats *s, double value)
{
    if (s->n == 0 || value < s->min)
        s->min = value;
    if (s->n == 0 || value > s->max)
        s->max = value;
    moments_add(s->n, &s->mean, &s->m2, value);
    s->n++;
}

double sample_stats_stddev(const struct sample_stats *s) { return moments_stddev(s->n, s->m2); }
