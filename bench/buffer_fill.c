#include "bench/buffer_fill.h"

#include <string.h>

#include "bench/distribution.h"

static void random_fill(uint8_t *buf, size_t len, uint64_t *rng)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = dist_xorshift(rng);
        memcpy(buf + i, &v, len - i < 8 ? len - i : 8);
    }
}

void buffer_fill_init(const struct job_spec *job, uint8_t *buf, size_t len, uint64_t *rng)
{
    switch (job->buffers) {
    case JOB_BUFFERS_RANDOM: random_fill(buf, len, rng); break;
    case JOB_BUFFERS_ZERO: memset(buf, 0, len); break;
    case JOB_BUFFERS_PATTERN:
        for (size_t i = 0; i < len; i += job->pattern_len)
            memcpy(buf + i, job->pattern, len - i < job->pattern_len ? len - i : job->pattern_len);
        break;
    }
}

void buffer_fill_write(const struct job_spec *job, uint8_t *buf, size_t len, uint64_t lba, uint64_t *rng)
{
    if (job->buffers != JOB_BUFFERS_RANDOM)
        return;
    if (job->refill_buffers) {
        random_fill(buf, len, rng);
        return;
    }
    if (!job->scramble_buffers)
        return;
    /* fio's scramble: a few bytes of every 512 made unique, so that no two writes are the same
     * data (dedupe and compression see fresh blocks), without the cost of a refill. */
    for (size_t off = 0; off + 16 <= len; off += 512) {
        uint64_t where = lba + off / 512, v = dist_xorshift(rng);
        memcpy(buf + off, &where, 8);
        memcpy(buf + off + 8, &v, 8);
    }
}
