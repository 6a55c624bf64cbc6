/* Benchmark results: the human report on the console (in the spirit of fio's) and fio's JSON. */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "bench/engine.h"
#include "bench/job.h"
#include "lib/json.h"
#include "lib/options.h"

/* What fio's --output-format (lib/options.h, enum output_format_bit) makes lunbench print, decided
 * here alone (report_style_of) and obeyed by the console report, the terse lines and the JSON:
 * - normal: each entry's report and fio's group lines on the console;
 * - terse: each entry's terse v3 line (bench/terse.h) on the console, ahead of the normal reports
 *   of its wave, as fio prints its terse buffer first;
 * - json, json+: the JSON document; it goes on the results channel whatever the format (it is the
 *   run's record, results.json), with fio's *_ns.bins where json+ is named or no json format is
 *   (lunbench's default, the launcher's plots read the bins), without them for a plain json. */
struct report_style {
    bool normal, terse, bins;
    const char *fio_version; /* the JSON's "fio version" and the terse line's second field */
    uint64_t tsc_hz;         /* for the driver's cost in ns */
};

void report_style_of(unsigned output_format, const char *fio_version, uint64_t tsc_hz, struct report_style *s);

void bench_report_job(const struct job_spec *job, const struct job_result *r, const struct report_style *style);

/* One element of fio's "jobs" array. */
void bench_json_job(struct json_writer *w, const struct job_spec *job, const struct job_result *r,
                    const struct report_style *style);

/* The driver's own cost in TSC cycles per I/O (submit + kick + reap, no waiting). */
double bench_driver_cycles_per_io(const struct job_result *r);

#endif
