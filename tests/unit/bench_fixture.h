/* What the host tests of the engine and of hotplug share: one fake HBA, its discovered LUNs, and
 * the environment a job runs in (the fake clock), then one job parsed from fio text. */
#ifndef TESTS_UNIT_BENCH_FIXTURE_H
#define TESTS_UNIT_BENCH_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/engine.h"
#include "bench/env.h"
#include "bench/job.h"
#include "drivers/hba/discovery.h"
#include "tests/unit/fake_hba.h"

#define BENCH_FIXTURE_WALL_CLOCK_US 1700000000000000ull

struct bench_fixture {
    struct fake_hba f;
    struct hba *hbas[1];
    bool ok[1];
    struct inventory inv;
    struct bench_env env;
    struct job_spec job;
    struct job_result r;
};

/* A fake HBA 0 with 2 request queues of 64, the fake clock at 0. */
void bench_fixture_init(struct bench_fixture *x);
void bench_fixture_free(struct bench_fixture *x);
/* A test's own fixture, size bytes that begin with a struct bench_fixture, zeroed and initialised:
 * a cmocka setup's state (NULL when out of memory). bench_fixture_delete frees it. */
void *bench_fixture_new(size_t size);
void bench_fixture_delete(void *x);
/* The cmocka setup and teardown of a test file whose struct fixture begins with its bench_fixture
 * as member b. */
#define BENCH_FIXTURE_SETUP_TEARDOWN(type)                                                                  \
    _Static_assert(offsetof(type, b) == 0, "the bench_fixture comes first");                              \
    static int setup(void **state)                                                                        \
    {                                                                                                     \
        *state = bench_fixture_new(sizeof(type));                                                         \
        return *state ? 0 : -1;                                                                           \
    }                                                                                                     \
    static int teardown(void **state)                                                                     \
    {                                                                                                     \
        bench_fixture_delete(*state);                                                                     \
        return 0;                                                                                         \
    }

/* Discover the fake's LUNs (the test fails if discovery does) and fill env: one HBA, the given
 * clock (fake_clock_now, or a test's guard around it), cmd_timeout_cycles = timeout. */
void bench_fixture_discover(struct bench_fixture *x, uint64_t timeout, uint64_t (*now)(void));
/* Parse one job from fio text and run it alone (bench_run_job) into x->r: its return. */
int bench_fixture_run(struct bench_fixture *x, const char *text);
struct job_instance;
/* Run planned instances specs[0..count) (plan from job_plan) wave by wave as mode=bench does: each
 * wave with its wave state (bench/wave.h, the run begun at run_start), one worker with every
 * queue, the test failing if a wave's worker does not return 0; ended_by[w] is wave w's. Stops
 * after a wave that ended the run (exit_what=all). Returns the instances of the waves that ran. */
size_t bench_fixture_run_waves(struct bench_fixture *x, const struct job_spec *specs, const struct job_instance *plan,
                               size_t count, struct job_result *results, size_t *ended_by, uint64_t run_start);
/* Every error the result counts, of every kind. */
uint64_t bench_fixture_errors(const struct job_result *r);
/* Parse one job from fio text into x->job (the test fails if it does not parse). */
void bench_fixture_parse(struct bench_fixture *x, const char *text);

#endif
