/* fio's job semantics against the fake HBA: the jobs of a file run at the same time in one worker
 * (bench/worker.h), stonewall serialises, new_group and stonewall number fio's groups, numjobs
 * clones a job, group_reporting merges a group exactly, and each instance keeps its own iodepth.
 * Time is the fake clock (a tick a call, FAKE_HZ a second): every figure is exact and repeatable. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine.h"
#include "bench/group_report.h"
#include "bench/job_plan.h"
#include "bench/result_merge.h"
#include "bench/wave.h"
#include "bench/worker.h"
#include "drivers/scsi/scsi.h"
#include "tests/unit/bench_fixture.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define MAX_SPECS 16
#define JSON_MAX (1 << 21)
#define SECOND ((uint64_t)FAKE_HZ)
#define NS_PER_TICK (1000000000ull / FAKE_HZ)

struct fixture {
    struct bench_fixture b;
    struct job_spec jobs[MAX_SPECS], specs[MAX_SPECS];
    struct job_instance plan[MAX_SPECS];
    struct job_result results[MAX_SPECS];
    size_t n, count;
    size_t ended_by[MAX_SPECS]; /* per wave */
    size_t ran;                 /* instances of the waves that ran */
    char json[JSON_MAX];
};

BENCH_FIXTURE_SETUP_TEARDOWN(struct fixture)

/* Four 1 MiB LUNs, discovered; the job text parsed and planned. */
static void plan(struct fixture *x, const char *text)
{
    if (x->b.env.hbas == NULL) {
        for (uint16_t l = 0; l < 4; l++)
            fake_hba_add_lun(&x->b.f, 0, l, 2048);
        bench_fixture_discover(&x->b, 100000, fake_clock_now);
    }
    char err[300] = "";
    if (job_file_parse("t.fio", text, strlen(text), NULL, 0, x->jobs, MAX_SPECS, &x->n, err, sizeof err) != 0)
        fail_msg("jobs did not parse: %s", err);
    if (job_plan(x->jobs, x->n, x->plan, x->specs, MAX_SPECS, &x->count, err, sizeof err) != 0)
        fail_msg("jobs did not plan: %s", err);
}

/* Run the plan wave by wave, as mode=bench does; the fake time it took. */
static uint64_t run_plan(struct fixture *x)
{
    uint64_t start = fake_clock_now();
    x->ran = bench_fixture_run_waves(&x->b, x->specs, x->plan, x->count, x->results, x->ended_by, start);
    return fake_clock_now() - start;
}

static void merge_all(struct fixture *x) { bench_groups_merge(x->specs, x->plan, x->results, 0, x->count); }

static void write_json(struct fixture *x)
{
    struct json_writer w;
    struct test_text out = { x->json, JSON_MAX, 0 };
    json_init(&w, test_text_sink, &out, 0);
    json_array_begin(&w, NULL);
    struct report_style style;
    report_style_of(OUTPUT_NORMAL, "lunbench-test", FAKE_HZ, &style);
    bench_json_entries(&w, x->specs, x->plan, x->results, x->count, &style);
    json_array_end(&w);
    assert_false(w.error);
}

static unsigned occurrences(const char *text, const char *what)
{
    unsigned n = 0;
    for (const char *p = strstr(text, what); p != NULL; p = strstr(p + 1, what))
        n++;
    return n;
}

static bool overlap(const struct job_result *a, const struct job_result *b)
{
    return a->start_ns < b->end_ns && b->start_ns < a->end_ns;
}

