/* fio-compatible latency histogram, latency distribution and sample statistics (lib/histogram.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/histogram.h"
#include "test_support.h"

/* ---- helpers ---- */

/* splitmix64: a fixed seed gives the same samples on every run. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in (0, 1]. */
static double rng_unit(uint64_t *state) { return ((double)(rng_next(state) >> 11) + 1.0) / 9007199254740992.0; }

static uint64_t rng_range(uint64_t *state, uint64_t lo, uint64_t hi) { return lo + rng_next(state) % (hi - lo + 1); }

/* Log-uniform in [1, max]: as many samples per decade at 10 ns as at 1 s. */
static uint64_t rng_log_uniform(uint64_t *state, double max) { return (uint64_t)exp(log(max) * rng_unit(state)); }

static void assert_close(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        fail_msg("got %.17g, want %.17g (relative tolerance %g)", got, want, rel);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The fio definition of a percentile over sorted samples: the ceil(p / 100 * n)-th smallest, with
 * the threshold formed in long double as calc_clat_percentiles forms it. */
static uint64_t exact_percentile(const uint64_t *sorted, size_t n, double p)
{
    long double rank = ceill((long double)p / 100.0L * (long double)n);
    size_t r = rank < 1 ? 1 : (size_t)rank;
    return sorted[r - 1];
}

static void expect_bucket(uint64_t value, unsigned index, uint64_t bucket_value)
{
    if (hist_bucket_index(value) != index)
        fail_msg("index(%llu) = %u, want %u", (unsigned long long)value, hist_bucket_index(value), index);
    assert_int_equal(hist_bucket_value(index), bucket_value);
}

/* ---- bucket index and value (fio's plat_val_to_idx / plat_idx_to_val) ---- */

static void test_small_values_are_exact(void **state)
{
    (void)state;
    for (uint64_t v = 0; v < 128; v++) {
        assert_int_equal(hist_bucket_index(v), v);
        assert_int_equal(hist_bucket_value((unsigned)v), v);
    }
}

static void test_known_buckets(void **state)
{
    (void)state;
    /* 128 = 2^7: msb 7, error bits 1, group base (1 + 1) * 64 = 128, offset (128 >> 1) & 63 = 0.
     * The bucket is [128, 129], 2 wide; its value is the midpoint 128 + 0.5 * 2 = 129. */
    expect_bucket(128, 128, 129);
    expect_bucket(129, 128, 129);
    expect_bucket(130, 129, 131);
    /* 255: msb 7, offset (255 >> 1) & 63 = 63 -> 191; bucket [254, 255], value 254 + 1 = 255. */
    expect_bucket(255, 191, 255);
    /* 256: msb 8, error bits 2, base 3 * 64 = 192, offset 0; bucket [256, 259], value 258. */
    expect_bucket(256, 192, 258);
    /* 1000: msb 9, error bits 3, base 256, offset (1000 >> 3) & 63 = 125 & 63 = 61 -> 317;
     * bucket [512 + 61 * 8, +7] = [1000, 1007], value 1004. */
    expect_bucket(1000, 317, 1004);
    /* 1 ms: msb 19, error bits 13, base 14 * 64 = 896, offset (10^6 >> 13) & 63 = 122 & 63 = 58
     * -> 954; bucket [2^19 + 58 * 8192, +8191] = [999424, 1007615], value 999424 + 4096. */
    expect_bucket(1000000, 954, 1003520);
    /* 2^34 - 1: msb 33, error bits 27, base 28 * 64 = 1792, offset 63 -> 1855, the last bucket,
     * whose value 2^33 + 63.5 * 2^27 is fio_jsonplus_clat2csv's 17112760320 sentinel. */
    expect_bucket((1ull << 34) - 1, HIST_PLAT_NR - 1, 17112760320ull);
    /* From 2^34 up everything is capped into the last bucket. */
    expect_bucket(1ull << 34, HIST_PLAT_NR - 1, 17112760320ull);
    expect_bucket(UINT64_MAX, HIST_PLAT_NR - 1, 17112760320ull);
    /* Past-the-end indices read as the last bucket. */
    assert_int_equal(hist_bucket_value(HIST_PLAT_NR), 17112760320ull);
    assert_int_equal(hist_bucket_value(UINT32_MAX), 17112760320ull);
}

static void test_bucket_value_is_inside_its_bucket(void **state)
{
    (void)state;
    /* Each bucket's value maps back to the same bucket, and values rise strictly with the index. */
    for (unsigned i = 0; i < HIST_PLAT_NR; i++) {
        assert_int_equal(hist_bucket_index(hist_bucket_value(i)), i);
        if (i > 0)
            assert_true(hist_bucket_value(i) > hist_bucket_value(i - 1));
    }
}

static void test_index_is_monotone_and_contiguous(void **state)
{
    (void)state;
    /* Exhaustively through the first 16 groups: each step of 1 ns moves at most one bucket on. */
    unsigned prev = hist_bucket_index(0);
    for (uint64_t v = 1; v < (1u << 22); v++) {
        unsigned idx = hist_bucket_index(v);
        if (idx != prev && idx != prev + 1)
            fail_msg("index(%llu) = %u after %u", (unsigned long long)v, idx, prev);
        prev = idx;
    }
    /* Across every power of two: the next bucket, until the cap. */
    for (unsigned k = 7; k < 64; k++) {
        uint64_t p = 1ull << k;
        unsigned below = hist_bucket_index(p - 1), at = hist_bucket_index(p);
        assert_int_equal(at, below + 1 < HIST_PLAT_NR ? below + 1 : HIST_PLAT_NR - 1);
        assert_true(hist_bucket_index(p + 1) >= at);
    }
    /* Random values in increasing order give non-decreasing indices. */
    uint64_t rng = 1, v[4096];
    for (size_t i = 0; i < 4096; i++)
        v[i] = rng_log_uniform(&rng, 1e11);
    qsort(v, 4096, sizeof v[0], cmp_u64);
    for (size_t i = 1; i < 4096; i++)
        assert_true(hist_bucket_index(v[i]) >= hist_bucket_index(v[i - 1]));
}

static void test_bucket_error_within_1_in_128(void **state)
{
    (void)state;
    /* A bucket 2^e wide starts at or above 2^(e + 6), so its midpoint is within 2^(e - 1) of any
     * value in it: 1/128 of the value (fio's stat.h: error about 1/2^(PLAT_BITS + 1)). */
    uint64_t rng = 42;
    for (int i = 0; i < 200000; i++) {
        uint64_t v = rng_log_uniform(&rng, 1e10); /* 1 ns .. 10 s */
        uint64_t got = hist_bucket_value(hist_bucket_index(v));
        if (v < 128)
            assert_int_equal(got, v);
        double err = fabs((double)got - (double)v);
        if (!(err <= (double)v / 128.0))
            fail_msg("value %llu -> %llu, error %.0f", (unsigned long long)v, (unsigned long long)got, err);
    }
    /* The worst case is exact: the first value of a bucket, half a width below the midpoint. */
    assert_int_equal(hist_bucket_value(hist_bucket_index(8192)), 8192 + 64);
}

/* ---- percentiles (fio's calc_clat_percentiles) ---- */

enum dist { DIST_UNIFORM, DIST_SMALL, DIST_LOG_UNIFORM, DIST_EXPONENTIAL, DIST_BIMODAL, DIST_EQUAL };

static uint64_t draw(enum dist d, uint64_t *rng)
{
    switch (d) {
    case DIST_UNIFORM: return rng_range(rng, 1, 10000000000ull);
    case DIST_SMALL: return rng_range(rng, 0, 1000);
    case DIST_LOG_UNIFORM: return rng_log_uniform(rng, 1e10);
    case DIST_EXPONENTIAL: return (uint64_t)(-50000.0 * log(rng_unit(rng))); /* mean 50 us */
    case DIST_BIMODAL: /* a cache-hit mode near 20 us and a miss mode near 5 ms */
        return rng_next(rng) & 1 ? rng_range(rng, 19000, 21000) : rng_range(rng, 4900000, 5100000);
    case DIST_EQUAL: return 123456;
    }
    return 0;
}

static const double check_pcts[] = {
    0.01, 1, 5, 10, 20, 30, 33.333, 40, 50, 60, 66.7, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100,
};
#define CHECK_PCTS (sizeof check_pcts / sizeof check_pcts[0])

static void check_against_sort(enum dist d, size_t n, uint64_t seed)
{
    uint64_t rng = seed;
    uint64_t *samples = malloc(n * sizeof *samples);
    assert_non_null(samples);
    struct histogram *h = malloc(sizeof *h);
    assert_non_null(h);
    hist_init(h);
    for (size_t i = 0; i < n; i++) {
        samples[i] = draw(d, &rng);
        hist_add(h, samples[i]);
    }
    qsort(samples, n, sizeof *samples, cmp_u64);

    uint64_t got[CHECK_PCTS];
    assert_int_equal(hist_percentiles(h, check_pcts, CHECK_PCTS, got), 0);
    for (size_t j = 0; j < CHECK_PCTS; j++) {
        uint64_t want = exact_percentile(samples, n, check_pcts[j]);
        /* The bucket fio would report: the one holding the exact sample... */
        if (got[j] != hist_bucket_value(hist_bucket_index(want)))
            fail_msg("dist %d n %zu p%g: got %llu, exact %llu", (int)d, n, check_pcts[j],
                     (unsigned long long)got[j], (unsigned long long)want);
        /* ...so exact below 128 ns, and within the bucket error above. */
        if (want < 128)
            assert_int_equal(got[j], want);
        else
            assert_true(fabs((double)got[j] - (double)want) <= (double)want / 128.0);
    }
    /* The 100th percentile is the maximum's bucket. */
    assert_int_equal(got[CHECK_PCTS - 1], hist_bucket_value(hist_bucket_index(samples[n - 1])));
    assert_int_equal(h->max, samples[n - 1]);
    assert_int_equal(h->min, samples[0]);
    free(h);
    free(samples);
}

static void test_percentiles_match_sorting(void **state)
{
    (void)state;
    const enum dist dists[] = { DIST_UNIFORM, DIST_SMALL, DIST_LOG_UNIFORM, DIST_EXPONENTIAL, DIST_BIMODAL, DIST_EQUAL };
    /* Small and odd sizes make p / 100 * n fall between samples; 100 and 10000 put it exactly on
     * one for many p. */
    const size_t sizes[] = { 1, 2, 3, 7, 100, 1000, 10007, 100000 };
    for (size_t di = 0; di < sizeof dists / sizeof dists[0]; di++)
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
            check_against_sort(dists[di], sizes[si], 1000 * di + si + 1);
}

static void test_percentiles_hand_computed(void **state)
{
    (void)state;
    /* Samples 1..10 (all exact buckets): p50 needs a running count of 5 -> 5; p55 needs 5.5 -> 6;
     * p10 needs 1 -> 1; p99 needs 9.9 -> 10. */
    struct histogram h;
    hist_init(&h);
    for (uint64_t v = 10; v >= 1; v--)
        hist_add(&h, v);
    const double p[] = { 10, 50, 55, 99, 100 };
    uint64_t got[5];
    assert_int_equal(hist_percentiles(&h, p, 5, got), 0);
    const uint64_t want[] = { 1, 5, 6, 10, 10 };
    for (int i = 0; i < 5; i++)
        assert_int_equal(got[i], want[i]);
}

static void test_percentiles_default_list(void **state)
{
    (void)state;
    /* fio's options.c default: 1:5:10:20:30:40:50:60:70:80:90:95:99:99.5:99.9:99.95:99.99. */
    const double want[] = { 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99 };
    assert_int_equal(hist_default_percentiles_count, 17);
    assert_true(hist_default_percentiles_count <= HIST_MAX_PERCENTILES);
    for (size_t i = 0; i < 17; i++)
        assert_true(hist_default_percentiles[i] == want[i]);
    /* And the function accepts it as it is. */
    struct histogram h;
    hist_init(&h);
    hist_add(&h, 5000);
    uint64_t got[17];
    assert_int_equal(hist_percentiles(&h, hist_default_percentiles, hist_default_percentiles_count, got), 0);
    for (size_t i = 0; i < 17; i++)
        assert_int_equal(got[i], hist_bucket_value(hist_bucket_index(5000)));
}

static void test_percentiles_reject_bad_lists(void **state)
{
    (void)state;
    struct histogram h;
    hist_init(&h);
    hist_add(&h, 1000);
    uint64_t got[3] = { 7, 7, 7 };
    const double descending[] = { 50, 10 };
    const double duplicate[] = { 10, 50, 50 };
    const double zero[] = { 0, 50 };
    const double negative[] = { -1, 50 };
    const double over[] = { 50, 100.0001 };
    const double nan_[] = { 10, NAN };
    assert_int_equal(hist_percentiles(&h, descending, 2, got), -1);
    assert_int_equal(hist_percentiles(&h, duplicate, 3, got), -1);
    assert_int_equal(hist_percentiles(&h, zero, 2, got), -1);
    assert_int_equal(hist_percentiles(&h, negative, 2, got), -1);
    assert_int_equal(hist_percentiles(&h, over, 2, got), -1);
    assert_int_equal(hist_percentiles(&h, nan_, 2, got), -1);
    /* Refused lists are refused on an empty histogram too. */
    struct histogram empty;
    hist_init(&empty);
    assert_int_equal(hist_percentiles(&empty, descending, 2, got), -1);
    /* An empty list is fine and writes nothing. */
    assert_int_equal(hist_percentiles(&h, descending, 0, got), 0);
    assert_int_equal(got[0], 7);
}

static void test_percentiles_empty_histogram(void **state)
{
    (void)state;
    struct histogram h;
    hist_init(&h);
    uint64_t got[17];
    memset(got, 0xff, sizeof got);
    assert_int_equal(hist_percentiles(&h, hist_default_percentiles, hist_default_percentiles_count, got), 0);
    for (size_t i = 0; i < 17; i++)
        assert_int_equal(got[i], 0);
}

static void test_percentiles_corrupt_count(void **state)
{
    (void)state;
    /* A count larger than what the buckets hold cannot reach the high percentiles. */
    struct histogram h;
    hist_init(&h);
    hist_add(&h, 10);
    hist_add(&h, 20);
    h.count = 4;
    const double p[] = { 50, 100 };
    uint64_t got[2];
    assert_int_equal(hist_percentiles(&h, p, 2, got), -1);
}

static void test_huge_values_cap_in_last_bucket(void **state)
{
    (void)state;
    struct histogram h;
    hist_init(&h);
    hist_add(&h, 100);
    hist_add(&h, 60000000000ull); /* 60 s: past fio's 2^34 ns range */
    assert_int_equal(h.buckets[HIST_PLAT_NR - 1], 1);
    assert_int_equal(h.max, 60000000000ull); /* max stays exact */
    const double p[] = { 50, 100 };
    uint64_t got[2];
    assert_int_equal(hist_percentiles(&h, p, 2, got), 0);
    assert_int_equal(got[0], 100);
    assert_int_equal(got[1], 17112760320ull);
}

/* ---- count, min, max, mean, stddev, merge ---- */

static void test_init_state(void **state)
{
    (void)state;
    struct histogram h;
    memset(&h, 0x5a, sizeof h);
    hist_init(&h);
    assert_int_equal(h.count, 0);
    assert_int_equal(h.min, UINT64_MAX);
    assert_int_equal(h.max, 0);
    assert_true(h.mean == 0.0 && h.m2 == 0.0);
    assert_true(hist_stddev(&h) == 0.0);
    for (unsigned i = 0; i < HIST_PLAT_NR; i++)
        assert_int_equal(h.buckets[i], 0);
}

/* Two-pass mean and sample standard deviation in long double, the reference for Welford. */
static void direct_moments(const uint64_t *v, size_t n, double *mean, double *stddev)
{
    long double sum = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    long double m = sum / n;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - m) * (v[i] - m);
    *mean = (double)m;
    *stddev = n > 1 ? (double)sqrtl(ss / (n - 1)) : 0.0;
}

