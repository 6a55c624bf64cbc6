#include "bench/distribution.h"

#include <math.h>
#include <string.h>

uint64_t dist_xorshift(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* A uniform double in [0, 1): the top 53 bits. */
static double uniform01(uint64_t *rng) { return (double)(dist_xorshift(rng) >> 11) * (1.0 / 9007199254740992.0); }

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b != 0) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

double dist_zeta(uint64_t n, double theta)
{
    uint64_t exact = n < DIST_ZETA_EXACT ? n : DIST_ZETA_EXACT;
    double sum = 0.0;
    for (uint64_t i = exact; i >= 1; i--) /* smallest terms first: less rounding */
        sum += pow((double)i, -theta);
    if (n > exact) /* the integral from exact + 0.5 to n + 0.5 (midpoint rule) */
        sum += (pow((double)n + 0.5, 1.0 - theta) - pow((double)exact + 0.5, 1.0 - theta)) / (1.0 - theta);
    return sum;
}

void dist_init(struct dist_state *s, const struct job_distribution *d, uint64_t n, uint64_t unit_bytes, uint64_t *rng)
{
    memset(s, 0, sizeof *s);
    s->d = d;
    s->n = n;
    s->unit_bytes = unit_bytes;
    /* Ranks are scattered by multiplying with a number prime to n near n / phi: a permutation of
     * the region, so no two ranks share a unit (fio's hash can merge them). */
    s->scatter = (uint64_t)((double)n * 0.6180339887498949) | 1;
    while (gcd(s->scatter, n) != 1)
        s->scatter += 2;
    s->offset = d->center >= 0.0 ? (uint64_t)(d->center * (double)(n - 1) + 0.5) : dist_xorshift(rng) % n;
    switch (d->kind) {
    case JOB_DIST_ZIPF:
        s->zetan = dist_zeta(n, d->param);
        s->zeta2 = 1.0 + pow(0.5, d->param);
        break;
    case JOB_DIST_PARETO: s->pareto_pow = log(d->param) / log(1.0 - d->param); break;
    case JOB_DIST_ZONED:
    case JOB_DIST_ZONED_ABS: {
        uint64_t lo = 0;
        for (size_t i = 0; i < d->zone_count; i++) {
            uint64_t len;
            if (d->zones[i].size == UINT64_MAX)
                len = n - lo; /* the rest of the region */
            else if (d->kind == JOB_DIST_ZONED)
                len = (uint64_t)((unsigned __int128)n * d->zones[i].size / 100);
            else
                len = d->zones[i].size / unit_bytes;
            if (len > n - lo)
                len = n - lo; /* zones past the region's end are cut at it */
            s->zone_lo[i] = lo;
            s->zone_hi[i] = lo + len;
            lo += len;
        }
        break;
    }
    case JOB_DIST_RANDOM:
    case JOB_DIST_NORMAL: break;
    }
}

/* A rank (0 = the most likely) placed in the region: hashed without a center, shifted by it with one. */
static uint64_t place(const struct dist_state *s, uint64_t rank)
{
    if (s->d->center < 0.0)
        return (uint64_t)(((unsigned __int128)rank * s->scatter + s->offset) % s->n);
    return (rank + s->offset) % s->n;
}

/* Gray et al., "Quickly generating billion-record synthetic databases" (SIGMOD 1994), as in
 * fio's zipf_next: ranks 1..n, P(i) proportional to 1/i^theta. */
static uint64_t zipf_rank(const struct dist_state *s, uint64_t *rng)
{
    double theta = s->d->param, n = (double)s->n;
    double alpha = 1.0 / (1.0 - theta);
    double eta = (1.0 - pow(2.0 / n, 1.0 - theta)) / (1.0 - s->zeta2 / s->zetan);
    double u = uniform01(rng), uz = u * s->zetan;
    uint64_t v;
    if (uz < 1.0)
        v = 1;
    else if (uz < 1.0 + pow(0.5, theta))
        v = 2;
    else
        v = 1 + (uint64_t)(n * pow(eta * u - eta + 1.0, alpha));
    return v - 1 < s->n ? v - 1 : s->n - 1;
}

/* A standard normal deviate (Box-Muller). */
static double gaussian(uint64_t *rng)
{
    double u1 = uniform01(rng), u2 = uniform01(rng);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

uint64_t dist_next(const struct dist_state *s, uint64_t *rng)
{
    const struct job_distribution *d = s->d;
    switch (d->kind) {
    case JOB_DIST_RANDOM: return dist_xorshift(rng) % s->n;
    case JOB_DIST_ZIPF: return place(s, zipf_rank(s, rng));
    case JOB_DIST_PARETO: {
        uint64_t rank = (uint64_t)((double)(s->n - 1) * pow(uniform01(rng), s->pareto_pow));
        return place(s, rank < s->n ? rank : s->n - 1);
    }
    case JOB_DIST_NORMAL: {
        /* Centred on the middle of the ranks (on center, with one), sigma = DEV percent of the
         * region; a draw outside the region is drawn again (at most 64 times, then the middle). */
        double sigma = d->param / 100.0 * (double)s->n, mid = (double)(s->n - 1) / 2.0;
        for (int tries = 0; tries < 64; tries++) {
            double x = mid + sigma * gaussian(rng);
            if (x >= 0.0 && x < (double)s->n) {
                uint64_t v = (uint64_t)x;
                /* place() shifts by the center; the normal's own middle is rank n/2. */
                return d->center < 0.0 ? place(s, v) : (v + s->offset + s->n - (s->n - 1) / 2) % s->n;
            }
        }
        return d->center < 0.0 ? place(s, (s->n - 1) / 2) : s->offset;
    }
    case JOB_DIST_ZONED:
    case JOB_DIST_ZONED_ABS: {
        uint64_t r = dist_xorshift(rng) % 100;
        unsigned acc = 0;
        for (size_t i = 0; i < d->zone_count; i++) {
            acc += d->zones[i].access_percent;
            if (r < acc) {
                uint64_t lo = s->zone_lo[i], hi = s->zone_hi[i];
                if (hi <= lo) /* a zone past the region's end: anywhere in it */
                    return dist_xorshift(rng) % s->n;
                return lo + dist_xorshift(rng) % (hi - lo);
            }
        }
        return dist_xorshift(rng) % s->n;
    }
    }
    return 0;
}