/* The test: a file with two 3 s jobs finishes in about 3 s of (fake) time, not 6. */
static void test_two_jobs_run_at_the_same_time(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\nrw=randread\nbs=4k\ntime_based\nruntime=3\niodepth=4\n[a]\n[b]\nluns=0:0:2,0:0:3\n");
    assert_int_equal(x->count, 2);
    assert_int_equal(x->plan[1].wave, 0);
    uint64_t spent = run_plan(x);
    assert_true(spent >= 3 * SECOND);
    assert_true(spent < 3 * SECOND + SECOND / 10); /* 3 s and a little, not 6 */
    for (int i = 0; i < 2; i++) {
        assert_true(x->results[i].runtime_ns >= 3000000000ull);
        assert_true(x->results[i].runtime_ns < 3050000000ull);
        assert_true(x->results[i].dir[DIR_READ].ios > 1000);
        assert_int_equal(x->results[i].groupid, 0);
    }
    assert_true(overlap(&x->results[0], &x->results[1]));
    /* They started within a millisecond of each other and each did its own LUNs. */
    uint64_t a = x->results[0].start_ns, b = x->results[1].start_ns;
    assert_true((a > b ? a - b : b - a) < 1000000);
    assert_int_equal(x->results[0].lun_count, 4);
    assert_int_equal(x->results[1].lun_count, 2);
    assert_true(x->b.f.luns[0]->reads > 0 && x->b.f.luns[3]->reads > x->b.f.luns[0]->reads);
    /* fio's group aggregate: all the group's bytes over its longest runtime, for bw_agg. */
    merge_all(x);
    uint64_t bytes = x->results[0].dir[DIR_READ].bytes + x->results[1].dir[DIR_READ].bytes;
    uint64_t longest_ms = x->results[0].runtime_ns > x->results[1].runtime_ns ? x->results[0].runtime_ns / 1000000
                                                                                  : x->results[1].runtime_ns / 1000000;
    for (int i = 0; i < 2; i++)
        assert_int_equal(x->results[i].group_agg_bw[DIR_READ], bytes * 1000 / longest_ms);
    assert_int_equal(x->results[0].group_agg_bw[DIR_WRITE], 0);
}

/* stonewall (and its alias wait_for_previous): the job waits for the ones before it, and opens a
 * new group. */
static void test_stonewall_serialises(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\nrw=randread\nbs=4k\ntime_based\nruntime=1\n[a]\n[b]\nstonewall\n[c]\n[d]\nwait_for_previous\n");
    assert_int_equal(x->count, 4);
    static const unsigned waves[] = { 0, 1, 1, 2 }, groups[] = { 0, 1, 1, 2 };
    for (int i = 0; i < 4; i++) {
        assert_int_equal(x->plan[i].wave, waves[i]);
        assert_int_equal(x->plan[i].groupid, groups[i]);
    }
    uint64_t spent = run_plan(x);
    assert_true(spent >= 3 * SECOND && spent < 3 * SECOND + SECOND / 10); /* three waves of 1 s */
    assert_true(x->results[1].start_ns >= x->results[0].end_ns);
    assert_true(overlap(&x->results[1], &x->results[2]));
    assert_true(x->results[3].start_ns >= x->results[2].end_ns && x->results[3].start_ns >= x->results[1].end_ns);
}

/* new_group: a new group, the same wave; a first job's stonewall opens no group (fio counts a
 * new group only after one with jobs). */
static void test_new_group_numbers_groups(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\nrw=read\nbs=4k\nsize=64k\n[a]\nstonewall\n[b]\n[c]\nnew_group\n[d]\n");
    static const unsigned groups[] = { 0, 0, 1, 1 };
    for (int i = 0; i < 4; i++) {
        assert_int_equal(x->plan[i].wave, 0);
        assert_int_equal(x->plan[i].groupid, groups[i]);
    }
    run_plan(x);
    merge_all(x);
    write_json(x);
    assert_int_equal(occurrences(x->json, "\"groupid\":0,"), 2);
    assert_int_equal(occurrences(x->json, "\"groupid\":1,"), 2);
}

/* numjobs=4: four instances with the job's name (fio's clones), run together, each its own entry in
 * fio's JSON; their offsets differ (each clone's randseed is moved by its number). */
static void test_numjobs_gives_four_entries(void **state)
{
    struct fixture *x = *state;
    plan(x, "[j]\nrw=randread\nbs=4k\niodepth=2\nnumber_ios=500\nnumjobs=4\n");
    assert_int_equal(x->n, 1);
    assert_int_equal(x->count, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_string_equal(x->specs[i].name, "j");
        assert_int_equal(x->plan[i].clone, i);
        assert_int_equal(x->plan[i].groupid, 0);
        assert_int_equal(x->plan[i].wave, 0);
        for (unsigned k = 0; k < i; k++)
            assert_true(x->specs[i].randseed != x->specs[k].randseed);
    }
    run_plan(x);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(x->results[i].dir[DIR_READ].ios, 500);
        assert_int_equal(x->results[i].members, 1);
        for (int k = 0; k < i; k++)
            assert_true(overlap(&x->results[i], &x->results[k]));
    }
    merge_all(x);
    write_json(x);
    assert_int_equal(occurrences(x->json, "\"jobname\":\"j\""), 4);
    assert_int_equal(occurrences(x->json, "\"total_ios\":500,"), 4);
    assert_int_equal(occurrences(x->json, "\"jobs\":1,"), 4);
    assert_int_equal(occurrences(x->json, "\"numjobs\":\"4\""), 4); /* fio's job options, as written */
}