static void test_moments_exact(void **state)
{
    (void)state;
    const enum dist dists[] = { DIST_UNIFORM, DIST_LOG_UNIFORM, DIST_EXPONENTIAL, DIST_BIMODAL, DIST_SMALL };
    for (size_t di = 0; di < sizeof dists / sizeof dists[0]; di++) {
        enum { N = 50000 };
        static uint64_t v[N];
        uint64_t rng = 77 + di, lo = UINT64_MAX, hi = 0;
        struct histogram h;
        hist_init(&h);
        for (size_t i = 0; i < N; i++) {
            v[i] = draw(dists[di], &rng);
            hist_add(&h, v[i]);
            lo = v[i] < lo ? v[i] : lo;
            hi = v[i] > hi ? v[i] : hi;
        }
        double mean, sd;
        direct_moments(v, N, &mean, &sd);
        assert_int_equal(h.count, N);
        assert_int_equal(h.min, lo);
        assert_int_equal(h.max, hi);
        assert_close(h.mean, mean, 1e-12);
        assert_close(hist_stddev(&h), sd, 1e-9);
        uint64_t total = 0;
        for (unsigned i = 0; i < HIST_PLAT_NR; i++)
            total += h.buckets[i];
        assert_int_equal(total, N);
    }
}

static void test_stddev_is_sample_formula(void **state)
{
    (void)state;
    /* 2,4,4,4,5,5,7,9: mean 5, squared deviations sum to 32; fio's calc_lat gives sqrt(32 / 7). */
    const uint64_t v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
    struct histogram h;
    hist_init(&h);
    for (size_t i = 0; i < 8; i++)
        hist_add(&h, v[i]);
    assert_close(h.mean, 5.0, 1e-15);
    assert_close(h.m2, 32.0, 1e-14);
    assert_close(hist_stddev(&h), sqrt(32.0 / 7.0), 1e-15);
    /* One sample: stddev 0, not NaN. */
    struct histogram one;
    hist_init(&one);
    hist_add(&one, 42);
    assert_true(hist_stddev(&one) == 0.0);
    assert_true(one.mean == 42.0);
    assert_int_equal(one.min, 42);
    assert_int_equal(one.max, 42);
}

