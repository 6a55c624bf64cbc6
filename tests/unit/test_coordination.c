/* fio's coordination of the jobs that run side by side (bench/wave.h): the options' parsing and
 * planning (startdelay with its range, wait_for, exit_what, flow, flow_id, flow_sleep,
 * offset_increment), and their effect on the I/O stream against the fake HBA, run wave by wave as
 * mode=bench runs them. Time is the fake clock (a tick a call, FAKE_HZ a second). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine.h"
#include "bench/job_plan.h"
#include "bench/targets.h"
#include "bench/wave.h"
#include "bench/worker.h"
#include "drivers/scsi/scsi.h"
#include "tests/unit/bench_fixture.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define MAX_SPECS 32
#define SECOND ((uint64_t)FAKE_HZ)
#define NS_PER_TICK (1000000000ull / FAKE_HZ)
#define LUNS 4

struct fixture {
    struct bench_fixture b;
    struct job_spec jobs[MAX_SPECS], specs[MAX_SPECS];
    struct job_instance plan[MAX_SPECS];
    struct job_result results[MAX_SPECS];
    size_t n, count, ran;
    size_t ended_by[MAX_SPECS];
    uint64_t run_start;
    uint64_t first_submit[LUNS]; /* fake time of the first READ or WRITE to LUN l (0: none) */
    uint64_t lba_min[LUNS], lba_max[LUNS]; /* the blocks WRITEs to LUN l covered */
    char err[300];
};

BENCH_FIXTURE_SETUP_TEARDOWN(struct fixture)

static void on_submit(struct fake_hba *f, const struct hba_cmd *cmd, void *ctx)
{
    (void)f;
    struct fixture *x = ctx;
    uint8_t op = cmd->cdb[0];
    if (op != SCSI_OP_READ10 && op != SCSI_OP_WRITE10 && op != SCSI_OP_READ16 && op != SCSI_OP_WRITE16)
        return;
    if (cmd->lun >= LUNS)
        return;
    if (x->first_submit[cmd->lun] == 0)
        x->first_submit[cmd->lun] = fake_clock_now();
    if (op == SCSI_OP_WRITE10) {
        uint64_t lba = (uint64_t)cmd->cdb[2] << 24 | cmd->cdb[3] << 16 | cmd->cdb[4] << 8 | cmd->cdb[5];
        uint64_t blocks = (uint64_t)cmd->cdb[7] << 8 | cmd->cdb[8];
        if (lba < x->lba_min[cmd->lun])
            x->lba_min[cmd->lun] = lba;
        if (lba + blocks > x->lba_max[cmd->lun])
            x->lba_max[cmd->lun] = lba + blocks;
    }
}

static void prepare(struct fixture *x)
{
    if (x->b.env.hbas != NULL)
        return;
    for (uint16_t l = 0; l < LUNS; l++)
        fake_hba_add_lun(&x->b.f, 0, l, 8192); /* 4 MiB each */
    bench_fixture_discover(&x->b, 100000, fake_clock_now);
    x->b.f.on_submit = on_submit;
    x->b.f.ctx = x;
    for (unsigned l = 0; l < LUNS; l++)
        x->lba_min[l] = UINT64_MAX;
}

static int parse(struct fixture *x, const char *text)
{
    x->err[0] = '\0';
    return job_file_parse("t.fio", text, strlen(text), NULL, 0, x->jobs, MAX_SPECS, &x->n, x->err, sizeof x->err);
}

static void expect_error(struct fixture *x, const char *text, const char *message)
{
    if (parse(x, text) == 0)
        fail_msg("parsed, but should fail with \"%s\":\n%s", message, text);
    assert_string_equal(x->err, message);
}

static void plan(struct fixture *x, const char *text)
{
    prepare(x);
    if (parse(x, text) != 0)
        fail_msg("jobs did not parse: %s", x->err);
    if (job_plan(x->jobs, x->n, x->plan, x->specs, MAX_SPECS, &x->count, x->err, sizeof x->err) != 0)
        fail_msg("jobs did not plan: %s", x->err);
}

