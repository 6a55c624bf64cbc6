/* The benchmark engine over the HBA seam, against the fake HBA: accounting, LUN selection and its
 * refusals, verify stamps and durable generations, UNIT ATTENTION retries, deadline recovery, and a
 * stalled LUN that must not take the others down. Time is the fake clock: every run is exact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine.h"
#include "bench/worker.h"
#include "bench/stamp.h"
#include "bench/targets.h"
#include "drivers/hba/discovery.h"
#include "drivers/scsi/scsi.h"
#include "tests/unit/bench_fixture.h"
#include "tests/unit/fake_hba.h"
#include "tests/unit/test_support.h"

#define LUN_BLOCKS 2048 /* 1 MiB LUNs of 512-byte blocks */
#define TIMEOUT 100000  /* ticks: 100 ms of fake time */
#define WALL_CLOCK_US BENCH_FIXTURE_WALL_CLOCK_US

struct fixture {
    struct bench_fixture b;
};

BENCH_FIXTURE_SETUP_TEARDOWN(struct fixture)

/* n disk LUNs 0:0:0..n-1. */
static void luns(struct fixture *x, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        fake_hba_add_lun(&x->b.f, 0, (uint16_t)i, LUN_BLOCKS);
}

static void discover(struct fixture *x) { bench_fixture_discover(&x->b, TIMEOUT, fake_clock_now); }
static void parse(struct fixture *x, const char *text) { bench_fixture_parse(&x->b, text); }

static int run(struct fixture *x, const char *text) { return bench_fixture_run(&x->b, text); }

static void test_randread_accounts_every_io(void **state)
{
    struct fixture *x = *state;
    luns(x, 4);
    discover(x);
    assert_int_equal(run(x, "[j]\nrw=randread\nbs=4096\niodepth=8\nnumber_ios=800\n"), 0);
    assert_int_equal(x->b.r.dir[DIR_READ].ios, 800);
    assert_int_equal(x->b.r.dir[DIR_READ].bytes, 800 * 4096);
    assert_int_equal(x->b.r.dir[DIR_WRITE].ios, 0);
    assert_int_equal(bench_fixture_errors(&x->b.r), 0);
    assert_int_equal(x->b.r.lun_count, 4);
    assert_false(x->b.r.stopped);
    uint64_t levels = 0;
    for (int i = 0; i < IODEPTH_LEVELS; i++)
        levels += x->b.r.iodepth_level[i];
    assert_int_equal(levels, 800);
    assert_true(x->b.r.iodepth_level[3] > 0); /* depth 8 was reached */
    uint64_t reads = 0;
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(x->b.f.luns[i]->reads, 200); /* round-robin spreads them evenly */
        reads += x->b.f.luns[i]->reads;
    }
    assert_int_equal(reads, 800);
    /* Latency is the fake's 20 ticks (µs) plus what the loop adds: well under a millisecond. */
    assert_true(x->b.r.dir[DIR_READ].clat.max < 1000000);
    assert_true(x->b.r.dir[DIR_READ].clat.min >= 20000);
}

static void test_sequential_job_covers_each_region_once(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    discover(x);
    assert_int_equal(run(x, "[j]\nrw=read\nbs=4k\nsize=64k\noffset=8k\niodepth=4\n"), 0);
    assert_int_equal(x->b.r.dir[DIR_READ].ios, 2 * 16);
    assert_int_equal(x->b.f.luns[0]->reads, 16);
    assert_int_equal(x->b.f.luns[1]->reads, 16);
}

static void check_refused(struct fixture *x, const char *text, const char *want)
{
    char err[300] = "";
    parse(x, text);
    assert_int_equal(targets_check(&x->b.job, &x->b.env, err, sizeof err), -1);
    if (strstr(err, want) == NULL)
        fail_msg("refusal '%s' does not say '%s'", err, want);
}