static void test_welford_is_stable_with_a_large_offset(void **state)
{
    (void)state;
    /* 10 s + {4, 7, 13, 16} ns: variance 90 / 3 = 30. A sum of squares (10^20) in a double would
     * have lost it entirely. */
    struct histogram h;
    hist_init(&h);
    const uint64_t base = 10000000000ull;
    const uint64_t d[] = { 4, 7, 13, 16 };
    for (int rep = 0; rep < 1000; rep++)
        for (int i = 0; i < 4; i++)
            hist_add(&h, base + d[i]);
    assert_close(h.mean, (double)(base + 10), 1e-15);
    /* 4000 samples: m2 = 1000 * 90, stddev sqrt(90000 / 3999). */
    assert_close(hist_stddev(&h), sqrt(90000.0 / 3999.0), 1e-6);
}

static void fill(struct histogram *h, struct histogram *all, enum dist d, size_t n, uint64_t seed)
{
    uint64_t rng = seed;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = draw(d, &rng);
        hist_add(h, v);
        hist_add(all, v);
    }
}

static void expect_same(const struct histogram *got, const struct histogram *want)
{
    assert_memory_equal(got->buckets, want->buckets, sizeof want->buckets);
    assert_int_equal(got->count, want->count);
    assert_int_equal(got->min, want->min);
    assert_int_equal(got->max, want->max);
    assert_close(got->mean, want->mean, 1e-9);
    assert_close(hist_stddev(got), hist_stddev(want), 1e-9);
}