/* Every wave in turn, as mode=bench runs them; the fake time it took. */
static uint64_t run_plan(struct fixture *x)
{
    x->run_start = fake_clock_now();
    x->ran = bench_fixture_run_waves(&x->b, x->specs, x->plan, x->count, x->results, x->ended_by, x->run_start);
    return fake_clock_now() - x->run_start;
}

static uint64_t ios(const struct job_result *r) { return r->dir[DIR_READ].ios + r->dir[DIR_WRITE].ios; }

/* Fake ticks since the run began, from a result's ns. */
static uint64_t at(const struct fixture *x, uint64_t ns) { return ns / NS_PER_TICK - x->run_start; }

/* ---- the options ---- */

static void test_startdelay_values(void **state)
{
    struct fixture *x = *state;
    assert_int_equal(parse(x, "[a]\nstartdelay=4\n[b]\nstartdelay=2-10\n[c]\nstartdelay=500ms:2s\n[d]\n"
                              "startdelay=1,3\n[e]\nstartdelay=0\n"), 0);
    assert_int_equal(x->jobs[0].startdelay_ms, 4000);
    assert_int_equal(x->jobs[0].startdelay_hi_ms, 0);
    assert_int_equal(x->jobs[1].startdelay_ms, 2000);
    assert_int_equal(x->jobs[1].startdelay_hi_ms, 10000);
    assert_int_equal(x->jobs[2].startdelay_ms, 500);
    assert_int_equal(x->jobs[2].startdelay_hi_ms, 2000);
    assert_int_equal(x->jobs[3].startdelay_ms, 1000);
    assert_int_equal(x->jobs[3].startdelay_hi_ms, 3000);
    assert_int_equal(x->jobs[4].startdelay_ms, 0);
    /* fio's "job options" keep the value as written. */
    assert_string_equal(x->jobs[1].options[0].key, "startdelay");
    assert_string_equal(x->jobs[1].options[0].value, "2-10");
    expect_error(x, "[a]\nstartdelay=5-2\n", "t.fio:2: option 'startdelay': the range '5-2' ends before it starts");
    expect_error(x, "[a]\n\nstartdelay=soon\n", "t.fio:3: option 'startdelay': bad time 'soon' (a time in seconds or "
                                               "with us, ms, s, m, h or d, or a range LO-HI)");
    expect_error(x, "[a]\nstartdelay=1-\n", "t.fio:2: option 'startdelay': bad time '1-' (a time in seconds or with us, "
                                           "ms, s, m, h or d, or a range LO-HI)");
    expect_error(x, "[a]\nstartdelay\n", "t.fio:2: option 'startdelay': needs a value");
}

/* Each clone draws its own delay from the range: within it, the same on every run, not all alike. */
static void test_startdelay_range_per_clone(void **state)
{
    struct fixture *x = *state;
    plan(x, "[a]\nstartdelay=1-3\nnumjobs=8\n[b]\nstartdelay=2\nnumjobs=2\n");
    bool differ = false;
    for (size_t i = 0; i < 8; i++) {
        assert_in_range(x->specs[i].startdelay_ms, 1000, 3000);
        assert_int_equal(x->specs[i].startdelay_hi_ms, 0);
        differ |= x->specs[i].startdelay_ms != x->specs[0].startdelay_ms;
    }
    assert_true(differ);
    assert_int_equal(x->specs[8].startdelay_ms, 2000);
    assert_int_equal(x->specs[9].startdelay_ms, 2000);
    uint64_t first = x->specs[3].startdelay_ms;
    plan(x, "[a]\nstartdelay=1-3\nnumjobs=8\n[b]\nstartdelay=2\nnumjobs=2\n");
    assert_int_equal(x->specs[3].startdelay_ms, first);
}

