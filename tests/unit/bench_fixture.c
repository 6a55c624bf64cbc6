#include "tests/unit/bench_fixture.h"

#include <stdlib.h>
#include <string.h>

#include "bench/job_plan.h"
#include "bench/wave.h"
#include "bench/worker.h"
#include "tests/unit/test_support.h"

void bench_fixture_init(struct bench_fixture *x)
{
    memset(x, 0, sizeof *x);
    fake_hba_init(&x->f, 0, 2, 64);
    fake_clock_set(0);
    x->hbas[0] = &x->f.base;
    x->ok[0] = true;
}

void bench_fixture_free(struct bench_fixture *x)
{
    fake_hba_free(&x->f);
    free(x->inv.luns);
    x->inv = (struct inventory){ 0 };
}

void *bench_fixture_new(size_t size)
{
    void *x = calloc(1, size);
    if (x != NULL)
        bench_fixture_init(x);
    return x;
}

void bench_fixture_delete(void *x)
{
    bench_fixture_free(x);
    free(x);
}

void bench_fixture_discover(struct bench_fixture *x, uint64_t timeout, uint64_t (*now)(void))
{
    struct discovery_stats st;
    assert_int_equal(discovery_run(&x->f.base, &x->inv, &st, timeout), 0);
    x->env = (struct bench_env){ .hbas = x->hbas, .hba_ok = x->ok, .hba_count = 1, .inv = &x->inv, .now = now,
                                 .tsc_hz = FAKE_HZ, .cmd_timeout_cycles = timeout,
                                 .wall_clock_us = BENCH_FIXTURE_WALL_CLOCK_US, .wall_clock_tsc = fake_clock_now() };
}

void bench_fixture_parse(struct bench_fixture *x, const char *text)
{
    char err[300] = "";
    size_t count = 0;
    if (job_file_parse("t.fio", text, strlen(text), NULL, 0, &x->job, 1, &count, err, sizeof err) != 0)
        fail_msg("job did not parse: %s", err);
    assert_int_equal(count, 1);
}

uint64_t bench_fixture_errors(const struct job_result *r)
{
    uint64_t n = 0;
    for (int k = 0; k < ERR_KINDS; k++)
        n += r->errors[k];
    return n;
}

int bench_fixture_run(struct bench_fixture *x, const char *text)
{
    bench_fixture_parse(x, text);
    return bench_run_job(&x->job, &x->env, &x->r);
}

size_t bench_fixture_run_waves(struct bench_fixture *x, const struct job_spec *specs, const struct job_instance *plan,
                               size_t count, struct job_result *results, size_t *ended_by, uint64_t run_start)
{
    struct bench_queues *queues = malloc(sizeof *queues);
    struct hotplug *hp = malloc(sizeof *hp);
    const struct job_spec **jobs = calloc(count ? count : 1, sizeof *jobs);
    assert_non_null(queues);
    assert_non_null(hp);
    assert_non_null(jobs);
    bench_queues_all(queues, &x->env);
    hotplug_init(hp, &x->env);
    struct bench_worker w = { .env = &x->env, .queues = queues, .hp = hp };
    size_t ran = 0;
    for (size_t first = 0, waves = 0; first < count; waves++) {
        size_t end = job_plan_wave_end(plan, count, first);
        for (size_t i = first; i < end; i++)
            jobs[i - first] = &specs[i];
        struct wave wave;
        assert_int_equal(wave_init(&wave, jobs, end - first, first, run_start, x->env.tsc_hz), 0);
        w.wave = &wave;
        assert_int_equal(bench_worker_run(&w, jobs, &results[first], end - first, &ended_by[waves]), 0);
        wave_free(&wave);
        ran = end;
        if (ended_by[waves] < end - first)
            break; /* exit_what=all: no later wave runs */
        first = end;
    }
    free(jobs);
    free(hp);
    free(queues);
    return ran;
}