static void test_merge_equals_adding_all(void **state)
{
    (void)state;
    static struct histogram a, b, all;
    /* Different distributions, sizes and means, so that the between-group term matters. */
    hist_init(&a);
    hist_init(&b);
    hist_init(&all);
    fill(&a, &all, DIST_EXPONENTIAL, 30000, 5);
    fill(&b, &all, DIST_BIMODAL, 7000, 6);
    hist_merge(&a, &b);
    expect_same(&a, &all);

    /* Merging several pieces in turn. */
    static struct histogram parts[4], total, all2;
    hist_init(&total);
    hist_init(&all2);
    for (int i = 0; i < 4; i++) {
        hist_init(&parts[i]);
        fill(&parts[i], &all2, (enum dist)i, 1000u * (unsigned)(i + 1), 100 + (uint64_t)i);
        hist_merge(&total, &parts[i]);
    }
    expect_same(&total, &all2);
}

static void test_merge_with_empty(void **state)
{
    (void)state;
    static struct histogram h, empty, copy, e2;
    hist_init(&h);
    hist_init(&empty);
    hist_add(&h, 300);
    hist_add(&h, 900);
    copy = h;
    /* Merging an empty histogram changes nothing. */
    hist_merge(&h, &empty);
    assert_memory_equal(&h, &copy, sizeof h);
    /* Merging into an empty histogram copies the statistics. */
    hist_merge(&empty, &h);
    assert_memory_equal(&empty, &copy, sizeof h);
    assert_close(hist_stddev(&empty), sqrt(2.0 * 300.0 * 300.0), 1e-15); /* deviations +-300 */
    /* Two empty histograms stay empty, min still UINT64_MAX. */
    static struct histogram e1;
    hist_init(&e1);
    hist_init(&e2);
    hist_merge(&e1, &e2);
    assert_int_equal(e1.count, 0);
    assert_int_equal(e1.min, UINT64_MAX);
    assert_true(e1.mean == 0.0 && e1.m2 == 0.0);
}