/* group_reporting: one entry for the group whose counts, bytes and histogram buckets are exactly
 * the sum of its members'. */
static void test_group_reporting_merges_exactly(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\nbs=4k\nnumber_ios=600\ngroup_reporting\n[r]\nrw=randread\niodepth=4\nnumjobs=3\n"
            "[w]\nrw=randwrite\niodepth=1\n");
    assert_int_equal(x->count, 4);
    run_plan(x);
    struct job_result *parts = malloc(4 * sizeof *parts);
    assert_non_null(parts);
    memcpy(parts, x->results, 4 * sizeof *parts);
    merge_all(x);
    const struct job_result *m = &x->results[0];
    assert_int_equal(m->members, 4);
    for (int d = 0; d < DIR_COUNT; d++) {
        uint64_t ios = 0, bytes = 0, count = 0, min = UINT64_MAX, max = 0;
        double sum = 0;
        for (int i = 0; i < 4; i++) {
            const struct histogram *h = &parts[i].dir[d].clat;
            ios += parts[i].dir[d].ios;
            bytes += parts[i].dir[d].bytes;
            count += h->count;
            sum += h->mean * (double)h->count;
            min = h->count && h->min < min ? h->min : min;
            max = h->max > max ? h->max : max;
        }
        assert_int_equal(m->dir[d].ios, ios);
        assert_int_equal(m->dir[d].bytes, bytes);
        assert_int_equal(m->dir[d].clat.count, count);
        assert_int_equal(m->dir[d].clat.min, min);
        assert_int_equal(m->dir[d].clat.max, max);
        if (count)
            assert_true(fabs(m->dir[d].clat.mean - sum / (double)count) < 1e-6 * m->dir[d].clat.mean);
        for (unsigned b = 0; b < HIST_PLAT_NR; b++) {
            uint64_t want = 0;
            for (int i = 0; i < 4; i++)
                want += parts[i].dir[d].clat.buckets[b] ;
            assert_int_equal(m->dir[d].clat.buckets[b], want);
        }
    }
    assert_int_equal(m->dir[DIR_READ].ios, 1800);
    assert_int_equal(m->dir[DIR_WRITE].ios, 600);
    uint64_t levels = 0;
    for (int i = 0; i < IODEPTH_LEVELS; i++)
        levels += m->iodepth_level[i];
    assert_int_equal(levels, 2400);
    assert_int_equal(m->lat_dist.total, 2400);
    uint64_t longest = 0;
    for (int i = 0; i < 4; i++)
        longest = parts[i].runtime_ns > longest ? parts[i].runtime_ns : longest;
    assert_int_equal(m->runtime_ns, longest);
    write_json(x);
    assert_int_equal(occurrences(x->json, "\"jobname\":"), 1); /* one entry for the group */
    assert_non_null(strstr(x->json, "\"jobname\":\"r\""));
    assert_non_null(strstr(x->json, "\"jobs\":4,"));
    assert_non_null(strstr(x->json, "\"total_ios\":1800,"));
    free(parts);
}

/* group_reporting merges within a group only: a stonewall's group is its own entry. */
static void test_group_reporting_keeps_groups_apart(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\nrw=read\nbs=4k\nsize=64k\ngroup_reporting\n[a]\nnumjobs=2\n[b]\nstonewall\nnumjobs=2\n");
    run_plan(x);
    merge_all(x);
    write_json(x);
    assert_int_equal(occurrences(x->json, "\"jobname\":"), 2);
    assert_int_equal(occurrences(x->json, "\"jobs\":2,"), 2);
    assert_int_equal(x->results[2].groupid, 1);
}

/* Two jobs side by side each keep their own iodepth: the QD1 job never has two in flight. */
static void test_each_instance_keeps_its_iodepth(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\nrw=randread\nbs=4k\ntime_based\nruntime=10\nnumber_ios=2000\n[qd1]\niodepth=1\n[qd16]\niodepth=16\n");
    run_plan(x);
    const struct job_result *a = &x->results[0], *b = &x->results[1];
    assert_true(overlap(a, b));
    assert_int_equal(a->iodepth_level[0], 2000);
    for (int i = 1; i < IODEPTH_LEVELS; i++)
        assert_int_equal(a->iodepth_level[i], 0);
    /* The QD16 job keeps 8 and more in flight most of the time, up to its 16 ("16": 16..31). */
    assert_true(b->iodepth_level[3] + b->iodepth_level[4] > 1000);
    assert_true(b->iodepth_level[4] > 0);
    assert_int_equal(b->iodepth_level[5] + b->iodepth_level[6], 0);
    /* At QD1 beside QD16 the first job is slower: it waits for each of its I/Os. */
    assert_true(a->runtime_ns > b->runtime_ns);
}

