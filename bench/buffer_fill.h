/*
 * What a write carries when verify= does not stamp it, as fio's buffer options say: random data
 * (fio's default, made once per buffer; scramble_buffers changes a little of it for every write,
 * refill_buffers all of it), zeros (zero_buffers) or buffer_pattern repeated. Pure code.
 */
#ifndef BENCH_BUFFER_FILL_H
#define BENCH_BUFFER_FILL_H

#include <stddef.h>
#include <stdint.h>

#include "bench/job.h"

/* A buffer's content when the job starts. */
void buffer_fill_init(const struct job_spec *job, uint8_t *buf, size_t len, uint64_t *rng);
/* Before a write of len bytes at lba (512-byte sectors of it are scrambled with their own LBA). */
void buffer_fill_write(const struct job_spec *job, uint8_t *buf, size_t len, uint64_t lba, uint64_t *rng);

#endif
