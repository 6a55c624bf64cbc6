/* fio's steady-state detection (bench/steadystate.h): the deviation and slope criteria, absolute
 * and in percent of the mean, ss_ramp's samples left out, the window sliding; and against the
 * fake HBA, a time-based job that ends once its IOPS are steady. */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "bench/steadystate.h"
#include "bench/worker.h"
#include "tests/unit/bench_fixture.h"
#include "tests/unit/test_support.h"

static struct job_spec ss_job(const char *criterion, uint64_t dur, uint64_t ramp_ms)
{
    struct job_spec job;
    job_spec_defaults(&job);
    job.ss_bw = strncmp(criterion, "bw", 2) == 0;
    job.ss_slope = strstr(criterion, "slope") != NULL;
    job.ss_pct = strchr(criterion, '%') != NULL;
    job.ss_limit = strtod(strchr(criterion, ':') + 1, NULL);
    job.ss_dur_s = dur;
    job.ss_ramp_ms = ramp_ms;
    return job;
}

static void test_deviation_in_percent(void **state)
{
    (void)state;
    struct job_spec job = ss_job("iops:10%", 4, 2000);
    struct steadystate ss;
    steadystate_init(&ss, &job);
    /* two ramp samples (ignored, however wild), then 100 110 90 100: mean 100, deviation 10 = 10%,
     * not below 10%; then 105 (window 110 90 100 105, mean 101.25, deviation 11.25): no; then 100
     * (90 100 105 100: deviation 8.75 of 98.75 = 8.9%): attained. */
    static const uint64_t iops[] = { 1, 100000, 100, 110, 90, 100, 105, 100 };
    bool got[8];
    for (int i = 0; i < 8; i++)
        got[i] = steadystate_sample(&ss, &job, iops[i], iops[i] * 4096);
    for (int i = 0; i < 7; i++)
        assert_false(got[i]);
    assert_true(got[7]);
    assert_true(ss.attained);
    assert_true(fabs(ss.deviation - 8.75) < 1e-9);
    assert_true(fabs(ss.criterion - 100.0 * 8.75 / 98.75) < 1e-9);
    uint64_t w_iops[JOB_SS_DUR_MAX], w_bw[JOB_SS_DUR_MAX];
    assert_int_equal(steadystate_window(&ss, w_iops, w_bw), 4);
    assert_int_equal(w_iops[0], 90);
    assert_int_equal(w_iops[3], 100);
    assert_int_equal(w_bw[3], 100 * 4096);
    assert_true(fabs(steadystate_mean(&ss, false) - 98.75) < 1e-9);
    assert_false(steadystate_sample(&ss, &job, 100, 0)); /* once attained, it stays so */
}

static void test_slope_absolute_and_percent(void **state)
{
    (void)state;
    /* bw rising 1000 bytes a second: slope 1000; bw_slope:999 is not met, bw_slope:1001 is. */
    struct job_spec tight = ss_job("bw_slope:999", 5, 0), loose = ss_job("bw_slope:1001", 5, 0);
    struct steadystate a, b;
    steadystate_init(&a, &tight);
    steadystate_init(&b, &loose);
    bool ga = false, gb = false;
    for (int i = 0; i < 5; i++) {
        ga = steadystate_sample(&a, &tight, 1, 50000 + 1000u * (unsigned)i);
        gb = steadystate_sample(&b, &loose, 1, 50000 + 1000u * (unsigned)i);
    }
    assert_false(ga);
    assert_true(gb);
    assert_true(fabs(a.slope - 1000.0) < 1e-6);
    /* in percent: 1000 of a mean of 52000 is 1.92% */
    struct job_spec pct = ss_job("bw_slope:2%", 5, 0);
    struct steadystate c;
    steadystate_init(&c, &pct);
    bool gc = false;
    for (int i = 0; i < 5; i++)
        gc = steadystate_sample(&c, &pct, 1, 50000 + 1000u * (unsigned)i);
    assert_true(gc);
    assert_true(fabs(c.criterion - 100.0 * 1000.0 / 52000.0) < 1e-9);
    /* off without ss_dur */
    struct job_spec off = ss_job("iops:50%", 0, 0);
    struct steadystate d;
    steadystate_init(&d, &off);
    assert_false(d.on);
    assert_false(steadystate_sample(&d, &off, 5, 5));
}

struct fixture {
    struct bench_fixture b;
};

BENCH_FIXTURE_SETUP_TEARDOWN(struct fixture)

/* The fake answers every command in the same time: its IOPS are steady from the first second, so
 * a 30-second time-based job with ss=iops:5% ss_dur=3 ss_ramp=1 ends after 4 seconds, attained. */
static void test_job_ends_when_steady(void **state)
{
    struct fixture *x = *state;
    fake_hba_add_lun(&x->b.f, 0, 0, 2048);
    bench_fixture_discover(&x->b, 100000, fake_clock_now);
    bench_fixture_parse(&x->b, "[s]\nrw=randread\nbs=4k\niodepth=4\ntime_based\nruntime=30\nss=iops:5%\nss_dur=3\n"
                               "ss_ramp=1\nrate_iops=2000\n");
    assert_int_equal(bench_run_job(&x->b.job, &x->b.env, &x->b.r), 0);
    const struct job_result *r = &x->b.r;
    assert_true(r->ss.attained);
    assert_int_equal(r->ss.count, 3);
    assert_true(r->runtime_ns < 6000000000ull); /* ended long before its 30 s */
    assert_true(r->runtime_ns >= 4000000000ull);
    assert_true(fabs(steadystate_mean(&r->ss, false) - 2000.0) < 20.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deviation_in_percent),
        cmocka_unit_test(test_slope_absolute_and_percent),
        cmocka_unit_test_setup_teardown(test_job_ends_when_steady, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