/* ---- latency distribution (fio's io_u_mark_latency) ---- */

enum scale { NS, US, MS };

static void expect_lat_bucket(uint64_t ns, enum scale scale, unsigned idx)
{
    struct lat_dist d;
    lat_dist_init(&d);
    lat_dist_add(&d, ns);
    assert_int_equal(d.total, 1);
    const uint64_t *arrays[3] = { d.ns, d.us, d.ms };
    const unsigned sizes[3] = { 10, 10, 12 };
    for (unsigned s = 0; s < 3; s++)
        for (unsigned i = 0; i < sizes[s]; i++) {
            uint64_t want = (s == (unsigned)scale && i == idx) ? 1 : 0;
            if (arrays[s][i] != want)
                fail_msg("%llu ns: scale %u index %u holds %llu, want %llu", (unsigned long long)ns, s, i,
                         (unsigned long long)arrays[s][i], (unsigned long long)want);
        }
}

static void test_lat_dist_boundaries(void **state)
{
    (void)state;
    /* Keys name the exclusive upper bound: "2" holds 0..1, "4" 2..3, "10" 4..9, ... */
    expect_lat_bucket(0, NS, 0);
    expect_lat_bucket(1, NS, 0);
    expect_lat_bucket(2, NS, 1);
    expect_lat_bucket(3, NS, 1);
    expect_lat_bucket(4, NS, 2);
    expect_lat_bucket(9, NS, 2);
    expect_lat_bucket(10, NS, 3);
    expect_lat_bucket(19, NS, 3);
    expect_lat_bucket(20, NS, 4);
    expect_lat_bucket(49, NS, 4);
    expect_lat_bucket(50, NS, 5);
    expect_lat_bucket(99, NS, 5);
    expect_lat_bucket(100, NS, 6);
    expect_lat_bucket(249, NS, 6);
    expect_lat_bucket(250, NS, 7);
    expect_lat_bucket(499, NS, 7);
    expect_lat_bucket(500, NS, 8);
    expect_lat_bucket(749, NS, 8);
    expect_lat_bucket(750, NS, 9);
    expect_lat_bucket(999, NS, 9);
    /* 1000 ns is 1 us: the us scale's "2" range (fio passes nsec / 1000 to io_u_mark_lat_usec). */
    expect_lat_bucket(1000, US, 0);
    expect_lat_bucket(1999, US, 0);
    expect_lat_bucket(2000, US, 1);
    expect_lat_bucket(9999, US, 2);
    expect_lat_bucket(10000, US, 3);
    expect_lat_bucket(749999, US, 8);
    expect_lat_bucket(750000, US, 9);
    expect_lat_bucket(999999, US, 9); /* 999 us, truncated */
    /* 1 ms and up: whole milliseconds, with "2000" for 1000..1999 ms and ">=2000" beyond. */
    expect_lat_bucket(1000000, MS, 0);
    expect_lat_bucket(1999999, MS, 0);
    expect_lat_bucket(2000000, MS, 1);
    expect_lat_bucket(999999999, MS, 9);
    expect_lat_bucket(1000000000, MS, 10);
    expect_lat_bucket(1999999999, MS, 10); /* 1999 ms */
    expect_lat_bucket(2000000000, MS, 11);
    expect_lat_bucket(UINT64_MAX, MS, 11);
}

