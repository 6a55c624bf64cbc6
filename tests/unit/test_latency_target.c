/* latency_target against the fake HBA, whose latency grows with the commands in flight (10 us
 * plus 10 us for each): the job settles on the deepest queue whose I/Os meet the target in every
 * window, reports it (latency_depth), and its results are those of the last window, at that
 * depth; latency_percentile lets a share of each window miss; a target no I/O can meet stops the
 * job at depth 1, as fio's "latency exceeds specified max" does. Time is the fake clock. */
#include <stdio.h>
#include <string.h>

#include "bench/engine.h"
#include "bench/latency_target.h"
#include "bench/worker.h"
#include "tests/unit/bench_fixture.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define TIMEOUT 100000

struct fixture {
    struct bench_fixture b;
    unsigned max_in_flight;
};

/* Each command's latency: 10 ticks, plus 10 for every command in flight when it goes. */
static void deeper_is_slower(struct fake_hba *f, const struct hba_cmd *c, void *ctx)
{
    (void)c;
    struct fixture *x = ctx;
    f->latency = 10 + 10 * (uint64_t)f->n_inflight;
    if (f->n_inflight > x->max_in_flight)
        x->max_in_flight = f->n_inflight;
}

BENCH_FIXTURE_SETUP_TEARDOWN(struct fixture)

static int run(struct fixture *x, const char *text)
{
    if (x->b.env.hbas == NULL) {
        fake_hba_add_lun(&x->b.f, 0, 0, 8192);
        bench_fixture_discover(&x->b, TIMEOUT, fake_clock_now);
        x->b.f.on_submit = deeper_is_slower;
        x->b.f.ctx = x;
    }
    bench_fixture_parse(&x->b, text);
    x->max_in_flight = 0;
    return bench_run_job(&x->b.job, &x->b.env, &x->b.r);
}

static void test_finds_the_depth(void **state)
{
    struct fixture *x = *state;
    /* 100 us: 9 in flight make 100 us; the search doubles 1, 2, 4, 8, then 16 fails at once, and
     * it bisects back. */
    assert_int_equal(run(x, "[j]\nrw=randread\niodepth=32\nlatency_target=100\nlatency_window=2ms\n"
                            "time_based\nruntime=10\n"), 0);
    unsigned depth = x->b.r.latency_depth;
    assert_in_range(depth, 6, 9);
    assert_true(x->max_in_flight > depth); /* it tried deeper, and came back */
    /* It ended once the depth was found, long before its runtime, with the results of one window
     * at that depth: every I/O within the target. */
    assert_true(x->b.r.runtime_ns < 100000000);
    assert_in_range(x->b.r.runtime_ns, 2000000, 2200000);
    assert_true(x->b.r.dir[DIR_READ].lat.max <= 100000);
    assert_true(x->b.r.dir[DIR_READ].ios > 0);
    /* latency_run=1 keeps adjusting for the whole runtime. */
    assert_int_equal(run(x, "[j]\nrw=randread\niodepth=32\nlatency_target=100\nlatency_window=2ms\n"
                            "latency_run=1\ntime_based\nruntime=50ms\n"), 0);
    assert_in_range(x->b.r.runtime_ns, 50000000, 50200000);
    assert_in_range(x->b.r.latency_depth, 5, 10);
}

/* latency_percentile=50: half of each window may miss: a deeper queue is allowed. */
static void test_percentile(void **state)
{
    struct fixture *x = *state;
    assert_int_equal(run(x, "[j]\nrw=randread\niodepth=32\nlatency_target=100\nlatency_window=2ms\n"
                            "time_based\nruntime=10\n"), 0);
    unsigned strict = x->b.r.latency_depth;
    assert_int_equal(run(x, "[j]\nrw=randread\niodepth=32\nlatency_target=100\nlatency_window=2ms\n"
                            "latency_percentile=50\ntime_based\nruntime=10\n"), 0);
    assert_true(x->b.r.latency_depth > strict);
}

/* A target under the device's least latency: at depth 1 the first I/O over it stops the job. */
static void test_unreachable_target(void **state)
{
    struct fixture *x = *state;
    assert_int_equal(run(x, "[j]\nrw=randread\niodepth=8\nlatency_target=5\nlatency_window=1ms\n"
                            "time_based\nruntime=10\n"), -1);
    assert_true(x->b.r.stopped);
    assert_non_null(strstr(x->b.r.stop_reason, "latency_target=5 us at queue depth 1"));
    assert_int_equal(x->b.r.latency_depth, 1);
    assert_int_equal(x->max_in_flight, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_finds_the_depth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_percentile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreachable_target, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
