/* What the benchmark engine, target selection and hotplug handling know of the machine: the HBAs
 * (through the seam), the LUN inventory, the clock. The application fills it; the unit tests fill
 * it with a fake HBA and a fake clock. */
#ifndef BENCH_ENV_H
#define BENCH_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/job.h"
#include "bench/log_frame.h"
#include "drivers/hba/discovery.h"
#include "drivers/hba/hba.h"

struct job_result; /* bench/engine.h */

/* The CPUs jobs may run on: the application's (arch/x86_64/smp.h), or the tests' threads. */
struct bench_cpus {
    unsigned count;                                              /* CPU 0 (this one) included */
    void (*run)(unsigned cpu, void (*fn)(void *arg), void *arg); /* start fn(arg) on an idle CPU (not 0) */
    bool (*done)(unsigned cpu);                                  /* whether its fn has returned */
    uint32_t (*id)(void);                                        /* the running CPU's own id (APIC ID), as it reads it */
};

struct bench_env {
    struct hba **hbas;         /* hbas[i]->index == i */
    const bool *hba_ok;        /* brought up: only these take part */
    unsigned hba_count;
    struct inventory *inv;     /* the engine counts each LUN's failed I/Os in it */
    uint64_t (*now)(void);     /* the TSC, or the tests' clock: read through bench_now */
    const struct bench_cpus *cpus; /* NULL: this CPU only */
    uint64_t tsc_hz;
    uint64_t cmd_timeout_cycles;
    uint64_t wall_clock_us;    /* the wall clock (µs since 1970) at TSC wall_clock_tsc: write */
    uint64_t wall_clock_tsc;   /* generations come from it, so they grow across jobs and boots */
    bool progress;             /* a line a second on the console while a job runs */
    const struct log_channel *log_channel; /* fio's log files go there (COM2); NULL: nowhere */
    /* fio's --status-interval: every status_interval_ms of a job, status() with its cumulative
     * results so far (r->runtime_ns the accounted time up to now); 0: never. */
    uint64_t status_interval_ms;
    void (*status)(void *ctx, const struct job_spec *job, const struct job_result *r);
    void *status_ctx;
    bool test_skip_flush;      /* test only (test_skip_flush=yes): durable passes without a flush */
};

/* The engine's clock read. Where the build says the clock is the TSC (LUNBENCH_CLOCK_TSC: the
 * kernel, whose env->now is the TSC), the TSC is read in line: the engine reads the clock around
 * every submit, kick and reaping poll it measures, and a call through env->now put a call, a
 * return and the registers the call clobbers inside each measured window (about 10 instructions
 * per I/O at QD1 under -icount). The host build (unit tests, fuzzing) calls env->now: the fake. */
#if defined(LUNBENCH_CLOCK_TSC) && defined(__x86_64__)
static inline uint64_t bench_now(const struct bench_env *env)
{
    (void)env;
    return __builtin_ia32_rdtsc();
}
#else
static inline uint64_t bench_now(const struct bench_env *env) { return env->now(); }
#endif

#endif