static void test_wait_for_values(void **state)
{
    struct fixture *x = *state;
    plan(x, "[w]\nnumjobs=3\n[r]\nwait_for=w\nnumjobs=2\n[other]\n");
    assert_int_equal(x->jobs[1].wait_for_job, 0);
    assert_int_equal(x->jobs[0].wait_for_job, -1);
    assert_int_equal(x->jobs[2].wait_for_job, -1);
    /* The waiter's instances wait for the waitee's three, the plan's 0..2; all in one wave. */
    for (size_t i = 3; i < 5; i++) {
        assert_int_equal(x->specs[i].waitee_first, 0);
        assert_int_equal(x->specs[i].waitee_end, 3);
        assert_int_equal(x->plan[i].wave, 0);
    }
    assert_int_equal(x->specs[5].waitee_end, 0);
    expect_error(x, "[a]\nwait_for=a\n", "t.fio:2: option 'wait_for': job 'a' cannot wait for itself");
    expect_error(x, "[a]\nwait_for=b\n[b]\n",
                 "t.fio:2: option 'wait_for': no job 'b' before this one (fio: the waitee must come first)");
    expect_error(x, "[a]\n[a]\n[c]\n\nwait_for=a\n",
                 "t.fio:5: option 'wait_for': 2 jobs before this one are named 'a' (fio: the waitee's name must be unique)");
    /* In [global] it applies to every job after it, the waitee too. */
    expect_error(x, "[a]\n[global]\nwait_for=a\n[b]\n[a2]\nname=a\n",
                 "t.fio:3: option 'wait_for': job 'a' cannot wait for itself");
    expect_error(x, "[a]\nwait_for\n", "t.fio:2: option 'wait_for': needs a value");
}

static void test_exit_what_and_exitall_values(void **state)
{
    struct fixture *x = *state;
    plan(x, "[a]\n[b]\nexit_what=stonewall\n[c]\nexit_what=all\n[d]\nexit_what=group\nexitall\n[e]\nstonewall\n");
    assert_int_equal(x->jobs[0].exit_what, JOB_EXIT_GROUP);
    assert_int_equal(x->jobs[1].exit_what, JOB_EXIT_STONEWALL);
    assert_int_equal(x->jobs[2].exit_what, JOB_EXIT_ALL);
    assert_int_equal(x->jobs[3].exit_what, JOB_EXIT_GROUP);
    /* fio 3.33: exitall on one job is exitall for all (one global flag). */
    assert_false(x->jobs[0].exitall);
    for (size_t i = 0; i < x->count; i++)
        assert_true(x->specs[i].exitall);
    assert_int_equal(x->specs[4].groupid, 1);
    expect_error(x, "[a]\nexit_what=none\n", "t.fio:2: option 'exit_what': must be group, stonewall or all, not 'none'");
}

static void test_flow_values(void **state)
{
    struct fixture *x = *state;
    assert_int_equal(parse(x, "[a]\nflow=8\nflow_id=3\nflow_sleep=1000\nflow_watermark=50\n[b]\nflow=1k\n"), -1);
    assert_string_equal(x->err, "t.fio:7: option 'flow': must be 0..1000, not 1k");
    assert_int_equal(parse(x, "[a]\nflow=8\nflow_id=3\nflow_sleep=1000\nflow_watermark=50\n[b]\nflow=1000\n"), 0);
    assert_int_equal(x->jobs[0].flow, 8);
    assert_int_equal(x->jobs[0].flow_id, 3);
    assert_int_equal(x->jobs[0].flow_sleep_us, 1000);
    assert_int_equal(x->jobs[1].flow, 1000);
    assert_int_equal(x->jobs[1].flow_id, 0); /* fio's default: the global flow */
    expect_error(x, "[a]\nflow=-1\n", "t.fio:2: option 'flow': bad number '-1'");
    expect_error(x, "[a]\nflow_id=4294967296\n", "t.fio:2: option 'flow_id': must be 0..2147483647, not 4294967296");
    expect_error(x, "[a]\nflow_sleep=1.5\n", "t.fio:2: option 'flow_sleep': bad number '1.5'");
}

