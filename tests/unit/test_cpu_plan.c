/* Placing a wave's job instances on CPUs and giving each CPU its request queues
 * (bench/cpu_plan.c): fio's cpus_allowed with its shared and split policies, the spread without
 * it, the cap by the HBA with fewest queues, jobs that log kept on CPU 0, and that every queue of
 * every HBA has exactly one owner among the CPUs that run jobs. */
#include <stdio.h>
#include <string.h>

#include "bench/cpu_plan.h"
#include "bench/job.h"
#include "bench/job_plan.h"
#include "tests/unit/test_support.h"

#define MAX_SPECS 16

struct fixture {
    struct hba hbas[2];
    struct hba *hba_ptrs[2];
    bool ok[2];
    struct bench_env env;
    struct job_spec jobs[MAX_SPECS], specs[MAX_SPECS];
    struct job_instance plan[MAX_SPECS];
    const struct job_spec *wave[MAX_SPECS];
    unsigned clone[MAX_SPECS], worker_of[MAX_SPECS];
    size_t count;
    struct cpu_plan p;
    char err[300];
};

static struct fixture fx;

/* n HBAs with the given request queue counts. */
static void hbas(unsigned n, unsigned q0, unsigned q1)
{
    memset(&fx, 0, sizeof fx);
    for (unsigned h = 0; h < n; h++) {
        fx.hbas[h].num_queues = h == 0 ? q0 : q1;
        snprintf(fx.hbas[h].name, sizeof fx.hbas[h].name, "00:0%u.0", 3 + h);
        fx.hba_ptrs[h] = &fx.hbas[h];
        fx.ok[h] = true;
    }
    fx.env = (struct bench_env){ .hbas = fx.hba_ptrs, .hba_ok = fx.ok, .hba_count = n };
}

/* Parse and plan the jobs, then place them on cpus CPUs: cpu_plan_make's return. */
static int place(const char *text, unsigned cpus)
{
    size_t n = 0;
    if (job_file_parse("t.fio", text, strlen(text), NULL, 0, fx.jobs, MAX_SPECS, &n, fx.err, sizeof fx.err) != 0)
        fail_msg("jobs did not parse: %s", fx.err);
    if (job_plan(fx.jobs, n, fx.plan, fx.specs, MAX_SPECS, &fx.count, fx.err, sizeof fx.err) != 0)
        fail_msg("jobs did not plan: %s", fx.err);
    for (size_t i = 0; i < fx.count; i++) {
        fx.wave[i] = &fx.specs[i];
        fx.clone[i] = fx.plan[i].clone;
    }
    return cpu_plan_make(fx.wave, fx.clone, fx.count, cpus, &fx.env, &fx.p, fx.worker_of, fx.err, sizeof fx.err);
}

static unsigned cpu_of(size_t i) { return fx.p.cpu[fx.worker_of[i]]; }

/* Every queue of every usable HBA has exactly one owner, and only workers that run instances own
 * any; each such worker owns at least one queue of every HBA. */
static void check_queues_partitioned(void)
{
    for (unsigned h = 0; h < fx.env.hba_count; h++) {
        uint64_t seen = 0;
        for (unsigned w = 0; w < fx.p.workers; w++) {
            uint64_t mask = fx.p.queues[w].mask[h];
            assert_int_equal(seen & mask, 0);
            seen |= mask;
            if (fx.p.instances[w] == 0)
                assert_int_equal(mask, 0);
            else
                assert_true(mask != 0);
        }
        unsigned q = fx.hbas[h].num_queues;
        assert_true(seen == (q >= 64 ? ~0ull : (1ull << q) - 1));
    }
}

static void test_clones_spread_one_a_cpu(void **state)
{
    (void)state;
    hbas(1, 4, 0);
    assert_int_equal(place("[r]\nrw=randread\nnumjobs=4\n", 4), 0);
    assert_int_equal(fx.p.workers, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(cpu_of(i), i);
        assert_int_equal(fx.p.queues[fx.worker_of[i]].mask[0], 1ull << i);
    }
    assert_string_equal(fx.p.note, "");
    check_queues_partitioned();
}

static void test_more_jobs_than_cpus_share_them(void **state)
{
    (void)state;
    hbas(1, 8, 0);
    assert_int_equal(place("[a]\nrw=randread\nnumjobs=3\n[b]\nrw=randwrite\nnumjobs=3\n", 4), 0);
    unsigned load[4] = { 0 };
    for (size_t i = 0; i < fx.count; i++)
        load[cpu_of(i)]++;
    assert_int_equal(load[0], 2);
    assert_int_equal(load[1], 2);
    assert_int_equal(load[2], 1);
    assert_int_equal(load[3], 1);
    /* 8 queues over 4 CPUs, round-robin: CPU 0 has queues 0 and 4. */
    assert_int_equal(fx.p.queues[0].mask[0], 0x11);
    check_queues_partitioned();
}