static void test_lat_dist_counts_and_keys(void **state)
{
    (void)state;
    const char *want[12] = { "2", "4", "10", "20", "50", "100", "250", "500", "750", "1000", "2000", ">=2000" };
    for (int i = 0; i < 12; i++)
        assert_string_equal(lat_dist_keys[i], want[i]);
    struct lat_dist d;
    memset(&d, 0x5a, sizeof d);
    lat_dist_init(&d);
    assert_int_equal(d.total, 0);
    for (int i = 0; i < 5; i++)
        lat_dist_add(&d, 150);
    lat_dist_add(&d, 150000);
    lat_dist_add(&d, 3000000000ull);
    assert_int_equal(d.total, 7);
    assert_int_equal(d.ns[6], 5);
    assert_int_equal(d.us[6], 1);
    assert_int_equal(d.ms[11], 1);
    uint64_t sum = 0;
    for (int i = 0; i < 10; i++)
        sum += d.ns[i] + d.us[i];
    sum += d.ms[10] + d.ms[11];
    for (int i = 0; i < 10; i++)
        sum += d.ms[i];
    assert_int_equal(sum, d.total);
}

/* ---- sample series (fio's bw_* and iops_* keys) ---- */

static void test_sample_stats_known_series(void **state)
{
    (void)state;
    struct sample_stats s;
    memset(&s, 0x5a, sizeof s);
    sample_stats_init(&s);
    const double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
    for (int i = 0; i < 8; i++)
        sample_stats_add(&s, v[i]);
    assert_int_equal(s.n, 8);
    assert_true(s.min == 2.0 && s.max == 9.0);
    assert_close(s.mean, 5.0, 1e-15);
    assert_close(sample_stats_stddev(&s), 2.1380899352993950, 1e-15); /* sqrt(32 / 7) */
}