static void test_offset_increment_values(void **state)
{
    struct fixture *x = *state;
    plan(x, "[a]\noffset=4k\noffset_increment=1m\nnumjobs=3\n[b]\noffset_increment=10%\n");
    assert_int_equal(x->jobs[0].offset_increment, 1 << 20);
    assert_int_equal(x->jobs[1].offset_increment_percent, 10);
    for (unsigned c = 0; c < 3; c++)
        assert_int_equal(x->specs[c].clone, c);
    expect_error(x, "[a]\noffset_increment=1000\n", "t.fio:2: option 'offset_increment': must be a multiple of 512, not 1000");
    expect_error(x, "[a]\noffset_increment=101%\n", "t.fio:2: option 'offset_increment': bad percentage '101%' (1% to 100%)");
    /* The last clone's region must fit the LUNs (4 MiB): checked before any I/O. */
    plan(x, "[a]\nrw=write\nsize=64k\noffset_increment=1m\nnumjobs=5\nluns=0:0:0\n");
    assert_int_equal(targets_check(&x->jobs[0], &x->b.env, x->err, sizeof x->err), -1);
    assert_string_equal(x->err, "job 'a': no LUN it selects can run it (1 left out; LUN 0:0:0: offset=4194304 (clone 4, "
                                "with offset_increment) is past its end (4194304 bytes) or not a multiple of its block "
                                "size)");
    plan(x, "[a]\nrw=write\nsize=64k\noffset_increment=1m\nnumjobs=4\nluns=0:0:0\n");
    assert_int_equal(targets_check(&x->jobs[0], &x->b.env, x->err, sizeof x->err), 0);
}

/* ---- their effect ---- */

/* startdelay delays the first I/O by that long from the run's start; the runtime starts then. */
static void test_startdelay_delays_the_first_io(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\nrw=randread\nbs=4k\ntime_based\nruntime=200ms\n[now]\nluns=0:0:0\n"
            "[later]\nluns=0:0:1\nstartdelay=300ms\n");
    uint64_t spent = run_plan(x);
    assert_true(x->first_submit[0] - x->run_start < SECOND / 100);
    assert_true(x->first_submit[1] - x->run_start >= 3 * SECOND / 10);
    assert_true(x->first_submit[1] - x->run_start < 3 * SECOND / 10 + SECOND / 100);
    assert_true(at(x, x->results[1].start_ns) >= 3 * SECOND / 10);
    assert_true(x->results[1].runtime_ns >= 200000000ull && x->results[1].runtime_ns < 210000000ull);
    assert_true(ios(&x->results[1]) > 100);
    assert_true(spent >= 5 * SECOND / 10 && spent < 5 * SECOND / 10 + SECOND / 50); /* 0.3 + 0.2 s */
}

/* As in fio, the delay counts from the run's start (fio's genesis), not the wave's: a job after a
 * stonewall whose delay has passed starts as soon as the wave before it ends. */
static void test_startdelay_counts_from_the_run_start(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\nrw=randread\nbs=4k\ntime_based\nruntime=200ms\n[first]\nluns=0:0:0\n"
            "[second]\nstonewall\nstartdelay=100ms\nluns=0:0:1\n[third]\nstartdelay=300ms\nluns=0:0:2\n");
    run_plan(x);
    uint64_t first_end = at(x, x->results[0].end_ns);
    assert_true(first_end >= 2 * SECOND / 10);
    /* second: due at 0.1 s, started when first ended (0.2 s); third at 0.3 s. */
    assert_true(x->first_submit[1] - x->run_start >= first_end);
    assert_true(x->first_submit[1] - x->run_start < first_end + SECOND / 100);
    assert_true(x->first_submit[2] - x->run_start >= 3 * SECOND / 10);
    assert_true(x->first_submit[2] - x->run_start < 3 * SECOND / 10 + SECOND / 100);
}

/* wait_for: the waiter starts once every instance of the named job has ended (here in the same
 * wave, as waitfor.fio's new_group jobs are); a job in between runs from the start. */
static void test_wait_for_starts_after_the_waitee(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\nbs=4k\ntime_based\n[writers]\nrw=write\nruntime=100ms\nnumjobs=2\nluns=0:0:0\n"
            "[free]\nrw=read\nruntime=100ms\nluns=0:0:2\n"
            "[readers]\nnew_group\nwait_for=writers\nrw=randread\nruntime=100ms\nluns=0:0:1\n");
    uint64_t spent = run_plan(x);
    assert_int_equal(x->plan[3].wave, 0);
    uint64_t last_writer_end = x->results[0].end_ns > x->results[1].end_ns ? x->results[0].end_ns : x->results[1].end_ns;
    assert_true(x->results[3].start_ns >= last_writer_end);
    assert_true(x->first_submit[1] - x->run_start >= at(x, last_writer_end));
    assert_true(x->first_submit[2] - x->run_start < SECOND / 100);
    assert_true(ios(&x->results[3]) > 100);
    assert_true(spent >= 2 * SECOND / 10 && spent < 2 * SECOND / 10 + SECOND / 50);
}