static void test_selection_refusals(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    fake_hba_add_lun(&x->b.f, 1, 0, LUN_BLOCKS)->block_size = 4096;
    fake_hba_add_lun(&x->b.f, 2, 0, LUN_BLOCKS)->write_protected = true;
    discover(x);
    check_refused(x, "[j]\nrw=read\nluns=hba:3\n", "luns=hba:3, but there is 1 usable HBA");
    check_refused(x, "[j]\nrw=read\nluns=0:0:0,0:5:1\n", "luns=...0:5:1...: no such LUN was discovered");
    check_refused(x, "[j]\nrw=read\nbs=512\nluns=0:1:0\n", "(1 left out; LUN 0:1:0: bs=512 is not a multiple of its 4096-byte blocks)");
    check_refused(x, "[j]\nrw=write\nluns=0:2:0\n", "no LUN it selects can run it (1 left out; LUN 0:2:0: it is write-protected");
    check_refused(x, "[j]\nrw=read\nluns=0:0:0\noffset=2m\n", "(1 left out; LUN 0:0:0: offset=2097152 is past its end");
    /* Accepted: a write job that leaves out the read-only LUN, a read job on all of them. */
    char err[300];
    parse(x, "[j]\nrw=write\n");
    assert_int_equal(targets_check(&x->b.job, &x->b.env, err, sizeof err), 0);
    struct target_set set;
    assert_int_equal(targets_build(&set, &x->b.job, &x->b.env, err, sizeof err), 0);
    assert_int_equal(set.n, 3);
    assert_int_equal(set.live, 3);
    targets_free(&set);
}

/* A LUN smaller than one bs, or whose blocks do not divide bs, is left out of a luns=all job like
 * a write-protected one (named, the job runs on the rest), not a refusal of the whole job. */
static void test_lun_too_small_for_bs_is_left_out(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    fake_hba_add_lun(&x->b.f, 0, 2, 1);                              /* one 512-byte block */
    fake_hba_add_lun(&x->b.f, 1, 0, LUN_BLOCKS)->block_size = 4096; /* bs=2k does not fit */
    discover(x);
    char err[300] = "";
    parse(x, "[j]\nrw=read\nbs=2k\nluns=all\n");
    assert_int_equal(targets_check(&x->b.job, &x->b.env, err, sizeof err), 0);
    struct target_set set;
    assert_int_equal(targets_build(&set, &x->b.job, &x->b.env, err, sizeof err), 0);
    assert_int_equal(set.n, 2);
    for (unsigned i = 0; i < set.n; i++)
        assert_true(set.t[i].info->target == 0 && set.t[i].info->lun < 2);
    targets_free(&set);
    assert_int_equal(run(x, "[j]\nrw=read\nbs=2k\nluns=all\nsize=64k\n"), 0);
    assert_int_equal(x->b.r.dir[DIR_READ].ios, 2 * 32);
    assert_int_equal(fake_hba_find_lun(&x->b.f, 0, 2)->reads + fake_hba_find_lun(&x->b.f, 1, 0)->reads, 0);
    check_refused(x, "[j]\nrw=read\nbs=2k\nluns=0:0:2\n", "(1 left out; LUN 0:0:2: it has 512 bytes from offset 0, less than one bs=2048)");
}

/* Discovery leaves the write-protect bit unread; only a job that writes reads it, for the disks
 * it selects, once. */
static void test_write_protect_read_for_write_jobs_only(void **state)
{
    struct fixture *x = *state;
    luns(x, 3);
    discover(x);
    assert_int_equal(x->b.f.ops[SCSI_OP_MODE_SENSE6], 0);
    char err[300];
    parse(x, "[j]\nrw=randread\n");
    assert_int_equal(targets_check(&x->b.job, &x->b.env, err, sizeof err), 0);
    assert_int_equal(x->b.f.ops[SCSI_OP_MODE_SENSE6], 0);
    parse(x, "[j]\nrw=randwrite\nluns=0:0:0,0:0:2\n");
    assert_int_equal(targets_check(&x->b.job, &x->b.env, err, sizeof err), 0);
    assert_int_equal(x->b.f.ops[SCSI_OP_MODE_SENSE6], 2);
    assert_int_equal(fake_hba_find_lun(&x->b.f, 0, 1)->commands, 1); /* not selected: READ CAPACITY only (the fake does not count INQUIRY) */
    parse(x, "[j]\nrw=write\n");
    assert_int_equal(targets_check(&x->b.job, &x->b.env, err, sizeof err), 0);
    assert_int_equal(x->b.f.ops[SCSI_OP_MODE_SENSE6], 3); /* only LUN 1 was still unread */
}

