/*
 * Each new I/O's size and place in its LUN's region, as fio's options make them: the block size
 * of its direction (bs, bsrange, bssplit), then a random offset (random_distribution,
 * percentage_random, rw=randread:N; uniform ones from random_generator's generator) or the next
 * sequential one (rw=read:N's skip), inside the
 * current zone with zonemode=strided. Sizes and offsets are in the job's units (its smallest
 * block size); the target keeps the sequential cursor and the zone. Pure code.
 */
#ifndef BENCH_IO_SHAPE_H
#define BENCH_IO_SHAPE_H

#include <stdint.h>

#include "bench/distribution.h"
#include "bench/job.h"
#include "bench/targets.h"
#include "lib/tausworthe.h"

#define IO_SHAPE_DIST_CACHE 8 /* distribution states kept per direction, by region size */

struct io_shape {
    const struct job_spec *job;
    uint64_t *rng;       /* the run's generator (xorshift64) */
    struct taus88 taus32;   /* random_generator=tausworthe: uniform offsets */
    struct taus258 taus64;  /* random_generator=tausworthe64 */
    uint64_t seq_left;   /* rw=randread:N: I/Os until the next random offset */
    /* random_distribution: a state per region size seen (zipf's zetan is costly to compute). */
    struct dist_state *dist[JOB_DDIRS][IO_SHAPE_DIST_CACHE];
    unsigned dist_used[JOB_DDIRS];
};

void io_shape_init(struct io_shape *s, const struct job_spec *job, uint64_t *rng);
void io_shape_free(struct io_shape *s);
/* The size of the next I/O of direction dir, in units. */
uint64_t io_shape_size(struct io_shape *s, int dir);
/* Where on t the next I/O of direction dir and *n units starts (in units from the region's
 * start); *n is cut to what the region (or zone) holds. *skipped_bytes: the bytes zoneskip
 * jumped over for it (fio counts them towards the job's size). */
uint64_t io_shape_offset(struct io_shape *s, struct target *t, int dir, uint64_t *n, uint64_t *skipped_bytes);

#endif
