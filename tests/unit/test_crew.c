/* A crew of workers on several CPUs (bench/crew.c), each CPU a thread here, against the fake HBA:
 * every request queue is reaped only by the CPU that owns it and its counts add up; a LUN removed
 * while four CPUs drive it stops on all four, with no errors; a stalled LUN is recovered by the
 * owner while the other CPUs keep going; an exitall on one CPU ends the jobs on the others.
 *
 * The fake HBA is not thread-safe, as a device is not: every call into it (and its clock) holds
 * one lock here, which stands for the device's own serialisation. The crew itself takes no lock
 * on the I/O path; that is what runs under ASan and UBSan with real concurrency. */
#define _GNU_SOURCE /* PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/crew.h"
#include "bench/job_plan.h"
#include "bench/worker.h"
#include "drivers/scsi/scsi.h"
#include "tests/unit/bench_fixture.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define MAX_SPECS 16
#define CPUS 4
#define TIMEOUT 2000000 /* ticks: every thread advances the shared clock, so generous */

/* ---- the device's serialisation, and the CPUs as threads ---- */

static pthread_mutex_t device_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static const struct hba_ops *fake_ops;
static struct hba_ops locked_ops;

#define LOCKED(expr)                                                                                                   \
    do {                                                                                                               \
        pthread_mutex_lock(&device_lock);                                                                              \
        __typeof__(expr) r_ = expr;                                                                                    \
        pthread_mutex_unlock(&device_lock);                                                                            \
        return r_;                                                                                                     \
    } while (0)

static int l_submit(struct hba *h, unsigned q, struct hba_cmd *c) { LOCKED(fake_ops->submit(h, q, c)); }
static void l_kick(struct hba *h, unsigned q)
{
    pthread_mutex_lock(&device_lock);
    fake_ops->kick(h, q);
    pthread_mutex_unlock(&device_lock);
}
static unsigned l_poll(struct hba *h, unsigned q, struct hba_cmd **d, unsigned m) { LOCKED(fake_ops->poll(h, q, d, m)); }
static unsigned l_in_flight(const struct hba *h, unsigned q) { LOCKED(fake_ops->in_flight(h, q)); }
static unsigned l_overdue(struct hba *h, unsigned q, uint64_t now, struct hba_cmd **o, unsigned m)
{
    LOCKED(fake_ops->overdue(h, q, now, o, m));
}
static unsigned l_poll_events(struct hba *h, struct hba_event *e, unsigned m) { LOCKED(fake_ops->poll_events(h, e, m)); }
static int l_tmf_submit(struct hba *h, struct hba_tmf *t) { LOCKED(fake_ops->tmf_submit(h, t)); }
static unsigned l_tmf_poll(struct hba *h, struct hba_tmf **d, unsigned m) { LOCKED(fake_ops->tmf_poll(h, d, m)); }
static int l_reset(struct hba *h) { LOCKED(fake_ops->reset(h)); }
static uint64_t l_now(const struct hba *h) { LOCKED(fake_ops->now(h)); }
static uint64_t locked_clock(void) { LOCKED(fake_clock_now()); }

static __thread unsigned this_cpu; /* 0 on the test's own thread */
static pthread_t threads[CPUS];
static unsigned done_flags[CPUS];
static unsigned cpu_numbers[CPUS];

struct thread_start {
    unsigned cpu;
    void (*fn)(void *arg);
    void *arg;
};
static struct thread_start starts[CPUS];

static void *thread_main(void *p)
{
    struct thread_start *s = p;
    this_cpu = s->cpu;
    s->fn(s->arg);
    __atomic_store_n(&done_flags[s->cpu], 1, __ATOMIC_RELEASE);
    return NULL;
}

static void cpu_run(unsigned cpu, void (*fn)(void *arg), void *arg)
{
    assert_true(cpu > 0 && cpu < CPUS);
    done_flags[cpu] = 0;
    starts[cpu] = (struct thread_start){ cpu, fn, arg };
    assert_int_equal(pthread_create(&threads[cpu], NULL, thread_main, &starts[cpu]), 0);
}