/* Each LUN holds at most ceil(iodepth / LUNs) commands. */
struct depth_watch {
    unsigned max_per_lun;
};

static void watch_depth(struct fake_hba *f, const struct hba_cmd *cmd, void *ctx)
{
    struct depth_watch *w = ctx;
    unsigned n = 0;
    for (unsigned i = 0; i < f->n_inflight; i++)
        n += f->inflight[i].cmd->target == cmd->target && f->inflight[i].cmd->lun == cmd->lun;
    if (n > w->max_per_lun)
        w->max_per_lun = n;
}

static void test_each_lun_holds_its_share_of_iodepth(void **state)
{
    struct fixture *x = *state;
    luns(x, 8);
    discover(x);
    struct depth_watch w = { 0 };
    x->b.f.on_submit = watch_depth;
    x->b.f.ctx = &w;
    assert_int_equal(run(x, "[j]\nrw=randread\niodepth=16\nlun_order=random\nnumber_ios=1500\n"), 0);
    assert_int_equal(w.max_per_lun, 2);
    assert_int_equal(x->b.r.dir[DIR_READ].ios, 1500);
}

static void test_unit_attention_is_retried(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    discover(x);
    struct fake_lun *l = x->b.f.luns[1];
    l->ua_pending = 3;
    l->ua_asc = SCSI_ASC_POWER_ON_OR_RESET;
    assert_int_equal(run(x, "[j]\nrw=randread\niodepth=4\nnumber_ios=500\n"), 0);
    assert_int_equal(x->b.r.ua_retries, 3);
    assert_int_equal(bench_fixture_errors(&x->b.r), 0);
    assert_int_equal(x->b.r.dir[DIR_READ].ios, 500);
}

static void test_media_error_is_counted_for_its_lun(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    discover(x);
    x->b.f.luns[1]->media_error_lba = 0;
    assert_int_equal(run(x, "[j]\nrw=read\nbs=4k\nsize=32k\niodepth=2\n"), 0);
    assert_int_equal(x->b.r.errors[ERR_CHECK_CONDITION], 1);
    assert_int_equal(x->b.r.dir[DIR_READ].errors, 1);
    assert_int_equal(x->b.r.dir[DIR_READ].ios, 15);
    assert_int_equal(x->b.inv.luns[1].errors, 1);
    assert_int_equal(x->b.inv.luns[0].errors, 0);
}

/* The generation of every block of a LUN's store, or -1 if the blocks disagree or a stamp is bad. */
static int64_t store_generation(const struct fake_lun *l, uint64_t first, uint64_t blocks)
{
    int64_t gen = -1;
    for (uint64_t b = first; b < first + blocks; b++) {
        const uint8_t *block = l->data + b * l->block_size;
        struct stamp s;
        memcpy(&s, block, sizeof s);
        struct stamp_id id = { 0, l->target, l->lun };
        if (stamp_check(block, l->block_size, id, b, 0, STAMP_CRC32C, NULL) != STAMP_OK)
            return -1;
        if (gen >= 0 && (int64_t)s.generation != gen)
            return -1;
        gen = (int64_t)s.generation;
    }
    return gen;
}

/* A durable write job: one pass with stamps, SYNCHRONIZE CACHE on every LUN, then every block read
 * back and checked; a later verifying read job finds a corrupted block. */