static void test_sample_stats_small_and_signed(void **state)
{
    (void)state;
    struct sample_stats s;
    sample_stats_init(&s);
    /* Empty: zeros, as fio prints iops_min/max/mean/stddev with no samples. */
    assert_int_equal(s.n, 0);
    assert_true(s.min == 0.0 && s.max == 0.0 && s.mean == 0.0 && sample_stats_stddev(&s) == 0.0);
    /* One sample: min = max = mean, stddev 0 (fio's n > 1 rule). */
    sample_stats_add(&s, 1234.5);
    assert_true(s.min == 1234.5 && s.max == 1234.5 && s.mean == 1234.5);
    assert_true(sample_stats_stddev(&s) == 0.0);
    /* The first sample sets min and max even when it is negative or above 0. */
    struct sample_stats t;
    sample_stats_init(&t);
    sample_stats_add(&t, -3.5);
    sample_stats_add(&t, 2.25);
    sample_stats_add(&t, -1.0);
    assert_true(t.min == -3.5 && t.max == 2.25);
    assert_close(t.mean, (-3.5 + 2.25 - 1.0) / 3.0, 1e-15);
    double m = t.mean;
    double var = ((-3.5 - m) * (-3.5 - m) + (2.25 - m) * (2.25 - m) + (-1.0 - m) * (-1.0 - m)) / 2.0;
    assert_close(sample_stats_stddev(&t), sqrt(var), 1e-14);
    /* Large offset: Welford keeps the small spread of 1e9 + {4, 7, 13, 16} (variance 30). */
    struct sample_stats u;
    sample_stats_init(&u);
    const double d[] = { 4, 7, 13, 16 };
    for (int i = 0; i < 4; i++)
        sample_stats_add(&u, 1e9 + d[i]);
    assert_close(sample_stats_stddev(&u), sqrt(30.0), 1e-9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_values_are_exact),
        cmocka_unit_test(test_known_buckets),
        cmocka_unit_test(test_bucket_value_is_inside_its_bucket),
        cmocka_unit_test(test_index_is_monotone_and_contiguous),
        cmocka_unit_test(test_bucket_error_within_1_in_128),
        cmocka_unit_test(test_percentiles_match_sorting),
        cmocka_unit_test(test_percentiles_hand_computed),
        cmocka_unit_test(test_percentiles_default_list),
        cmocka_unit_test(test_percentiles_reject_bad_lists),
        cmocka_unit_test(test_percentiles_empty_histogram),
        cmocka_unit_test(test_percentiles_corrupt_count),
        cmocka_unit_test(test_huge_values_cap_in_last_bucket),
        cmocka_unit_test(test_init_state),
        cmocka_unit_test(test_moments_exact),
        cmocka_unit_test(test_stddev_is_sample_formula),
        cmocka_unit_test(test_welford_is_stable_with_a_large_offset),
        cmocka_unit_test(test_merge_equals_adding_all),
        cmocka_unit_test(test_merge_with_empty),
        cmocka_unit_test(test_lat_dist_boundaries),
        cmocka_unit_test(test_lat_dist_counts_and_keys),
        cmocka_unit_test(test_sample_stats_known_series),
        cmocka_unit_test(test_sample_stats_small_and_signed),
    };
    return cmocka_run_group_tests_name("histogram", tests, NULL, NULL);
}