static void test_fewest_queues_cap_the_cpus(void **state)
{
    (void)state;
    hbas(2, 4, 2);
    assert_int_equal(place("[r]\nrw=randread\nnumjobs=4\n", 4), 0);
    assert_int_equal(fx.p.cpus_usable, 2);
    assert_int_equal(fx.p.workers, 2);
    assert_non_null(strstr(fx.p.note, "HBA 1 (00:04.0) has 2 request queues"));
    for (size_t i = 0; i < 4; i++)
        assert_true(cpu_of(i) < 2);
    check_queues_partitioned();
}

static void test_cpus_allowed_shared(void **state)
{
    (void)state;
    hbas(1, 4, 0);
    assert_int_equal(place("[r]\nrw=randread\nnumjobs=4\ncpus_allowed=2-3\n", 4), 0);
    /* CPU 0 is the owner with nothing of its own; 2 and 3 take two clones each. */
    assert_int_equal(fx.p.workers, 3);
    assert_int_equal(fx.p.cpu[0], 0);
    assert_int_equal(fx.p.instances[0], 0);
    unsigned on2 = 0;
    for (size_t i = 0; i < 4; i++) {
        assert_true(cpu_of(i) == 2 || cpu_of(i) == 3);
        on2 += cpu_of(i) == 2;
    }
    assert_int_equal(on2, 2);
    check_queues_partitioned();
}

static void test_cpus_allowed_split(void **state)
{
    (void)state;
    hbas(1, 4, 0);
    assert_int_equal(place("[r]\nrw=randread\nnumjobs=4\ncpus_allowed=1,3\ncpus_allowed_policy=split\n", 4), 0);
    /* Clone k gets the k-th CPU of {1, 3}, wrapping. */
    assert_int_equal(cpu_of(0), 1);
    assert_int_equal(cpu_of(1), 3);
    assert_int_equal(cpu_of(2), 1);
    assert_int_equal(cpu_of(3), 3);
    check_queues_partitioned();
}

static void test_cpumask_is_the_same_set(void **state)
{
    (void)state;
    hbas(1, 4, 0);
    assert_int_equal(place("[r]\nrw=randread\nnumjobs=2\ncpumask=0x8\n", 4), 0);
    assert_int_equal(cpu_of(0), 3);
    assert_int_equal(cpu_of(1), 3);
}

static void test_cpus_allowed_naming_no_running_cpu_is_refused(void **state)
{
    (void)state;
    hbas(1, 4, 0);
    assert_int_equal(place("[far]\nrw=randread\ncpus_allowed=5-7\n", 4), -1);
    assert_string_equal(fx.err, "job 'far': cpus_allowed names no CPU that runs (CPUs 0-3 run; start more with "
                                "cpus= or --cpus)");
}

static void test_jobs_that_log_stay_on_cpu0(void **state)
{
    (void)state;
    hbas(1, 4, 0);
    assert_int_equal(place("[l]\nrw=randread\nnumjobs=3\nwrite_lat_log=l\n", 4), 0);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(cpu_of(i), 0);
    assert_int_equal(fx.p.workers, 1);
    assert_int_equal(place("[l]\nrw=randread\nwrite_iops_log=l\ncpus_allowed=1\n", 4), -1);
    assert_string_equal(fx.err, "job 'l': writes fio's log files, which only CPU 0 sends: its cpus_allowed must "
                                "include CPU 0");
}

static void test_bad_cpus_allowed_values(void **state)
{
    (void)state;
    static const char *const bad[] = { "cpus_allowed=64", "cpus_allowed=3-1", "cpus_allowed=1/2",
                                       "cpus_allowed_policy=spread", "cpumask=0" };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char text[120];
        snprintf(text, sizeof text, "[j]\nrw=read\n%s\n", bad[k]);
        size_t n = 0;
        char err[300] = "";
        if (job_file_parse("t.fio", text, strlen(text), NULL, 0, fx.jobs, MAX_SPECS, &n, err, sizeof err) != -1)
            fail_msg("%s was accepted", bad[k]);
        assert_non_null(strstr(err, bad[k][3] == 'm' ? "cpumask" : "cpus_allowed"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clones_spread_one_a_cpu),
        cmocka_unit_test(test_more_jobs_than_cpus_share_them),
        cmocka_unit_test(test_fewest_queues_cap_the_cpus),
        cmocka_unit_test(test_cpus_allowed_shared),
        cmocka_unit_test(test_cpus_allowed_split),
        cmocka_unit_test(test_cpumask_is_the_same_set),
        cmocka_unit_test(test_cpus_allowed_naming_no_running_cpu_is_refused),
        cmocka_unit_test(test_jobs_that_log_stay_on_cpu0),
        cmocka_unit_test(test_bad_cpus_allowed_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