static void test_verify_stamps_and_durable_generation(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    fake_lun_store(x->b.f.luns[0]);
    fake_lun_store(x->b.f.luns[1]);
    discover(x);
    assert_int_equal(run(x, "[j]\nrw=write\nbs=4k\nsize=64k\nverify=crc32c\niodepth=4\n"), 0);
    assert_int_equal(x->b.r.dir[DIR_WRITE].ios, 2 * 16);
    assert_int_equal(x->b.r.verify_blocks, 2 * 128);
    assert_int_equal(x->b.r.verify_failures, 0);
    assert_int_equal(x->b.f.luns[0]->flushes, 1);
    assert_int_equal(x->b.f.luns[1]->flushes, 1);
    int64_t gen = store_generation(x->b.f.luns[0], 0, 128);
    assert_true(gen >= (int64_t)WALL_CLOCK_US);
    assert_true(gen < (int64_t)WALL_CLOCK_US + 1000000); /* within the first fake second */
    assert_int_equal(store_generation(x->b.f.luns[1], 0, 128), gen);

    /* A bit flipped on LUN 1 block 5: the read-back of a later job says so, once. */
    x->b.f.luns[1]->data[5 * 512 + 100] ^= 1;
    assert_int_equal(run(x, "[j]\nrw=read\nbs=4k\nsize=64k\nverify=crc32c\niodepth=4\n"), 0);
    assert_int_equal(x->b.r.verify_blocks, 2 * 128);
    assert_int_equal(x->b.r.verify_failures, 1);
    assert_int_equal(x->b.r.errors[ERR_VERIFY], 1);
}

/* time_based durable writes: every pass ends with a flush of every LUN, and the stamps left are
 * those of one pass, its generation the first one's plus the pass number. */
static void test_durable_passes_advance_the_generation(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    fake_lun_store(x->b.f.luns[0]);
    fake_lun_store(x->b.f.luns[1]);
    discover(x);
    uint64_t t0 = fake_clock_now();
    assert_int_equal(run(x, "[j]\nrw=write\nbs=4k\nsize=16k\nverify=crc32c\ndo_verify=0\ntime_based\nruntime=50ms\n"), 0);
    uint64_t passes = x->b.f.luns[0]->flushes;
    assert_true(passes >= 3);
    assert_int_equal(x->b.f.luns[1]->flushes, passes);
    int64_t gen = store_generation(x->b.f.luns[0], 0, 32);
    assert_true(gen > 0);
    /* The first pass's generation is the wall clock at the job's start; a pass p writes it + p. */
    int64_t first = (int64_t)(WALL_CLOCK_US + (fake_clock_now() - t0)); /* an upper bound */
    assert_true(gen >= (int64_t)WALL_CLOCK_US + (int64_t)passes - 1);
    assert_true(gen <= first);
}

/* test_skip_flush (test only): the passes are still called durable, but no LUN sees a flush:
 * the driver the power-cut test against a volatile write cache must catch. */
static void test_skip_flush_sends_no_synchronize_cache(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    fake_lun_store(x->b.f.luns[0]);
    fake_lun_store(x->b.f.luns[1]);
    discover(x);
    x->b.env.test_skip_flush = true;
    assert_int_equal(run(x, "[j]\nrw=write\nbs=4k\nsize=64k\nverify=crc32c\niodepth=4\n"), 0);
    assert_int_equal(x->b.r.dir[DIR_WRITE].ios, 2 * 16);
    assert_int_equal(x->b.f.luns[0]->flushes, 0);
    assert_int_equal(x->b.f.luns[1]->flushes, 0);
    assert_int_equal(x->b.r.verify_failures, 0);
}

/* A LUN that holds every command; ABORT TASK is not answered (QEMU answers only once the request
 * is cancelled), LOGICAL UNIT RESET frees it. The other LUNs keep their rate in every second; the
 * stalled LUN leaves the run when it stalls again after its reset. */
static double stalled_run(struct fixture *x, const char *order, bool with_stall, struct job_result *r)
{
    luns(x, 8);
    discover(x);
    x->b.f.abort_frees = false;
    if (with_stall)
        x->b.f.luns[3]->stall = true;
    char text[200];
    snprintf(text, sizeof text, "[j]\nrw=randread\niodepth=16\nlun_order=%s\ntime_based\nruntime=3\n", order);
    assert_int_equal(run(x, text), 0);
    *r = x->b.r;
    return r->dir[DIR_READ].iops_samples.mean;
}

