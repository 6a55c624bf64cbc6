#include "bench/io_shape.h"

#include <stdlib.h>
#include <string.h>

void io_shape_init(struct io_shape *s, const struct job_spec *job, uint64_t *rng)
{
    memset(s, 0, sizeof *s);
    s->job = job;
    s->rng = rng;
    s->seq_left = job->seq_nr;
    taus88_seed(&s->taus32, (uint32_t)job->randseed); /* fio's init_rand_seed takes an unsigned int */
    taus258_seed(&s->taus64, job->randseed);
}

void io_shape_free(struct io_shape *s)
{
    for (int d = 0; d < JOB_DDIRS; d++)
        for (unsigned i = 0; i < s->dist_used[d]; i++)
            free(s->dist[d][i]);
    memset(s->dist_used, 0, sizeof s->dist_used);
}

static double uniform01(uint64_t *rng) { return (double)(dist_xorshift(rng) >> 11) * (1.0 / 9007199254740992.0); }

/* HOWTO bs, bsrange, bssplit; fio's get_next_buflen: a range draws min + U * max, rounded down to
 * a multiple of min, at most max. */
uint64_t io_shape_size(struct io_shape *s, int dir)
{
    const struct job_block_sizes *b = &s->job->bsz[dir];
    uint32_t bs = b->min;
    if (b->split_count != 0) {
        uint64_t r = dist_xorshift(s->rng) % 100, acc = 0;
        for (size_t i = 0; i < b->split_count; i++) {
            acc += b->split[i].percent;
            if (r < acc) {
                bs = b->split[i].bs;
                break;
            }
        }
    } else if (b->max != b->min) {
        uint64_t v = b->min + (uint64_t)((double)b->max * uniform01(s->rng));
        v -= v % b->min;
        bs = (uint32_t)(v > b->max ? b->max : v);
    }
    return bs / s->job->bs;
}

/* The distribution state for a region of n units (random_distribution other than random). */
static const struct dist_state *dist_for(struct io_shape *s, int dir, uint64_t n)
{
    for (unsigned i = 0; i < s->dist_used[dir]; i++)
        if (s->dist[dir][i]->n == n)
            return s->dist[dir][i];
    unsigned slot = s->dist_used[dir] < IO_SHAPE_DIST_CACHE ? s->dist_used[dir]++ : (unsigned)(n % IO_SHAPE_DIST_CACHE);
    if (s->dist[dir][slot] == NULL && (s->dist[dir][slot] = malloc(sizeof *s->dist[dir][slot])) == NULL)
        return NULL;
    dist_init(s->dist[dir][slot], &s->job->dist[dir], n, s->job->bs, s->rng);
    return s->dist[dir][slot];
}

/* A uniform random place among span units. fio's tausworthe generators scale their value to the
 * region (get_next_rand_offset: lastb * (r / (max + 1.0))); its lfsr visits every unit of the
 * region once before any comes again (each LUN its own register, seeded from randseed). */
static uint64_t uniform_offset(struct io_shape *s, struct target *t, uint64_t span)
{
    uint64_t pos;
    switch (s->job->random_generator) {
    case JOB_RNG_TAUSWORTHE:
        pos = (uint64_t)((double)span * ((double)taus88_next(&s->taus32) / 4294967296.0));
        break;
    case JOB_RNG_TAUSWORTHE64:
        pos = (uint64_t)((double)span * ((double)taus258_next(&s->taus64) / 18446744073709551616.0));
        break;
    case JOB_RNG_LFSR:
        if (t->lfsr.n != span)
            lfsr_init(&t->lfsr, span, s->job->randseed);
        pos = lfsr_next(&t->lfsr);
        break;
    default:
        pos = dist_xorshift(s->rng) % span;
        break;
    }
    return pos < span ? pos : span - 1; /* a double product may round up to span */
}

/* Whether this I/O goes to a random offset: random patterns, less percentage_random, and
 * rw=randread:N's runs that follow on between random offsets. */
static bool next_is_random(struct io_shape *s, int dir)
{
    const struct job_spec *job = s->job;
    if (!job_random_offsets(job))
        return false;
    if (job->seq_nr > 1) {
        /* fio's ddir_seq_nr: I/Os 1..N-1 follow on, the Nth takes a new random offset. */
        if (--s->seq_left != 0)
            return false;
        s->seq_left = job->seq_nr;
    }
    return job->percentage_random[dir] >= 100 || dist_xorshift(s->rng) % 100 < job->percentage_random[dir];
}

/* zonemode=strided (fio's setup_strided_zone_mode): I/O stays in [zone_start, zone_start +
 * zonerange) until zonesize bytes were done there, then the zone moves on by zonerange +
 * zoneskip, back to the region's start past its end. */
static void strided_zone(struct io_shape *s, struct target *t, uint64_t *lo, uint64_t *hi, uint64_t *skipped)
{
    const struct job_spec *job = s->job;
    uint64_t range = job->zone_range / job->bs, skip = job->zone_skip / job->bs;
    if (t->zone_bytes >= job->zone_size) {
        t->zone_bytes = 0;
        t->zone_start += range + skip;
        *skipped += job->zone_skip;
        if (t->zone_start >= t->units)
            t->zone_start = 0;
        t->seq_pos = t->zone_start;
    }
    *lo = t->zone_start;
    *hi = t->units - t->zone_start < range ? t->units : t->zone_start + range;
}

/* Sequential: where the last I/O ended, plus rw=...:N's skip (fio's get_next_seq_offset: past the
 * end it wraps to the start, or before the start, going backwards, to the end); an I/O that
 * would not fit before the end starts again at the start. Random: anywhere it fits. */
uint64_t io_shape_offset(struct io_shape *s, struct target *t, int dir, uint64_t *n, uint64_t *skipped_bytes)
{
    const struct job_spec *job = s->job;
    uint64_t lo = 0, hi = t->units;
    if (job->zone_size != 0)
        strided_zone(s, t, &lo, &hi, skipped_bytes);
    uint64_t span = hi - lo;
    if (*n > span)
        *n = span;
    uint64_t pos;
    if (next_is_random(s, dir)) {
        if (job->dist[dir].kind == JOB_DIST_RANDOM) {
            pos = uniform_offset(s, t, span);
        } else {
            const struct dist_state *ds = dist_for(s, dir, span);
            pos = ds != NULL ? dist_next(ds, s->rng) : dist_xorshift(s->rng) % span;
        }
        if (pos + *n > span)
            pos = span - *n;
        /* HOWTO blockalign: a random offset is a multiple of it (lo, a zone's start, is too only
         * where zonesize is; fio aligns within the file the same way). */
        uint64_t align = job->blockalign[dir] / job->bs;
        if (align > 1)
            pos -= pos % align;
    } else {
        pos = t->seq_pos >= lo && t->seq_pos <= hi ? (t->seq_pos - lo) % span : 0;
        if (pos != 0 && job->seq_add != 0) {
            int64_t skip = job->seq_add / (int64_t)job->bs;
            uint64_t back = skip < 0 ? (uint64_t)-skip % span : 0;
            if (skip < 0 && (uint64_t)-skip > pos)
                pos = span - back;
            else
                pos += (uint64_t)skip;
            if (pos >= span)
                pos = skip > 0 ? 0 : span - back;
        }
        if (pos + *n > span)
            pos = 0;
        t->next_unit += *n;
    }
    t->seq_pos = lo + pos + *n; /* a sequential I/O after a random one follows on, as fio's last_pos */
    t->zone_bytes += *n * job->bs;
    return lo + pos;
}