static bool cpu_done(unsigned cpu)
{
    if (!__atomic_load_n(&done_flags[cpu], __ATOMIC_ACQUIRE))
        return false;
    pthread_join(threads[cpu], NULL);
    done_flags[cpu] = 0;
    cpu_numbers[cpu]++;
    return true;
}

static uint32_t cpu_id(void) { return 100 + this_cpu; }

static const struct bench_cpus test_cpus = { CPUS, cpu_run, cpu_done, cpu_id };

/* ---- fixture ---- */

struct fixture {
    struct bench_fixture b;
    struct job_spec jobs[MAX_SPECS], specs[MAX_SPECS];
    struct job_instance plan[MAX_SPECS];
    const struct job_spec *wave[MAX_SPECS];
    unsigned clone[MAX_SPECS], worker_of[MAX_SPECS];
    struct job_result results[MAX_SPECS];
    size_t count, ended_by;
    struct hotplug hp;
    struct cpu_plan cpu_plan;
    struct crew_report report;
    unsigned unplug_after; /* READs, then LUN 0:0:0 is unplugged (0: never) */
    unsigned stall_after;  /* READs, then LUN 0:0:1 stalls (0: never) */
    unsigned reads;
};

BENCH_FIXTURE_SETUP_TEARDOWN(struct fixture)

static void on_submit(struct fake_hba *f, const struct hba_cmd *cmd, void *ctx)
{
    struct fixture *x = ctx;
    if (cmd->cdb[0] != SCSI_OP_READ10 && cmd->cdb[0] != SCSI_OP_READ16)
        return;
    x->reads++;
    if (x->unplug_after != 0 && x->reads == x->unplug_after)
        fake_hba_unplug(f, 0, 0, true);
    if (x->stall_after != 0 && x->reads == x->stall_after)
        fake_hba_find_lun(f, 0, 1)->stall = true;
}

/* luns disks on an HBA of queues request queues, discovered; the crew's CPUs and the locked device. */
static void prepare(struct fixture *x, unsigned luns, unsigned queues)
{
    for (uint16_t l = 0; l < luns; l++)
        fake_hba_add_lun(&x->b.f, 0, l, 2048);
    x->b.f.base.num_queues = queues;
    bench_fixture_discover(&x->b, TIMEOUT, locked_clock);
    fake_ops = x->b.f.base.ops;
    locked_ops = (struct hba_ops){ l_submit, l_kick, l_poll, l_in_flight, l_overdue, l_poll_events,
                                   l_tmf_submit, l_tmf_poll, l_reset, l_now };
    x->b.f.base.ops = &locked_ops;
    x->b.f.on_submit = on_submit;
    x->b.f.ctx = x;
    x->b.env.cpus = &test_cpus;
    hotplug_init(&x->hp, &x->b.env);
}

/* Plan one wave from the job text, place it on the CPUs and run it as a crew: bench_crew_run's. */
static int run(struct fixture *x, const char *text)
{
    char err[300] = "";
    size_t n = 0;
    if (job_file_parse("t.fio", text, strlen(text), NULL, 0, x->jobs, MAX_SPECS, &n, err, sizeof err) != 0)
        fail_msg("jobs did not parse: %s", err);
    if (job_plan(x->jobs, n, x->plan, x->specs, MAX_SPECS, &x->count, err, sizeof err) != 0)
        fail_msg("jobs did not plan: %s", err);
    assert_int_equal(job_plan_wave_end(x->plan, x->count, 0), x->count);
    for (size_t i = 0; i < x->count; i++) {
        x->wave[i] = &x->specs[i];
        x->clone[i] = x->plan[i].clone;
    }
    if (cpu_plan_make(x->wave, x->clone, x->count, CPUS, &x->b.env, &x->cpu_plan, x->worker_of, err, sizeof err) != 0)
        fail_msg("no placement: %s", err);
    struct wave wave;
    assert_int_equal(wave_init(&wave, x->wave, x->count, 0, x->b.env.now(), x->b.env.tsc_hz), 0);
    int rc = bench_crew_run(&x->b.env, &x->hp, &x->cpu_plan, x->worker_of, &wave, x->results, &x->ended_by, &x->report);
    wave_free(&wave);
    return rc;
}