/* A LUN unplugged while two jobs drive it (its REMOVED event, or no event at all) stops in both:
 * neither sends it anything more and both count it removed. */
struct unplug_script {
    unsigned reads, at;
    bool event, done;
};

static void unplug_on_read(struct fake_hba *f, const struct hba_cmd *c, void *ctx)
{
    struct unplug_script *u = ctx;
    if (u->done || c->lun != 1 || c->cdb[0] != SCSI_OP_READ10 || ++u->reads < u->at)
        return;
    u->done = true;
    fake_hba_unplug(f, 0, 1, u->event);
}

static void unplug_under_two_jobs(struct fixture *x, bool event)
{
    plan(x, "[global]\nrw=randread\nbs=4k\niodepth=8\ntime_based\nruntime=200ms\n[a]\n[b]\n");
    struct unplug_script u = { .at = 100, .event = event };
    x->b.f.on_submit = unplug_on_read;
    x->b.f.ctx = &u;
    run_plan(x);
    assert_true(u.done);
    uint64_t reads_at_unplug = x->b.f.luns[1]->reads;
    for (int i = 0; i < 2; i++) {
        const struct job_result *r = &x->results[i];
        /* With the event nothing is an error. Without one, the commands in flight on the LUN when
         * it vanished come back ABORTED and count as errors (as with one job: nothing told the
         * engine the LUN was going); every later one finds it gone. */
        assert_true(r->errors[ERR_RESPONSE] <= (event ? 0u : 8u));
        for (int k = 0; k < ERR_KINDS; k++)
            if (k != ERR_RESPONSE)
                assert_int_equal(r->errors[k], 0);
        assert_false(r->stopped);
        assert_int_equal(r->luns_removed, 1);
        assert_true(r->dir[DIR_READ].ios > 1000); /* the other three LUNs went on */
    }
    /* Nothing reached the LUN after it was gone (the fake counts only what a present LUN ran). */
    assert_int_equal(x->b.f.luns[1]->reads, reads_at_unplug);
    assert_true(x->b.inv.luns[1].flags & LUN_REMOVED);
}

static void test_unplug_stops_in_every_job(void **state) { unplug_under_two_jobs(*state, true); }
static void test_unplug_without_event_stops_in_every_job(void **state) { unplug_under_two_jobs(*state, false); }

/* exitall on a job beside another: fio terminates the other one when it ends. */
static void test_exitall_terminates_the_others(void **state)
{
    struct fixture *x = *state;
    plan(x, "[global]\nrw=randread\nbs=4k\ntime_based\n[short]\nruntime=100ms\nexitall\n[long]\nruntime=10\n");
    uint64_t spent = run_plan(x);
    assert_int_equal(x->ended_by[0], 2); /* exit_what=group: no later wave is held back */
    assert_true(spent < SECOND / 5);
    assert_true(x->results[1].runtime_ns < 200000000ull);
    assert_false(x->results[1].stopped);
}

/* More instances than fit is refused with the job's place. */
static void test_plan_refuses_too_many(void **state)
{
    struct fixture *x = *state;
    const char *text = "[j]\nnumjobs=17\n";
    char err[300] = "";
    assert_int_equal(job_file_parse("t.fio", text, strlen(text), NULL, 0, x->jobs, MAX_SPECS, &x->n, err, sizeof err), 0);
    assert_int_equal(job_plan(x->jobs, x->n, x->plan, x->specs, MAX_SPECS, &x->count, err, sizeof err), -1);
    assert_string_equal(err, "t.fio:1: job 'j': more than 16 job instances (numjobs included)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_two_jobs_run_at_the_same_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stonewall_serialises, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_group_numbers_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numjobs_gives_four_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_reporting_merges_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_reporting_keeps_groups_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_instance_keeps_its_iodepth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unplug_stops_in_every_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unplug_without_event_stops_in_every_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exitall_terminates_the_others, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_refuses_too_many, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