/* exit_what=group (fio's default): the end of a job with exitall terminates its group, started or
 * not; another group goes on, and so does the wave after the stonewall. */
static void test_exit_what_group(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\nrw=randread\nbs=4k\ntime_based\nruntime=1\n[short]\nruntime=100ms\nexitall\nluns=0:0:0\n"
            "[mate]\nluns=0:0:1\n[late-mate]\nstartdelay=500ms\nluns=0:0:2\n"
            "[other]\nnew_group\nruntime=300ms\nluns=0:0:3\n[next]\nstonewall\nruntime=100ms\nluns=0:0:3\n");
    run_plan(x);
    assert_int_equal(x->ended_by[0], 4);
    assert_true(x->results[1].runtime_ns < 110000000ull); /* terminated with short */
    assert_false(x->results[1].stopped);
    assert_int_equal(ios(&x->results[2]), 0); /* terminated before it started: it never did */
    assert_int_equal(x->first_submit[2], 0);
    assert_true(x->results[3].runtime_ns >= 300000000ull); /* another group */
    assert_int_equal(x->ran, 5);
    assert_true(ios(&x->results[4]) > 100); /* the wave after the stonewall ran */
}

/* exitall is fio 3.33's global flag: a job without it terminates its group too. */
static void test_exitall_is_global(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\nrw=randread\nbs=4k\ntime_based\n[long]\nruntime=1\nexitall\n[short]\nruntime=100ms\n");
    run_plan(x);
    assert_true(x->results[0].runtime_ns < 110000000ull);
}

/* exit_what=stonewall: every job running now is terminated, whatever its group; a job still
 * waiting to start runs later, and so does the next wave. (The terminated jobs' own ends terminate
 * their groups in turn, as in fio: the waiting job is given a group of its own.) */
static void test_exit_what_stonewall(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\nrw=randread\nbs=4k\ntime_based\nruntime=1\n[slow]\nruntime=100ms\nexitall\n"
            "exit_what=stonewall\nluns=0:0:0\n[fast]\nnew_group\nluns=0:0:1\n[delayed]\nnew_group\nstartdelay=200ms\n"
            "runtime=100ms\nluns=0:0:2\n[next]\nstonewall\nruntime=100ms\nluns=0:0:3\n");
    run_plan(x);
    assert_true(x->results[1].runtime_ns < 110000000ull);
    assert_true(x->results[2].runtime_ns >= 100000000ull); /* started after the end: ran its time */
    assert_true(x->first_submit[2] - x->run_start >= 2 * SECOND / 10);
    assert_int_equal(x->ran, 4);
    assert_true(ios(&x->results[3]) > 100);
}

/* exit_what=all: everything ends, the jobs waiting to start never start and no later wave runs. */
static void test_exit_what_all(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\nrw=randread\nbs=4k\ntime_based\nruntime=1\n[slow]\nruntime=100ms\nexitall\nexit_what=all\n"
            "luns=0:0:0\n[fast]\nnew_group\nluns=0:0:1\n[delayed]\nstartdelay=200ms\nluns=0:0:2\n"
            "[never]\nstonewall\nluns=0:0:3\n");
    uint64_t spent = run_plan(x);
    assert_int_equal(x->ended_by[0], 0);
    assert_int_equal(x->ran, 3);
    assert_true(x->results[1].runtime_ns < 110000000ull);
    assert_int_equal(ios(&x->results[2]), 0);
    assert_int_equal(x->first_submit[2], 0);
    assert_int_equal(x->first_submit[3], 0);
    assert_true(spent < SECOND / 5);
}

/* flow: two jobs of one flow keep their I/O counts in the ratio of their weights (flow.fio's 1:8),
 * however fast each could go alone; a job in another flow_id is not held by them. */