static void free_report(struct fixture *x)
{
    for (unsigned w = 0; w < x->report.workers; w++)
        free(x->report.w[w].reaped);
}

static void test_each_queue_is_reaped_by_its_owner(void **state)
{
    struct fixture *x = *state;
    prepare(x, 4, 4);
    uint64_t before[4]; /* discovery's commands */
    for (unsigned q = 0; q < 4; q++)
        before[q] = x->b.f.base.queue_stats[q].submitted;
    assert_int_equal(run(x, "[r]\nrw=randread\nbs=4k\niodepth=4\nnumber_ios=3000\ntime_based=1\nruntime=1000\nnumjobs=4\n"), 0);
    assert_int_equal(x->report.workers, 4);
    uint64_t reaped_total = 0, ios_total = 0;
    for (unsigned w = 0; w < 4; w++) {
        const struct crew_worker_report *rep = &x->report.w[w];
        assert_int_equal(rep->cpu, w);
        assert_int_equal(rep->cpu_id, 100 + w); /* read on that CPU's own thread */
        for (unsigned q = 0; q < 4; q++) {
            uint64_t n = rep->reaped[q];
            if (q == w)
                assert_true(n >= 3000);
            else
                assert_int_equal(n, 0);
            reaped_total += n;
        }
        /* What the CPU reaped from its queue is what the device took on it. */
        assert_int_equal(rep->reaped[w], x->b.f.base.queue_stats[w].submitted - before[w]);
    }
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(x->results[i].dir[DIR_READ].ios, 3000);
        assert_int_equal(bench_fixture_errors(&x->results[i]), 0);
        ios_total += x->results[i].dir[DIR_READ].ios;
    }
    assert_int_equal(reaped_total, ios_total);
    assert_int_equal(x->report.pauses, 0); /* nothing shared happened: no CPU ever waited on another */
    free_report(x);
}

static void test_lun_removed_under_four_cpus_stops_on_all(void **state)
{
    struct fixture *x = *state;
    prepare(x, 1, 4);
    x->unplug_after = 2000;
    uint64_t ios = 0;
    assert_int_equal(run(x, "[r]\nrw=randread\nbs=4k\niodepth=8\nnumber_ios=1000000\ntime_based=1\nruntime=1000\nnumjobs=4\n"), -1);
    for (size_t i = 0; i < 4; i++) {
        const struct job_result *r = &x->results[i];
        assert_true(r->stopped);
        assert_string_equal(r->stop_reason, "no LUN of the job is left (1 removed or taken out)");
        assert_int_equal(bench_fixture_errors(r), 0); /* cancelled by the unplug: removed, not failed */
        assert_int_equal(r->luns_removed, 1);
        assert_true(r->dir[DIR_READ].ios < 1000000);
        ios += r->dir[DIR_READ].ios;
    }
    assert_true(ios >= 2000 - 4 * 8); /* the unplug came after 2000 READs; some were in flight */
    assert_true(x->b.inv.luns[0].flags & LUN_REMOVED);
    assert_true(x->report.pauses >= 1);
    free_report(x);
}