static void check_stall_isolated(void **state, const char *order)
{
    struct fixture *x = *state;
    struct job_result healthy, stalled;
    double before = stalled_run(x, order, false, &healthy);
    teardown(state);
    setup(state);
    x = *state;
    stalled_run(x, order, true, &stalled);
    assert_int_equal(stalled.dir[DIR_READ].iops_samples.n, 3);
    /* Every second keeps at least half of what the job did without the stalled LUN. */
    if (stalled.dir[DIR_READ].iops_samples.min < before / 2)
        fail_msg("lun_order=%s: a second with %.0f IOPS, against %.0f without the stall", order,
                 stalled.dir[DIR_READ].iops_samples.min, before);
    assert_int_equal(stalled.luns_retired, 1);
    /* Two stalls, and a command already in flight when the LUN left may need one more reset. */
    assert_in_range(x->b.f.tmfs[HBA_TMF_LUN_RESET], 2, 3);
    assert_int_equal(x->b.f.resets, 0);
    assert_true(x->b.f.luns[3]->commands <= 3 * 2); /* its share per stall, and nothing after */
    for (unsigned i = 0; i < 8; i++)
        if (i != 3)
            assert_true(x->b.f.luns[i]->reads > 1000);
}

static void test_stalled_lun_does_not_stop_the_others_roundrobin(void **state) { check_stall_isolated(state, "roundrobin"); }
static void test_stalled_lun_does_not_stop_the_others_random(void **state) { check_stall_isolated(state, "random"); }

/* Neither TMF answered: after a timeout each, the HBA is reset; the held command comes back lost
 * (an error), the rest of the job runs. */
static void test_deadline_escalates_to_hba_reset(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    discover(x);
    x->b.f.abort_frees = false;
    x->b.f.answer_lun_reset = false;
    x->b.f.luns[0]->stall = true;
    assert_int_equal(run(x, "[j]\nrw=randread\niodepth=2\nnumber_ios=400\n"), 0);
    assert_int_equal(x->b.f.tmfs[HBA_TMF_ABORT_TASK], 1);
    assert_int_equal(x->b.f.tmfs[HBA_TMF_LUN_RESET], 1);
    assert_int_equal(x->b.f.resets, 1);
    assert_int_equal(x->b.f.base.stats.aborts, 1);
    assert_int_equal(x->b.f.base.stats.lun_resets, 1);
    assert_int_equal(x->b.f.base.stats.hba_resets, 1);
    assert_int_equal(x->b.f.base.tmfs_in_flight, 0);
    assert_int_equal(x->b.r.errors[ERR_RESPONSE], 1); /* the held one, lost in the reset */
    assert_int_equal(x->b.r.dir[DIR_READ].ios + x->b.r.dir[DIR_READ].errors, 400);
}

static void test_hba_that_does_not_come_back_stops_the_job(void **state)
{
    struct fixture *x = *state;
    luns(x, 2);
    discover(x);
    x->b.f.abort_frees = false;
    x->b.f.answer_lun_reset = false;
    x->b.f.reset_fails = true;
    x->b.f.luns[1]->stall = true;
    assert_int_equal(run(x, "[j]\nrw=randread\niodepth=2\ntime_based\nruntime=5\n"), -1);
    assert_true(x->b.r.stopped);
    assert_non_null(strstr(x->b.r.stop_reason, "HBA 0 (fake0) stopped working"));
    assert_true(x->b.f.base.broken);
    assert_true(fake_clock_now() < 5 * FAKE_HZ); /* it stopped, it did not run out its time */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_randread_accounts_every_io, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sequential_job_covers_each_region_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_selection_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lun_too_small_for_bs_is_left_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_protect_read_for_write_jobs_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_lun_holds_its_share_of_iodepth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unit_attention_is_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_media_error_is_counted_for_its_lun, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_stamps_and_durable_generation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_durable_passes_advance_the_generation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skip_flush_sends_no_synchronize_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stalled_lun_does_not_stop_the_others_roundrobin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stalled_lun_does_not_stop_the_others_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadline_escalates_to_hba_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hba_that_does_not_come_back_stops_the_job, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
