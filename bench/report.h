/* Benchmark results: the human report on the console (in the spirit of fio's) and fio's JSON. */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "bench/engine.h"
#include "bench/job.h"
#include "lib/json.h"

void bench_report_job(const struct job_spec *job, const struct job_result *r, uint64_t tsc_hz);

/* One element of fio's "jobs" array. */
void bench_json_job(struct json_writer *w, const struct job_spec *job, const struct job_result *r, uint64_t tsc_hz);

/* The driver's own cost in TSC cycles per I/O (submit + kick + reap, no waiting). */
double bench_driver_cycles_per_io(const struct job_result *r);

#endif