static void test_stalled_lun_recovered_by_the_owner(void **state)
{
    struct fixture *x = *state;
    prepare(x, 2, 2);
    x->stall_after = 500;
    x->b.f.abort_frees = true;
    x->b.env.cmd_timeout_cycles = 20000; /* 20 ms of fake time: recovery happens within the job */
    assert_int_equal(run(x, "[r]\nrw=randread\nbs=4k\niodepth=4\nnumber_ios=4000\ntime_based=1\nruntime=1000\nnumjobs=2\n"), 0);
    uint64_t aborted = 0;
    for (size_t i = 0; i < 2; i++) {
        const struct job_result *r = &x->results[i];
        assert_int_equal(r->dir[DIR_READ].ios + r->dir[DIR_READ].errors, 4000);
        aborted += r->errors[ERR_RESPONSE];
    }
    assert_true(x->b.f.tmfs[HBA_TMF_ABORT_TASK] >= 1);
    assert_int_equal(x->b.f.base.stats.aborts, x->b.f.tmfs[HBA_TMF_ABORT_TASK] + x->b.f.tmfs[HBA_TMF_LUN_RESET] -
                                                   x->b.f.base.stats.lun_resets);
    assert_true(aborted >= 1);
    assert_int_equal(x->b.f.base.tmfs_in_flight, 0);
    assert_true(x->report.pauses >= 1);
    free_report(x);
}

static void test_exitall_on_one_cpu_ends_the_others(void **state)
{
    struct fixture *x = *state;
    prepare(x, 2, 2);
    assert_int_equal(run(x, "[short]\nrw=randread\nnumber_ios=500\nexitall=1\n"
                            "[long]\nrw=randread\nnumber_ios=100000000\ntime_based=1\nruntime=1000\n"), 0);
    assert_int_equal(x->ended_by, 2); /* exit_what=group: its group only; later waves would run */
    assert_int_equal(x->results[0].dir[DIR_READ].ios, 500);
    assert_true(x->results[1].dir[DIR_READ].ios < 100000000);
    assert_int_equal(x->report.workers, 2);
    free_report(x);
}

/* fio's coordination across CPUs (bench/wave.h): a flow's two jobs on two CPUs keep their 1:3
 * ratio through the shared counters; a job waits for one on the other CPU; exit_what=all on one CPU
 * cancels a job still waiting on the other. */
static void test_flow_and_wait_for_across_cpus(void **state)
{
    struct fixture *x = *state;
    prepare(x, 2, 2);
    /* b ends after 3000 I/Os and terminates a (its group): a had its quarter of the flow, 1000. */
    assert_int_equal(run(x, "[global]\nrw=randread\ntime_based=1\nruntime=1000\n"
                            "[a]\nflow=1\n[b]\nflow=3\nnumber_ios=3000\nexitall\n[c]\nnew_group\nwait_for=a\nruntime=100ms\ncpus_allowed=1\n"),
                     0);
    assert_int_equal(x->report.workers, 2);
    assert_int_not_equal(x->worker_of[0], x->worker_of[1]);
    assert_int_not_equal(x->worker_of[0], x->worker_of[2]);
    uint64_t a = x->results[0].dir[DIR_READ].ios;
    assert_int_equal(x->results[1].dir[DIR_READ].ios, 3000);
    /* Within 3%: a may issue a few more between b's leaving the flow and the owner's pause that
     * terminates it (without the flow it would have matched b's 3000). */
    assert_in_range(a, 990, 1030);
    /* c (a group of its own, out of b's reach) waited for a, which ran on the other CPU. */
    assert_true(x->results[2].start_ns >= x->results[0].end_ns);
    assert_true(x->results[2].dir[DIR_READ].ios > 0); /* how many: the other CPU's spinning moves the shared clock */
    free_report(x);
    memset(&x->report, 0, sizeof x->report);
    assert_int_equal(run(x, "[global]\nrw=randread\ntime_based=1\nruntime=1000\n[short]\nruntime=100ms\nexitall\n"
                            "exit_what=all\n[long]\nnew_group\n[waiting]\nnew_group\nstartdelay=1000\n"), 0);
    assert_int_equal(x->ended_by, 0);
    assert_true(x->results[1].runtime_ns < 200000000ull);
    assert_int_equal(x->results[2].dir[DIR_READ].ios, 0);
    free_report(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_each_queue_is_reaped_by_its_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lun_removed_under_four_cpus_stops_on_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stalled_lun_recovered_by_the_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exitall_on_one_cpu_ends_the_others, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flow_and_wait_for_across_cpus, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