static void test_flow_keeps_the_ratio(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\ntime_based\nruntime=300ms\nbs=4k\n[job2]\nrw=write\nflow=1\niodepth=16\nluns=0:0:0\n"
            "[job1]\nrw=randread\nflow=8\niodepth=1\nluns=0:0:1\n[apart]\nrw=read\nflow=1\nflow_id=7\nluns=0:0:2\n"
            "[alone]\nrw=read\nluns=0:0:3\n");
    run_plan(x);
    double a = (double)ios(&x->results[0]), b = (double)ios(&x->results[1]);
    assert_true(b > 1000);
    assert_true(b / a > 8 * 0.98 && b / a < 8 * 1.02);
    /* flow 7 has one job, which is never held: it did as much as the job in no flow. */
    double c = (double)ios(&x->results[2]), d = (double)ios(&x->results[3]);
    assert_true(c / d > 0.95 && c / d < 1.05);
}

/* butterfly.fio: two equal flows, forwards and backwards, within 1% of each other; when one
 * ends (here its region is done), it leaves the flow and the other goes on alone. */
static void test_flow_butterfly(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\nbs=4k\nluns=0:0:0\n[forward]\nrw=read\nflow=2\nsize=1m\n[backward]\nrw=read:-8k\nflow=2\n"
            "size=2m\n");
    run_plan(x);
    assert_int_equal(ios(&x->results[0]), 256);
    assert_int_equal(ios(&x->results[1]), 512); /* alone after forward left */
    assert_true(x->results[1].end_ns > x->results[0].end_ns);
}

/* flow_sleep: a job held back waits for its I/Os in flight and idles flow_sleep microseconds. */
static void test_flow_sleep_idles(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\ntime_based\nruntime=200ms\nbs=4k\n[a]\nrw=read\nflow=1\nflow_sleep=10000\niodepth=4\n"
            "luns=0:0:0\n[b]\nrw=read\nflow=1\niodepth=4\nluns=0:0:1\n");
    run_plan(x);
    double a = (double)ios(&x->results[0]), b = (double)ios(&x->results[1]);
    assert_true(a > 100);
    assert_true(b / a > 0.98 && b / a < 1.02); /* b is held by the counts too: the ratio holds */
}

/* offset_increment: clone k writes from offset + k increments (fio's subjob_number). */
static void test_offset_increment_moves_each_clone(void **state)
{
    struct fixture *x = *state;
    plan(x, "[w]\nrw=write\nbs=4k\nsize=64k\noffset=4k\noffset_increment=1m\nnumjobs=3\nluns=0:0:0\n");
    run_plan(x);
    assert_int_equal(x->b.f.luns[0]->writes, 3 * 16);
    assert_int_equal(x->lba_min[0], 8);
    assert_int_equal(x->lba_max[0], 2 * 2048 + 8 + 128);
    for (unsigned c = 0; c < 3; c++)
        assert_int_equal(x->results[c].dir[DIR_WRITE].bytes, 64 << 10);
    /* As a percentage of the LUN (4 MiB): 25% is 1 MiB, aligned up to bs. */
    memset(x->lba_min, 0xff, sizeof x->lba_min);
    memset(x->lba_max, 0, sizeof x->lba_max);
    plan(x, "[w]\nrw=write\nbs=4k\nsize=64k\noffset_increment=25%\nnumjobs=4\nluns=0:0:1\n");
    run_plan(x);
    assert_int_equal(x->lba_min[1], 0);
    assert_int_equal(x->lba_max[1], 3 * 2048 + 128);
}

