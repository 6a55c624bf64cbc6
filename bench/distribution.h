/*
 * Where random offsets fall: fio's random_distribution models (bench/job.h, struct
 * job_distribution) over a region of n units. zipf and pareto follow fio's lib/zipf.c formulas
 * (Gray et al.'s zipf generator, pareto by the power log(h)/log(1-h)); normal is a Gaussian with
 * the deviation in percent of the region; zoned and zoned_abs pick a zone by its share of the
 * I/Os, then a unit in it uniformly. Without a center, zipf, pareto and normal scatter their
 * ranks over the region as fio does (with a permutation where fio hashes), so the hot units are
 * spread out; with one, the
 * most likely unit sits at center * n. The random numbers are lunbench's (xorshift64), so the
 * sequence of offsets differs from fio's; the distribution is the same. Pure code.
 */
#ifndef BENCH_DISTRIBUTION_H
#define BENCH_DISTRIBUTION_H

#include <stdint.h>

#include "bench/job.h"

/* zetan is summed exactly over this many ranks (fio sums all of them); past it the tail is the
 * integral of x^-theta, within 1e-7 of the sum. */
#define DIST_ZETA_EXACT 10000000u

struct dist_state {
    const struct job_distribution *d;
    uint64_t n;              /* units in the region */
    uint64_t unit_bytes;     /* for zoned_abs */
    uint64_t offset;         /* fio's rand_off: the random (or center) shift of the ranks */
    uint64_t scatter;        /* prime to n: rank * scatter mod n spreads the ranks */
    double zetan, zeta2;     /* zipf */
    double pareto_pow;
    uint64_t zone_lo[JOB_ZONES_MAX], zone_hi[JOB_ZONES_MAX]; /* zoned: units [lo, hi) */
};

/* Set up for a region of n units (n >= 1) of unit_bytes each; *rng draws the random shift. */
void dist_init(struct dist_state *s, const struct job_distribution *d, uint64_t n, uint64_t unit_bytes, uint64_t *rng);
/* The next unit, in [0, n). */
uint64_t dist_next(const struct dist_state *s, uint64_t *rng);
/* zipf's normalisation: the sum of 1/i^theta for i = 1..n (exact up to DIST_ZETA_EXACT). */
double dist_zeta(uint64_t n, double theta);
/* lunbench's generator: xorshift64 (Marsaglia), never 0 when seeded non-zero. */
uint64_t dist_xorshift(uint64_t *state);

#endif