/* filesize (waitfor.fio, exitwhat.fio): each LUN is taken to be that big, its region ending there. */
static void test_filesize(void **state)
{
    struct fixture *x = *state;
    plan(x, "[r]\nrw=read\nbs=4k\nfilesize=1m\noffset=256k\nluns=0:0:0\n");
    assert_int_equal(x->jobs[0].filesize, 1 << 20);
    run_plan(x);
    assert_int_equal(x->results[0].dir[DIR_READ].ios, 192); /* 768 KiB: from 256 KiB to 1 MiB */
    expect_error(x, "[a]\nfilesize=1m-2m\n", "t.fio:2: option 'filesize': a range of file sizes ('1m-2m') is not "
                                             "supported: give one size");
    expect_error(x, "[a]\nfilesize=1000\n", "t.fio:2: option 'filesize': must be a non-zero multiple of 512, not 1000");
    expect_error(x, "[a]\nsize=1m\nfilesize=2m\n", "t.fio:2: option 'size': with filesize, fio takes size for io_size "
                                                  "(the amount of I/O), which lunbench does not implement");
    plan(x, "[a]\nfilesize=8m\nluns=0:0:2\n");
    assert_int_equal(targets_check(&x->jobs[0], &x->b.env, x->err, sizeof x->err), -1);
    assert_string_equal(x->err, "job 'a': no LUN it selects can run it (1 left out; LUN 0:0:2: filesize=8388608 is more "
                                "than it holds (4194304 bytes))");
}

/* The fio examples these options are for, unchanged, with the fio-examples test's command line:
 * they parse and plan as fio runs them. */
static void plan_example(struct fixture *x, const char *file)
{
    char path[128];
    snprintf(path, sizeof path, "tests/data/jobs/fio-examples/%s", file);
    size_t len;
    uint8_t *raw = test_read_file(path, &len);
    static const char *const overrides[] = { "luns=all", "runtime=1" };
    prepare(x);
    x->err[0] = '\0';
    int rc = job_file_parse(file, (const char *)raw, len, overrides, 2, x->jobs, MAX_SPECS, &x->n, x->err,
                            sizeof x->err);
    free(raw);
    if (rc != 0)
        fail_msg("%s did not parse: %s", file, x->err);
    if (job_plan(x->jobs, x->n, x->plan, x->specs, MAX_SPECS, &x->count, x->err, sizeof x->err) != 0)
        fail_msg("%s did not plan: %s", file, x->err);
}

static void test_the_fio_examples(void **state)
{
    struct fixture *x = *state;
    plan_example(x, "flow.fio");
    assert_int_equal(x->specs[0].flow, 1);
    assert_int_equal(x->specs[1].flow, 8);
    assert_int_equal(x->specs[1].flow_sleep_us, 1000);
    plan_example(x, "butterfly.fio");
    assert_int_equal(x->specs[1].seq_add, -8192);
    assert_int_equal(x->specs[1].flow, 2);
    plan_example(x, "waitfor.fio");
    assert_int_equal(x->count, 16);
    for (size_t i = 0; i < 16; i++) {
        assert_int_equal(x->plan[i].wave, 0); /* new_group, no stonewall: one wave */
        assert_int_equal(x->plan[i].groupid, i / 4);
        assert_int_equal(x->specs[i].waitee_first, i < 4 ? 0 : (i / 4 - 1) * 4);
        assert_int_equal(x->specs[i].waitee_end, i < 4 ? 0 : i / 4 * 4);
        assert_int_equal(x->specs[i].filesize, 128 << 20);
    }
    plan_example(x, "exitwhat.fio");
    assert_int_equal(x->count, 11);
    assert_int_equal(x->specs[0].exit_what, JOB_EXIT_STONEWALL);
    assert_int_equal(x->specs[4].exit_what, JOB_EXIT_ALL);
    assert_int_equal(x->plan[4].wave, 1);
    assert_int_equal(x->plan[10].wave, 1);
    plan_example(x, "1mbs_clients.fio");
    assert_int_equal(x->count, 32);
    for (size_t i = 0; i < 32; i++)
        assert_int_equal(x->specs[i].startdelay_ms, 4000 * i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_startdelay_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_startdelay_range_per_clone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_for_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_what_and_exitall_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flow_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_offset_increment_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_startdelay_delays_the_first_io, setup, teardown),
        cmocka_unit_test_setup_teardown(test_startdelay_counts_from_the_run_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_for_starts_after_the_waitee, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_what_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exitall_is_global, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_what_stonewall, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_what_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flow_keeps_the_ratio, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flow_butterfly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flow_sleep_idles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_offset_increment_moves_each_clone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filesize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_fio_examples, setup, teardown),
    };
    return cmocka_run_group_tests_name("coordination", tests, NULL, NULL);
}
